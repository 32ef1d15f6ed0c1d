"""The words every gate report shares: a finding as lines, the verdict, the exploration line, the reproduce
line, state marks and plurals. The reporters (`gate.report`, `gate.formats`) arrange these; they decide nothing.

Every value that came from the server or the user passes `Redactor.clean` here (secrets masked, control
characters escaped, then cut to a readable length).
"""

from __future__ import annotations

import shlex

from ..contract_facts import TOKEN_SCHEME, USER_ID_SCHEME
from ..loader import load_contract
from .checks import PRIVILEGED, UNPRIVILEGED, Exchange
from .result import (
    AUTH_PROBES,
    BUDGET,
    FINISHED,
    NEGATIVE_QUERY,
    NOT_APPLICABLE,
    NOT_CHECKED,
    NOT_RUN,
    POSITIVE,
    SKIPPED,
    TIME,
    TURNED_OFF,
    WRONG_TOKEN,
    Finding,
    GateResult,
)
from .secrets import Redactor, url_secrets

# Readable lengths for quoted server text, applied after masking.
VALUE_LIMIT, MESSAGE_LIMIT, NOTE_LIMIT, VERSION_LIMIT = 200, 300, 300, 40
CALLER_ENV = {
    PRIVILEGED: ("$ROCKETCHAT_AUTH_TOKEN", "$ROCKETCHAT_USER_ID"),
    UNPRIVILEGED: ("$ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN", "$ROCKETCHAT_UNPRIVILEGED_USER_ID"),
    "wrong-token": (WRONG_TOKEN, "$ROCKETCHAT_USER_ID"),
}
ENV_VALUES = {value for pair in CALLER_ENV.values() for value in pair if value.startswith("$")}
MOCK_PORT = "${RC_MOCK_PORT:-3000}"
# A base URL with user info is never printed: the line reads it from the variable the gate reads it from.
BASE_URL_ENV = "${ROCKETCHAT_URL%/}"
STATE_MARK = {
    "ok": "ok",
    "passed": "PASS",
    "failed": "FAIL",
    "warned": "WARN",
    NOT_APPLICABLE: "n/a",
    SKIPPED: "skip",
    NOT_CHECKED: "miss",
}
LEGEND = (
    "legend: ok/PASS as the contract says (PASS: on that many answers) · FAIL violation · WARN drift · "
    "n/a nothing it applies to was seen · skip not asked for · miss not checked (the run stopped first)"
)
SHOWN_OCCURRENCES = 6
STOP_WORDS = {
    FINISHED: "finished",
    BUDGET: "CUT SHORT by the request budget",
    TIME: "CUT SHORT by the time limit",
    NOT_RUN: "not run",
    TURNED_OFF: "turned off (--no-schemathesis)",
}


def mark(state: str) -> str:
    return STATE_MARK.get(state, state)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _caller_headers(result: GateResult, caller: str) -> tuple[str, str] | None:
    """The header values a reproduce line uses: demo values for the mock, $ROCKETCHAT_* otherwise."""
    options = result.options
    if options.mock is None:
        return CALLER_ENV.get(caller)
    credentials = {PRIVILEGED: options.privileged, UNPRIVILEGED: options.unprivileged}.get(caller)
    if credentials is not None:
        return credentials.auth_token, credentials.user_id
    return (WRONG_TOKEN, options.privileged.user_id) if caller == "wrong-token" else None


def reproduce_line(result: GateResult, exchange: Exchange) -> str:
    """One shell line that repeats the request as printed: credentials from the environment (never a
    value), or, for `gate --mock`, the command that starts the same mock and its public demo callers.

    The base URL is printed as given unless it carries user info (HTTP Basic credentials): then the line
    takes it from $ROCKETCHAT_URL, so it still runs and still holds no secret."""
    options = result.options
    query = f"?{exchange.query}" if exchange.query else ""
    parts = ["curl", "-sS", "-i"]
    if options.insecure:
        parts.append("-k")
    headers = _caller_headers(result, exchange.caller)
    if headers is not None:
        token, user = headers
        names = load_contract(options.root).auth_headers
        for name, value in ((names[TOKEN_SCHEME], token), (names[USER_ID_SCHEME], user)):
            live = value if value in ENV_VALUES else ""
            parts += ["-H", f'"{_double_quoted(f"{name}: {value}", live)}"']
    if options.mock is not None:
        # The same mock on a port of your choice (RC_MOCK_PORT, default 3000); curl retries until it listens.
        url = f"http://127.0.0.1:{MOCK_PORT}{exchange.path}{query}"
        start = f"{options.mock.command} --port {MOCK_PORT} >/dev/null 2>&1 &"
        curl = " ".join([*parts[:3], "--retry", "30", "--retry-connrefused", "--retry-delay", "1", *parts[3:]])
        return f'{start} {curl} "{_double_quoted(url, live=MOCK_PORT)}"; kill $!'
    if url_secrets(options.base_url):
        return " ".join([*parts, f'"{BASE_URL_ENV}{_double_quoted(exchange.path + query)}"'])
    return " ".join([*parts, shlex.quote(options.base_url.rstrip("/") + exchange.path + query)])


def _double_quoted(text: str, live: str = "") -> str:
    """Inside "...": everything literal except `live`, a variable of ours ($ROCKETCHAT_*, ${RC_MOCK_PORT:-3000})."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    if not live:
        return escaped
    return escaped.replace(_double_quoted(live), live)


def _request_line(exchange: Exchange, redact: Redactor) -> str:
    expected = exchange.expected_status
    wanted = f" (expected {expected})" if expected is not None and expected != exchange.status else ""
    target = redact.clean(exchange.target, MESSAGE_LIMIT)
    return f"{target} as {exchange.caller} ({exchange.label}) -> {exchange.status}{wanted}"


def describe_finding(
    finding: Finding, result: GateResult, redact: Redactor, limit: int | None = SHOWN_OCCURRENCES
) -> list[str]:
    """The finding as lines: what, where in the body, the value, every request it was seen on, how to
    reproduce it."""
    head = f"[{finding.check}] " + ("" if finding.severity == "error" else "warning: ")
    lines = [head + redact.clean(finding.message, MESSAGE_LIMIT)]
    if finding.pointer is not None:
        keyword = f" ({redact.clean(finding.keyword, VALUE_LIMIT)})" if finding.keyword else ""
        lines.append(f"    at: {redact.clean(finding.pointer, VALUE_LIMIT) or '(root)'}{keyword}")
    if finding.value is not None:
        lines.append(f"    value: {redact.clean(finding.value, VALUE_LIMIT)}")
    seen = finding.occurrences
    if len(seen) == 1:
        lines.append(f"    request: {_request_line(seen[0], redact)}")
    elif seen:
        lines.append(f"    seen on {len(seen)} requests:")
        shown = seen if limit is None else seen[:limit]
        lines += [f"      {_request_line(e, redact)}" for e in shown]
        if len(shown) < len(seen):
            lines.append(f"      … and {len(seen) - len(shown)} more (all of them in --json)")
    if finding.also_seen_by:
        lines.append(f"    also seen by: {', '.join(finding.also_seen_by)}")
    first = finding.exchange
    if first is not None and first.caller != "unknown":
        lines.append(f"    reproduce: {redact.clean(reproduce_line(result, first))}")
    return lines


def verdict_line(result: GateResult, redact: Redactor) -> str:
    errors, warnings = result.errors, result.warnings
    code = result.exit_code
    if code == 1:
        seen = sum(len(f.occurrences) for f in errors)
        verdict = f"FAILED: {plural(len(errors), 'defect')} (seen {plural(seen, 'time')})"
    elif code == 3:
        verdict = f"INCOMPLETE: {redact.clean(result.incomplete_reason, NOTE_LIMIT)}"
    else:
        verdict = "PASSED: the contract holds"
        if result.exploration.cut_short:
            verdict += " (exploration cut short, see above)"
    return f"{verdict}; {plural(len(warnings), 'warning')} (exit {code})"


def exploration_line(result: GateResult, redact: Redactor) -> str:
    """What the generated part did, by kind, and why it stopped."""
    exploration = result.exploration
    words = STOP_WORDS.get(exploration.stopped, exploration.stopped)
    if exploration.stopped in (NOT_RUN, TURNED_OFF):
        return f"exploration: {words}"
    generated = exploration.generated
    made = exploration.made
    parts = []
    for kind, one, many in (
        (AUTH_PROBES, "auth probe", "auth probes"),
        (POSITIVE, "positive", "positive"),
        (NEGATIVE_QUERY, "negative query", "negative queries"),
    ):
        count, planned = made.get(kind, 0), exploration.planned.get(kind, 0)
        if count or planned:
            of = f" of {planned}" if exploration.cut_short else ""
            parts.append(f"{count}{of} {one if (planned if of else count) == 1 else many}")
    sent = ", ".join(parts)
    drawn = (
        f"Schemathesis generated {generated.get(POSITIVE, 0)} positive and "
        f"{generated.get(NEGATIVE_QUERY, 0)} negative-query cases"
        if generated
        else "no cases generated"
    )
    line = f"exploration {words}: {drawn}; requests made: {sent or 'none'}"
    if exploration.cut_short:
        line += f" — {redact.clean(exploration.detail, NOTE_LIMIT)}; {exploration.not_made} planned requests not made"
        if not result.options.exploration_must_finish:
            line += " (reported, not a failure: --exploration-must-finish makes it exit 3)"
    return line
