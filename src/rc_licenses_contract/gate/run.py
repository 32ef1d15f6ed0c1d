"""Running the gate: version probe, the interaction contract, Schemathesis, then the verdict.

Commands fill GateOptions; `run_gate` returns a plain GateResult; report.py renders it.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import requests

from ..jsonio import read_json
from ..loader import Contract, load_contract
from ..validation import validate
from .checks import CHECKS, Exchange, Failure, GateContext, run_checks
from .secrets import display_url
from .session import GateSession, GateStop, RequestRefused

VERSION_PROBE = "/api/info"
WRONG_TOKEN = "rc-gate-wrong-token-0000000000000000"
SCHEMATHESIS_CHECKS = {
    "not_a_server_error": "Schemathesis: no 5xx answers",
    "status_code_conformance": "Schemathesis: every status is documented",
    "content_type_conformance": "Schemathesis: the Content-Type is the documented one",
    "response_headers_conformance": "Schemathesis: documented headers are present and well-formed",
    "response_schema_conformance": "Schemathesis: bodies match the documented schemas",
    "ignored_auth": "Schemathesis: authentication is enforced (auth-bypass probes)",
}
PRIVILEGED, UNPRIVILEGED = "privileged", "unprivileged"


@dataclass(frozen=True)
class Credentials:
    # repr=False: a traceback, a debugger or pytest's -l never shows the values.
    user_id: str = field(repr=False)
    auth_token: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {"X-User-Id": self.user_id, "X-Auth-Token": self.auth_token}


@dataclass
class GateOptions:
    base_url: str
    privileged: Credentials
    unprivileged: Credentials | None = None
    profile: str | None = None  # None: from the server version
    strict: bool = False
    server_version: str | None = None  # "6", "7", "8"; None: ask GET /api/info
    seed: int = 0
    max_requests: int = 10
    min_interval: float = 0.0
    timeout: float = 180.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_response_time: float = 2.0
    insecure: bool = False
    schemathesis: bool = True
    examples: int = 25  # Schemathesis cases drawn (the budget decides how many are sent)
    root: Path | None = None
    target_note: str = ""  # e.g. "bundled mock, scenario enterprise"


@dataclass
class InteractionOutcome:
    id: str
    title: str
    caller: str
    query: str
    state: str  # ok, failed, skipped, not checked
    status: int | None = None
    note: str = ""


@dataclass
class CheckOutcome:
    id: str
    title: str
    state: str  # passed, failed, warned, skipped, not checked
    runs: int = 0
    failures: int = 0
    note: str = ""


@dataclass
class GateResult:
    options: GateOptions
    server_version: str | None = None
    version_source: str = "unknown"
    profile: str = "default"
    interactions: list[InteractionOutcome] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    stop_reason: str | None = None
    requests_sent: int = 0
    replayed: int = 0
    generated_cases: int = 0
    elapsed: float = 0.0

    @property
    def errors(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "warning"]

    @property
    def checked_anything(self) -> bool:
        return any(c.runs for c in self.checks)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 1
        if self.stop_reason or self.not_checked or not self.checked_anything:
            return 3
        return 0


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
        )
        self.base = options.base_url.rstrip("/")
        self.failures: dict[tuple[Any, ...], Failure] = {}
        self.runs: dict[str, int] = {}
        self.notes: dict[str, str] = {}
        self.exchanges: list[tuple[Exchange, requests.Response]] = []
        self.ctx: GateContext | None = None

    # --- plumbing --------------------------------------------------------------------------
    def caller_headers(self, caller: str) -> dict[str, str] | None:
        if caller == PRIVILEGED:
            return self.options.privileged.headers()
        if caller == UNPRIVILEGED:
            return self.options.unprivileged.headers() if self.options.unprivileged else None
        if caller == "wrong-token":
            return {"X-User-Id": self.options.privileged.user_id, "X-Auth-Token": WRONG_TOKEN}
        return {}

    def send(self, label: str, caller: str, query: str, expected: int | None) -> tuple[Exchange, requests.Response]:
        headers = self.caller_headers(caller) or {}
        params = parse_qsl(query, keep_blank_values=True)
        started = time.monotonic()
        response = self.session.request("GET", self.base + self.contract.path, params=params, headers=headers)
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
        )
        self.exchanges.append((exchange, response))
        return exchange, response

    def record(self, failures: Iterator[Failure] | list[Failure]) -> list[Failure]:
        added = []
        for failure in failures:
            if failure.key not in self.failures:
                self.failures[failure.key] = failure
                added.append(failure)
        return added

    def ran(self, check_ids: tuple[str, ...] | list[str]) -> None:
        for check_id in check_ids:
            self.runs[check_id] = self.runs.get(check_id, 0) + 1

    def stop(self, reason: str) -> None:
        if self.result.stop_reason is None:
            self.result.stop_reason = reason

    # --- phases ----------------------------------------------------------------------------
    def detect_version(self) -> None:
        if self.options.server_version:
            self.result.server_version, self.result.version_source = self.options.server_version, "given"
        else:
            response = self.session.request("GET", self.base + VERSION_PROBE, headers=self.options.privileged.headers())
            try:
                info = orjson.loads(response.content) if response.status_code == 200 else None
            except orjson.JSONDecodeError:  # not JSON, or nested deeper than any version answer is
                info = None
            version = info.get("version") if isinstance(info, dict) else None
            if isinstance(version, str) and re.match(r"[0-9]{1,4}(\.|$)", version):
                self.result.server_version, self.result.version_source = version, "detected"
        major = re.match(r"[0-9]{1,4}(?=\.|$)", self.result.server_version or "")
        self.result.profile = self.options.profile or ("8" if major and int(major.group()) >= 8 else "default")
        self.contract.profile(self.result.profile)  # unknown profile: ContractError, a usage error
        self.ctx = GateContext(
            contract=self.contract,
            profile=self.result.profile,
            strict=self.options.strict,
            max_response_time=self.options.max_response_time,
            documented=frozenset(self.contract.responses),
        )

    def interactions(self) -> None:
        data = read_json(self.contract.contracts_dir / "interactions.json")
        pending = list(data["interactions"])
        while pending:
            item = pending.pop(0)
            outcome = InteractionOutcome(item["id"], item["title"], item["caller"], item.get("query", ""), "ok")
            self.result.interactions.append(outcome)
            if self.result.stop_reason:
                outcome.state = "not checked"
                self.result.not_checked.append(f"interaction {item['id']}: {self.result.stop_reason}")
                continue
            if self.caller_headers(item["caller"]) is None:
                outcome.state, outcome.note = "skipped", "no ROCKETCHAT_UNPRIVILEGED_* credentials given"
                continue
            try:
                exchange, _ = self.send(item["id"], item["caller"], outcome.query, int(item["status"]))
            except (GateStop, requests.exceptions.RequestException) as exc:
                # The server went away or stopped answering: this and every later interaction is not checked.
                reason = str(exc) if isinstance(exc, GateStop) else transport_failure(exc, self.options)
                self.stop(reason)
                outcome.state = "not checked"
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
                outcome.state = "not checked"
                self.result.not_checked.append(f"interaction {item['id']}: {reason}")
                continue
            assert self.ctx is not None
            found = self.record(run_checks(exchange, self.ctx))
            self.ran(list(CHECKS))
            if any(f.severity == "error" for f in found):
                outcome.state = "failed"
                outcome.note = "; ".join(sorted({f.check for f in found if f.severity == "error"}))

    def rate_limited_answers(self) -> None:
        """A 429 is never a violation by itself, but its own body and headers must keep the contract."""
        for observed in self.session.rate_limited:
            self.ran(["rate-limit"])
            try:
                body = orjson.loads(observed.content)
            except orjson.JSONDecodeError:  # not JSON, or nested too deep to be one
                body = None
            result = validate(body, "429", contract=self.contract) if body is not None else None
            problems = [f"{f.pointer or '(root)'}: {f.message}" for f in result.errors] if result else ["not JSON"]
            missing = [
                h
                for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
                if h.lower() not in observed.headers
            ]
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            for problem in problems:
                self.record([Failure("rate-limit", f"429 answer breaks the contract: {problem}")])

    def schemathesis_phase(self) -> None:
        if not self.options.schemathesis:
            return
        if self.result.stop_reason:
            self.result.not_checked.append(f"Schemathesis checks: {self.result.stop_reason}")
            return
        from .st import SchemathesisRunner

        runner = SchemathesisRunner(self)
        runner.check_interactions()
        runner.generated_cases()

    def finish(self) -> GateResult:
        result = self.result
        result.failures = list(self.failures.values())
        result.requests_sent = self.session.sent
        result.replayed = self.session.replayed
        titles = {check_id: check.title for check_id, check in CHECKS.items()}
        titles["rate-limit"] = "A 429 answer keeps the 429 contract (body and X-RateLimit-* headers)"
        for name, title in SCHEMATHESIS_CHECKS.items():
            titles[f"schemathesis.{name}"] = title
        for check_id, title in titles.items():
            errors = sum(1 for f in result.failures if f.check == check_id and f.severity == "error")
            warnings = sum(1 for f in result.failures if f.check == check_id and f.severity == "warning")
            runs = self.runs.get(check_id, 0)
            if errors:
                state = "failed"
            elif warnings:
                state = "warned"
            elif runs:
                state = "passed"
            elif check_id == "rate-limit":
                state = "skipped"
                self.notes.setdefault(check_id, "no 429 was met")
            else:
                state = "not checked" if result.stop_reason else "skipped"
            result.checks.append(
                CheckOutcome(check_id, title, state, runs, errors + warnings, self.notes.get(check_id, ""))
            )
        return result


def run_gate(options: GateOptions) -> GateResult:
    """Run the whole gate. Connection-level trouble ends the run with stop_reason (exit 3)."""
    started = time.monotonic()
    contract = load_contract(options.root)
    if options.insecure:  # warned once by the command; not again for every request
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    run = _Run(options, contract)
    storage = tempfile.TemporaryDirectory(prefix="rc-gate-")
    # Hypothesis and Schemathesis write working files into the current folder unless told otherwise.
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = storage.name
    hypothesis_home: Any = None
    if options.schemathesis:
        # Inside pytest, Hypothesis has usually fixed its folder (./.hypothesis) before the variable is read.
        from hypothesis import configuration

        hypothesis_home = configuration
        hypothesis_home.set_hypothesis_home_dir(storage.name)
    try:
        try:
            run.detect_version()
            run.interactions()
            run.schemathesis_phase()
        except requests.exceptions.RequestException as exc:
            run.stop(transport_failure(exc, options))
        except GateStop as exc:
            run.stop(str(exc))
        except RequestRefused as exc:
            run.stop(str(exc))
        if run.ctx is None:
            run.result.not_checked.append(f"everything: {run.result.stop_reason}")
            run.ctx = GateContext(contract, "default", options.strict, options.max_response_time)
        run.rate_limited_answers()
        result = run.finish()
    finally:
        if hypothesis_home is not None:
            hypothesis_home.set_hypothesis_home_dir(None)  # back to its default, found again on next use
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
        storage.cleanup()
    result.elapsed = time.monotonic() - started
    return result


def transport_failure(exc: requests.exceptions.RequestException, options: GateOptions) -> str:
    """One line for a failed request: TLS, connect or read timeout, unreachable (no user info in it)."""
    base = display_url(options.base_url)
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failure talking to {base}: {_reason(exc)} (--insecure skips verification)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connecting to {base} timed out after {options.connect_timeout:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"{base} did not answer within {options.read_timeout:g} s (--read-timeout)"
    return f"cannot reach {base}: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    """The innermost, most telling line of a requests exception (no URL with credentials in it)."""
    text = str(exc)
    for marker in ("Name or service not known", "nodename nor servname", "Temporary failure in name resolution"):
        if marker in text:
            return "DNS lookup failed (unknown host)"
    if "Connection refused" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "certificate verify failed"
    # No cut here: a cut before the redactor could leave half a secret; the report cuts after masking.
    return text.splitlines()[0] if text else type(exc).__name__
