"""Schemathesis, used as a library: its checks on the gate's exchanges, and its case generation.

This adapter knows Schemathesis and nothing of the run: the run hands it exchanges and a `forward`
function (the gate's paced, counted, bounded HTTP client) and gets back Failure objects and drawn
queries. Schemathesis' auth-bypass check sends probes of its own; they reach the server through a
small WSGI bridge set as the schema's app (public API), which forwards them through `forward`, so they
are paced and counted like every other request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from .checks import CHECKS, Exchange, Failure
from .session import DeadlineReached, GateStop, RequestRefused

# forward(method, path, query, headers) -> the answer, through the gate's session.
Forward = Callable[[str, str, str, dict[str, str]], requests.Response]
# Headers the bridge does not hand back: those that describe the bytes on the wire, which it re-frames
# (requests already decoded them), and cookies, which the gate never keeps (Schemathesis' WSGI client would
# store them for its next probes, and stops with StopIteration on some Set-Cookie forms a server sends).
FRAMING_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "set-cookie"}


class SchemathesisAdapter:
    def __init__(
        self, openapi_file: Path, path: str, method: str, forward: Forward, credential_headers: tuple[str, ...]
    ) -> None:
        import schemathesis
        from schemathesis.checks import CHECKS as ST_CHECKS
        from schemathesis.checks import load_all_checks

        # An explicit config: never pick up a schemathesis.toml from the user's folders.
        schema = schemathesis.openapi.from_path(str(openapi_file), config=schemathesis.Config())
        self.credential_headers = credential_headers  # the security schemes' headers, passed on to the server
        schema.app = _bridge(forward, credential_headers)
        self.operation = schema[path][method.upper()]
        # Schemathesis exports no by-name lookup of its built-in checks besides this registry; it is why
        # pyproject pins schemathesis to the minor range the tests ran on.
        load_all_checks()
        ours = [c for c in CHECKS.values() if c.engine == "schemathesis"]
        self.functions: dict[str, Any] = dict(
            zip((c.id for c in ours), ST_CHECKS.get_by_names([c.name for c in ours]), strict=True)
        )

    def check(self, check_ids: Iterable[str], exchange: Exchange, response: requests.Response) -> Iterator[Failure]:
        """Run Schemathesis' checks on one answer the gate already has (probes aside, nothing is sent)."""
        from schemathesis.errors import FailureGroup

        headers = (
            _credentials(response.request.headers, self.credential_headers) if response.request is not None else {}
        )
        case = self.operation.Case(query=dict(parse_qsl(exchange.query, keep_blank_values=True)), headers=headers)
        for check_id in check_ids:
            try:
                case.validate_response(response, checks=[self.functions[check_id]], headers=headers or None)
            except FailureGroup as group:
                for failure in group.exceptions:
                    yield Failure(
                        check_id,
                        f"{failure.title}: {_first_line(failure.message)}",
                        exchange,
                        pointer=_pointer(getattr(failure, "instance_path", None)),
                    )
            except (GateStop, RequestRefused, requests.RequestException):
                raise  # from a probe: the run's own stop, not the check's
            except Exception as exc:  # Schemathesis itself stumbled on this answer: say so, never crash
                yield Failure(
                    check_id,
                    f"Schemathesis could not run this check: {type(exc).__name__}: {_first_line(str(exc))}",
                    exchange,
                    severity="warning",
                )

    def draw(self, negative: bool, examples: int, seed: int, deadline: float | None = None) -> list[str]:
        """Seeded queries from Schemathesis' positive or negative generation, as query strings, in order.

        Generation counts against the run's time like requests do: past `deadline` (monotonic), it stops
        with DeadlineReached, however many examples were asked for."""
        import hypothesis
        from hypothesis import HealthCheck, Verbosity, given, settings
        from schemathesis import GenerationMode

        mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
        queries: list[str] = []

        @hypothesis.seed(seed)
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,  # the stop below is no falsifying example to print
        )
        @given(self.operation.as_strategy(generation_mode=mode))
        def collect(case: Any) -> None:
            if deadline is not None and time.monotonic() > deadline:
                raise _OutOfTime
            queries.append(_query_text(case.query))

        try:
            collect()
        except _OutOfTime:
            raise DeadlineReached("--timeout reached while Schemathesis generated cases") from None
        return queries


class _OutOfTime(Exception):
    """Raised inside Hypothesis' loop to end generation at the run's deadline."""


def _bridge(forward: Forward, credential_headers: tuple[str, ...]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that forwards what Schemathesis sends to the server, through the gate's session."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        incoming = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key[:5] == "HTTP_"}
        headers = {name: incoming[name.lower()] for name in credential_headers if name.lower() in incoming}
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        response = forward(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers)
        framing = [(k, v) for k, v in response.headers.items() if k.lower() not in FRAMING_HEADERS]
        start_response(f"{response.status_code} {response.reason or ''}".strip(), framing)
        return [response.content]

    return app


def _credentials(headers: Any, credential_headers: tuple[str, ...]) -> dict[str, str]:
    return {name: str(headers[name]) for name in credential_headers if name in headers}


def _query_text(query: Any) -> str:
    """How the query goes on the wire: repeated names for lists, JSON spellings for scalars."""
    if not isinstance(query, dict):
        return ""
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(name), _scalar(item)))
    return urlencode(pairs)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _pointer(path: Any) -> str | None:
    if not isinstance(path, list | tuple):
        return None
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
