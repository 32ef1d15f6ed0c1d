"""Running the gate: wait for the workspace, probe its version, the interaction contract, exploration
with Schemathesis, then the verdict.

Commands fill GateOptions; `run_gate` returns a plain GateResult (result.py); report.py renders it.
Waiting and transport errors live in transport.py, exploration in explore.py.
Import direction: run -> explore, transport, st (lazily) -> checks; nothing imports run but the commands.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from ..contract_data import checked_data
from ..loader import Contract, load_contract
from .checks import CHECKS, PRIVILEGED, UNPRIVILEGED, Exchange, Failure, GateContext, run_checks
from .explore import explore
from .result import (
    FAILED,
    NOT_APPLICABLE,
    NOT_CHECKED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    TURNED_OFF,
    WARNED,
    WRONG_TOKEN,
    CheckOutcome,
    Credentials,
    Finding,
    GateOptions,
    GateResult,
    InteractionOutcome,
    MockTarget,
)
from .session import GateSession, GateStop, RequestRefused
from .storage import hypothesis_storage
from .transport import VERSION_PROBE, _reason, transport_failure, wait_until_answering

__all__ = ["Credentials", "GateOptions", "GateResult", "MockTarget", "_reason", "run_gate", "transport_failure"]


class _Run:
    def __init__(self, options: GateOptions, contract: Contract) -> None:
        self.options = options
        self.contract = contract
        self.result = GateResult(options)
        # A workspace may live under a sub-path (ROOT_URL https://host/chat): allow the paths below it.
        prefix = urlsplit(options.base_url).path.rstrip("/")
        self.session = GateSession(
            allowed_paths=(prefix + contract.path, prefix + VERSION_PROBE),
            uncounted_paths=(prefix + VERSION_PROBE,),
            max_requests=options.max_requests,
            deadline=time.monotonic() + options.timeout,
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            min_interval=options.min_interval,
            verify=not options.insecure,
            rate_limit=contract.rate_limit_headers(),
        )
        self.base = options.base_url.rstrip("/")
        self.findings: dict[tuple[Any, ...], Finding] = {}
        self.examined: dict[str, int] = {}
        self.not_reached: dict[str, str] = {}  # check id -> why it never ran although it might have applied
        self.exchanges: list[tuple[Exchange, requests.Response]] = []
        self.made: set[tuple[str, str]] = set()  # (caller, query) already asked
        self.kind = "interaction"  # what the requests sent now are, for the exploration's counts
        self.ctx: GateContext | None = None
        self.adapter: Any = None  # st.SchemathesisAdapter when Schemathesis is on

    # --- plumbing --------------------------------------------------------------------------
    def caller_headers(self, caller: str) -> dict[str, str] | None:
        privileged, unprivileged = self.options.privileged, self.options.unprivileged
        if caller == PRIVILEGED:
            return self.contract.credential_headers(privileged.user_id, privileged.auth_token)
        if caller == UNPRIVILEGED:
            return (
                self.contract.credential_headers(unprivileged.user_id, unprivileged.auth_token)
                if unprivileged
                else None
            )
        if caller == "wrong-token":
            return self.contract.credential_headers(privileged.user_id, WRONG_TOKEN)
        return {}

    def forward(self, method: str, path: str, query: str, headers: dict[str, str]) -> requests.Response:
        """Every request of the run goes through here (Schemathesis' probes too): paced, counted, bounded."""
        url = self.base + path + ("?" + query if query else "")
        sent_before, replayed_before = self.session.sent, self.session.replayed
        response = self.session.request(method, url, headers=headers)
        if self.kind != "interaction":
            exploration = self.result.exploration
            for counts, now, before in (
                (exploration.sent, self.session.sent, sent_before),
                (exploration.replayed, self.session.replayed, replayed_before),
            ):
                if now > before:
                    counts[self.kind] = counts.get(self.kind, 0) + now - before
        return response

    def send(self, label: str, caller: str, query: str, expected: int | None) -> tuple[Exchange, requests.Response]:
        started = time.monotonic()
        self.made.add((caller, query))
        response = self.forward("GET", self.contract.path, query, self.caller_headers(caller) or {})
        elapsed = response.elapsed.total_seconds() if response.elapsed else time.monotonic() - started
        exchange = Exchange(
            label=label,
            caller=caller,
            method="GET",
            path=self.contract.path,
            query=query,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=response.content,
            elapsed=elapsed,
            expected_status=expected,
            kind=self.kind,
        )
        self.exchanges.append((exchange, response))
        return exchange, response

    def inspect(self, exchange: Exchange, response: requests.Response) -> list[Failure]:
        """Every check that applies to this answer, ours and Schemathesis'; returns what failed."""
        assert self.ctx is not None
        failures = list(run_checks(exchange, self.ctx, self.examined))
        if self.adapter is not None:
            wanted = [
                c.id
                for c in CHECKS.values()
                if c.engine == "schemathesis" and not c.once and c.applies(exchange, self.ctx)
            ]
            for check_id in wanted:
                self.examined[check_id] = self.examined.get(check_id, 0) + 1
            failures += self.adapter.check(wanted, exchange, response)
        self.record(failures)
        return failures

    def record(self, failures: Iterable[Failure]) -> None:
        """One defect, one finding: sightings of the same defect are grouped; a copy is merged into its twin."""
        for failure in failures:
            twin = self._twin(failure)
            if twin is not None:
                if failure.check not in twin.also_seen_by:
                    twin.also_seen_by.append(failure.check)
                continue
            found = self.findings.get(failure.defect)
            if found is None:
                self.findings[failure.defect] = Finding.first(failure)
            else:
                found.add(failure.exchange)

    def _twin(self, failure: Failure) -> Finding | None:
        """Our finding that this Schemathesis failure repeats: same kind of check, same answer (and place)."""
        same_as = CHECKS[failure.check].same_as if failure.check in CHECKS else None
        if same_as is None or failure.exchange is None:
            return None
        for found in self.findings.values():
            if found.check != same_as or not any(e is failure.exchange for e in found.occurrences):
                continue
            if failure.pointer is None or found.pointer is None or failure.pointer == found.pointer:
                return found
        return None

    def stop(self, reason: str) -> None:
        if self.result.stop_reason is None:
            self.result.stop_reason = reason

    # --- phases ----------------------------------------------------------------------------
    def detect_version(self) -> None:
        if self.options.server_version:
            self.result.server_version, self.result.version_source = self.options.server_version, "given"
        else:
            headers = self.caller_headers(PRIVILEGED)
            response = self.session.request("GET", self.base + VERSION_PROBE, headers=headers)
            try:
                info = orjson.loads(response.content) if response.status_code == 200 else None
            except orjson.JSONDecodeError:  # not JSON, or nested deeper than any version answer is
                info = None
            version = info.get("version") if isinstance(info, dict) else None
            if isinstance(version, str) and re.match(r"[0-9]{1,4}(\.|$)", version):
                self.result.server_version, self.result.version_source = version, "detected"
        self.result.profile = self.options.profile or self.contract.profile_for_version(self.result.server_version)
        self.contract.profile(self.result.profile)  # unknown profile: ContractError, a usage error
        self.ctx = GateContext(
            contract=self.contract,
            profile=self.result.profile,
            strict=self.options.strict,
            max_response_time=self.options.max_response_time,
            documented=frozenset(self.contract.responses),
        )

    def load_schemathesis(self) -> None:
        if self.options.schemathesis:
            from .st import SchemathesisAdapter

            self.adapter = SchemathesisAdapter(
                self.contract.openapi_file,
                self.contract.path,
                self.contract.method,
                self.forward,
                tuple(self.contract.auth_headers.values()),
            )

    def interactions(self) -> None:
        data = checked_data(self.contract, self.contract.contracts_dir / "interactions.json")
        for item in data["interactions"]:
            outcome = InteractionOutcome(item["id"], item["title"], item["caller"], item.get("query", ""), "ok")
            self.result.interactions.append(outcome)
            if self.result.stop_reason:
                outcome.state = NOT_CHECKED
                self.result.not_checked.append(f"interaction {item['id']}: {self.result.stop_reason}")
                continue
            if self.caller_headers(item["caller"]) is None:
                outcome.state, outcome.note = SKIPPED, "no ROCKETCHAT_UNPRIVILEGED_* credentials given"
                continue
            try:
                exchange, response = self.send(item["id"], item["caller"], outcome.query, int(item["status"]))
            except (GateStop, requests.exceptions.RequestException) as exc:
                # The server went away or stopped answering: this and every later interaction is not checked.
                reason = str(exc) if isinstance(exc, GateStop) else transport_failure(exc, self.options)
                self.stop(reason)
                outcome.state = NOT_CHECKED
                self.result.not_checked.append(f"interaction {item['id']}: {reason}")
                continue
            outcome.status = exchange.status
            if item["caller"] in (PRIVILEGED, UNPRIVILEGED) and exchange.status == 401:
                # A configuration problem, not a contract violation: blame nothing, exit 3.
                variables = "ROCKETCHAT_" + ("" if item["caller"] == PRIVILEGED else "UNPRIVILEGED_")
                reason = (
                    f"credentials rejected: the {item['caller']} caller got 401 (check "
                    f"{variables}AUTH_TOKEN and {variables}USER_ID)"
                )
                if item["caller"] == PRIVILEGED:
                    self.stop(reason)
                outcome.state = NOT_CHECKED
                self.result.not_checked.append(f"interaction {item['id']}: {reason}")
                continue
            failed = sorted({f.check for f in self.inspect(exchange, response) if f.severity == "error"})
            if failed:
                outcome.state, outcome.note = FAILED, "; ".join(failed)

    def rate_limited_answers(self) -> None:
        """A 429 is never a violation by itself, but its own body and headers must keep the contract."""
        assert self.ctx is not None
        for observed in self.session.rate_limited:
            parts = urlsplit(observed.url)
            exchange = Exchange(
                label="a 429 met on the way",
                caller="unknown",
                method="GET",
                path=self.contract.path,
                query=parts.query,
                status=observed.status,
                headers=dict(observed.headers),
                content=observed.content,
                elapsed=0.0,
                kind="rate limited",
            )
            self.record(run_checks(exchange, self.ctx, self.examined, only=("rate-limit",)))

    def finish(self) -> GateResult:
        result = self.result
        result.findings = list(self.findings.values())
        result.requests_sent = self.session.sent
        result.replayed = self.session.replayed
        assert self.ctx is not None
        for check in CHECKS.values():
            mine = result.findings_of(check.id)
            errors = sum(1 for f in mine if f.severity == "error")
            examined = self.examined.get(check.id, 0)
            note = ""
            if errors:
                state = FAILED
            elif mine:
                state = WARNED
            elif examined:
                state = PASSED
            elif check.engine == "schemathesis" and not self.options.schemathesis:
                state, note = SKIPPED, "turned off (--no-schemathesis)"
            elif check.id in self.not_reached:
                state, note = NOT_CHECKED, self.not_reached[check.id]
            elif result.stop_reason:
                state, note = NOT_CHECKED, "the run stopped before it"
            else:
                state, note = NOT_APPLICABLE, f"no {check.applies.describe()} in this run"
            merged = [f for f in mine if f.check != check.id]
            if merged:
                note = "same defect as " + ", ".join(sorted({f.check for f in merged}))
            result.checks.append(CheckOutcome(check.id, check.title, state, examined, len(mine), note))
        return result


def run_gate(options: GateOptions) -> GateResult:
    """Run the whole gate. Connection-level trouble ends the run with stop_reason (exit 3)."""
    started = time.monotonic()
    contract = load_contract(options.root)
    if options.insecure:  # warned once by the command; not again for every request
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    run = _Run(options, contract)
    # The session closes its pooled keep-alive connections on the way out, not whenever it is collected.
    with hypothesis_storage(options.schemathesis), run.session:
        try:
            wait_until_answering(run)
            run.detect_version()
            run.load_schemathesis()
            run.interactions()
            explore(run)
        except requests.exceptions.RequestException as exc:
            run.stop(transport_failure(exc, options))
        except (GateStop, RequestRefused) as exc:
            run.stop(str(exc))
        if run.result.stop_reason and run.result.waited:
            run.result.stop_reason += f" (after waiting {run.result.waited:.1f} s, --wait-for)"
        if run.ctx is None:
            run.result.not_checked.append(f"everything: {run.result.stop_reason}")
            run.ctx = GateContext(contract, "default", options.strict, options.max_response_time)
        if run.result.exploration.stopped == NOT_RUN and not options.schemathesis:
            run.result.exploration.stopped = TURNED_OFF
        run.rate_limited_answers()
        result = run.finish()
    result.elapsed = time.monotonic() - started
    return result
