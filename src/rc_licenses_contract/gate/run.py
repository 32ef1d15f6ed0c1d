"""Running the gate: wait for the workspace, probe its version, the interaction contract, exploration
with Schemathesis, then the verdict.

Commands fill GateOptions; `run_gate` returns a plain GateResult (result.py); report.py renders it.
Import direction: run -> st (lazily) -> checks; nothing imports run but the commands.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import requests

from ..jsonio import read_json
from ..loader import Contract, load_contract
from .checks import CHECKS, PRIVILEGED, UNPRIVILEGED, Exchange, Failure, GateContext, run_checks
from .result import (
    AUTH_PROBES,
    BUDGET,
    FAILED,
    FINISHED,
    NEGATIVE_QUERY,
    NOT_APPLICABLE,
    NOT_CHECKED,
    NOT_RUN,
    PASSED,
    POSITIVE,
    SKIPPED,
    TIME,
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
from .secrets import display_url
from .session import BudgetExhausted, DeadlineReached, GateSession, GateStop, RequestRefused

__all__ = ["Credentials", "GateOptions", "GateResult", "MockTarget", "run_gate"]

VERSION_PROBE = "/api/info"
NOT_YET_UP = (502, 503, 504)  # what a proxy answers while the workspace behind it starts
# Invalid queries are also sent anonymously (401 must come first), but only a sample: authentication does
# not look at the query, so a few show the order as well as all of them would. Rocket.Chat never rate
# limits a 401 (it carries no X-RateLimit-*); a server that does gets one, to spare its window.
ANONYMOUS_NEGATIVE_SAMPLE, ANONYMOUS_NEGATIVE_SAMPLE_LIMITED = 5, 1
# Schemathesis' ignored_auth asks without credentials, then with each credential header alone and wrong.
AUTH_PROBE_REQUESTS = 3


def query_is_valid(query: str) -> bool:
    """What the route accepts: no query, or exactly one loadValues spelled true or false."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return not pairs or (len(pairs) == 1 and pairs[0][0] == "loadValues" and pairs[0][1] in ("true", "false"))


def unambiguous(query: str) -> str:
    """A generated query without the parameters the server's query parser reads its own way.

    Rocket.Chat parses queries with `qs`: an empty name is dropped and `name[...]` builds arrays
    (accepted for loadValues from 8.6), so what such a query must get depends on the server's version.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if name and "[" not in name and "]" not in name]
    return urlencode(kept)


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
        if caller == PRIVILEGED:
            return self.options.privileged.headers()
        if caller == UNPRIVILEGED:
            return self.options.unprivileged.headers() if self.options.unprivileged else None
        if caller == "wrong-token":
            return {"X-User-Id": self.options.privileged.user_id, "X-Auth-Token": WRONG_TOKEN}
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
    def wait_until_answering(self) -> None:
        """--wait-for: retry with backoff until the workspace answers (CI often starts right after a deploy).

        Each attempt uses a fresh, equally bounded session: the run's session remembers answers, and a
        proxy's 503 while the workspace starts must not be remembered.
        """
        if self.options.wait_for <= 0:
            return
        started = time.monotonic()
        give_up = started + self.options.wait_for
        probe_path = self.session.uncounted_paths[0]
        delay = 0.2
        while True:
            problem: Exception | None = None
            attempt = GateSession(
                (probe_path,),
                0,
                give_up,
                connect_timeout=self.options.connect_timeout,
                read_timeout=self.options.read_timeout,
                verify=not self.options.insecure,
                uncounted_paths=(probe_path,),
            )
            try:
                with attempt:
                    if attempt.request("GET", self.base + VERSION_PROBE).status_code not in NOT_YET_UP:
                        break
            except requests.exceptions.SSLError:
                raise  # a certificate does not fix itself by waiting
            except (requests.exceptions.RequestException, GateStop) as exc:
                problem = exc
            if time.monotonic() + delay > give_up:
                self.result.waited = time.monotonic() - started
                if isinstance(problem, requests.exceptions.RequestException):
                    raise problem  # named like any transport failure, with the time waited
                why = str(problem) if problem is not None else f"it still answers {NOT_YET_UP[0]}-{NOT_YET_UP[-1]}"
                raise GateStop(f"{display_url(self.options.base_url)} did not come up: {why}")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
        self.result.waited = time.monotonic() - started
        self.session.deadline = time.monotonic() + self.options.timeout  # --timeout counts from here

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

    def load_schemathesis(self) -> None:
        if self.options.schemathesis:
            from .st import SchemathesisAdapter

            self.adapter = SchemathesisAdapter(
                self.contract.openapi_file, self.contract.path, self.contract.method, self.forward
            )

    def interactions(self) -> None:
        data = read_json(self.contract.contracts_dir / "interactions.json")
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

    def explore(self) -> None:
        """Auth probes, then Schemathesis' positive and negative queries, while the budget and time last.

        Cut short by the budget or the time, it is reported, not failed (unless --exploration-must-finish).
        """
        exploration = self.result.exploration
        if self.adapter is None:
            exploration.stopped = TURNED_OFF
            return
        if self.result.stop_reason:
            exploration.stopped = NOT_RUN
            return
        try:
            self.auth_probes()
            numbers: dict[str, int] = {}
            for kind, caller, query, expected in self.plan():
                self.kind = kind
                numbers[kind] = numbers.get(kind, 0) + 1
                self.inspect(*self.send(f"{kind} #{numbers[kind]}", caller, query, expected))
            exploration.stopped = FINISHED
        except BudgetExhausted as exc:
            exploration.stopped, exploration.detail = BUDGET, str(exc)
        except DeadlineReached as exc:
            exploration.stopped, exploration.detail = TIME, str(exc)
        finally:
            self.kind = "interaction"
        if exploration.cut_short:
            for check in CHECKS.values():
                if check.once and not self.examined.get(check.id):
                    self.not_reached[check.id] = f"exploration cut short before it finished: {exploration.detail}"

    def auth_probes(self) -> None:
        """Schemathesis' auth-bypass check, once, from a privileged 200: it sends its own probes."""
        assert self.ctx is not None
        for check in (c for c in CHECKS.values() if c.once and c.engine == "schemathesis"):
            source = next(((e, r) for e, r in self.exchanges if check.applies(e, self.ctx)), None)
            if source is None:
                continue
            self.result.exploration.planned[AUTH_PROBES] = AUTH_PROBE_REQUESTS
            self.kind = AUTH_PROBES
            failures = list(self.adapter.check([check.id], *source))  # raises GateStop if its probes are cut
            self.examined[check.id] = self.examined.get(check.id, 0) + 1
            self.record(failures)

    def plan(self) -> list[tuple[str, str, str, int]]:
        """The distinct requests exploration will make, in order: (kind, caller, query, expected status)."""
        exploration = self.result.exploration
        options = self.options
        positives = self.adapter.draw(False, options.examples, options.seed)
        negatives = self.adapter.draw(True, options.examples, options.seed)
        exploration.generated = {POSITIVE: len(positives), NEGATIVE_QUERY: len(negatives)}
        callers = [c for c in (PRIVILEGED, UNPRIVILEGED) if self.caller_headers(c) is not None]
        plan: list[tuple[str, str, str, int]] = []
        seen = set(self.made)
        anonymous, sample = 0, self.anonymous_sample()
        for query in [unambiguous(q) for q in positives + negatives]:
            if query_is_valid(query):
                wanted = [(POSITIVE, caller, query, 200) for caller in callers]
            else:  # invalid: 400 for a caller who is let in, and 401 first for one who is not
                wanted = [(NEGATIVE_QUERY, PRIVILEGED, query, 400)]
                if anonymous < sample and ("anonymous", query) not in seen:
                    wanted.append((NEGATIVE_QUERY, "anonymous", query, 401))
                    anonymous += 1
            for kind, caller, text, expected in wanted:
                if (caller, text) not in seen:
                    seen.add((caller, text))
                    plan.append((kind, caller, text, expected))
        plan.sort(key=lambda item: item[0] != POSITIVE)  # the few positive ones first
        for kind, *_ in plan:
            exploration.planned[kind] = exploration.planned.get(kind, 0) + 1
        return plan

    def anonymous_sample(self) -> int:
        limited = any(e.caller == "anonymous" and "x-ratelimit-remaining" in e.headers for e, _ in self.exchanges)
        return ANONYMOUS_NEGATIVE_SAMPLE_LIMITED if limited else ANONYMOUS_NEGATIVE_SAMPLE

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
            run.wait_until_answering()
            run.detect_version()
            run.load_schemathesis()
            run.interactions()
            run.explore()
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
