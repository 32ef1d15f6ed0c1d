"""Schemathesis, used as a library, inside the gate's budget.

Its checks run on every exchange the interaction contract already made (no extra requests), its
auth-bypass check probes through the gate's session (so probes are paced and counted), and seeded
positive cases are drawn and sent while the budget lasts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checks import Exchange, Failure, run_checks
from .session import GateStop

if TYPE_CHECKING:
    import requests

    from .run import _Run

AUTH_PROBES = 3  # ignored_auth: no credentials, then each credential header alone with a bad value
# Our checks that Schemathesis' own do not cover, run on the cases it generates.
OWN_CHECKS_FOR_GENERATED_CASES = (
    "drift",
    "semantic.caller-shape",
    "semantic.load-values",
    "semantic.external-modules",
    "semantic.license-consistency",
    "semantic.no-license-defaults",
    "response-time",
    "headers",
)


class SchemathesisRunner:
    def __init__(self, run: _Run) -> None:
        import schemathesis
        from schemathesis import checks as generic
        from schemathesis.config import SchemathesisConfig
        from schemathesis.specs.openapi import checks as openapi_checks

        from .run import SCHEMATHESIS_CHECKS

        self.run = run
        # An explicit config: never pick up a schemathesis.toml from the user's folders.
        schema = schemathesis.openapi.from_path(str(run.contract.openapi_file), config=SchemathesisConfig())
        # Schemathesis sends its auth probes with a session of its own (it strips the one we pass), so
        # route its transport through the gate's session: probes are then paced, counted and bounded.
        transport = _GateTransport(schema.transport, run.session)
        schema.__class__ = type("GateOpenApiSchema", (type(schema),), {"transport": property(lambda _: transport)})
        self.operation = schema[run.contract.path][run.contract.method.upper()]
        self.functions = {
            name: getattr(openapi_checks, name, None) or getattr(generic, name) for name in SCHEMATHESIS_CHECKS
        }
        self.auth_checked = False

    def _validate(self, case: Any, exchange: Exchange, response: requests.Response, names: list[str]) -> None:
        from schemathesis.core.failures import Failure as SchemathesisFailure
        from schemathesis.core.failures import FailureGroup

        auth = self.run.caller_headers(exchange.caller) or None
        for name in names:
            failures: list[Any] = []
            try:
                case.validate_response(
                    response,
                    checks=[self.functions[name]],
                    headers=auth,
                    transport_kwargs={"session": self.run.session, "base_url": self.run.base},
                )
            except FailureGroup as group:
                failures = list(group.exceptions)
            except SchemathesisFailure as failure:
                failures = [failure]
            if self.run.session.stopped is not None:
                raise self.run.session.stopped
            self.run.ran([f"schemathesis.{name}"])
            self.run.record(
                Failure(f"schemathesis.{name}", f"{f.title}: {_first_line(f.message)}", exchange) for f in failures
            )

    def _case_for(self, exchange: Exchange) -> Any:
        from urllib.parse import parse_qsl

        return self.operation.Case(
            query=dict(parse_qsl(exchange.query, keep_blank_values=True)),
            headers=self.run.caller_headers(exchange.caller) or {},
        )

    def _names(self, exchange: Exchange) -> list[str]:
        names = [n for n in self.functions if n != "ignored_auth"]
        authorised_ok = exchange.caller == "privileged" and exchange.status == 200
        # The auth-bypass probes need up to three requests (one is usually replayed); once per run is enough.
        budget_left = self.run.session.max_requests - self.run.session.sent
        if authorised_ok and not self.auth_checked and budget_left >= AUTH_PROBES - 1:
            names.append("ignored_auth")
            self.auth_checked = True
        return names

    def check_interactions(self) -> None:
        for exchange, response in list(self.run.exchanges):
            self._validate(self._case_for(exchange), exchange, response, self._names(exchange))
        if not self.auth_checked:
            self.run.notes["schemathesis.ignored_auth"] = "no privileged 200 to probe from, or no budget left"

    def generated_cases(self) -> None:
        """Seeded positive cases, sent while the budget lasts (repeats are answered by the replay cache)."""
        import hypothesis
        from hypothesis import HealthCheck, given, settings

        cases: list[Any] = []

        @hypothesis.seed(self.run.options.seed)
        @settings(
            max_examples=self.run.options.examples,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(self.operation.as_strategy())
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
        sent_queries: set[tuple[tuple[str, str], ...]] = set()
        for index, case in enumerate(cases):
            query = tuple(
                sorted(
                    (str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (case.query or {}).items()
                )
            )
            if query in sent_queries:
                continue
            sent_queries.add(query)
            query_text = "&".join(f"{k}={v}" for k, v in query)
            try:
                exchange, response = self.run.send(f"schemathesis #{index + 1}", "privileged", query_text, None)
            except GateStop as exc:
                self.run.notes["schemathesis"] = f"generated cases stopped: {exc}"
                break
            self.run.result.generated_cases += 1
            case.query = dict(query)
            assert self.run.ctx is not None
            self.run.record(run_checks(exchange, self.run.ctx, OWN_CHECKS_FOR_GENERATED_CASES))
            self.run.ran(list(OWN_CHECKS_FOR_GENERATED_CASES))
            self._validate(self._case_for(exchange), exchange, response, self._names(exchange))


class _GateTransport:
    """Wraps Schemathesis' transport so that every request it sends uses the gate's session."""

    def __init__(self, inner: Any, session: Any) -> None:
        self._inner = inner
        self._session = session

    def send(self, case: Any, **kwargs: Any) -> Any:
        kwargs["session"] = self._session
        return self._inner.send(case, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
