"""Rendering a GateResult: the text report, JSON, JUnit XML, and GitHub Actions annotations and summary.

Every value that came from the server or the user passes `Redactor.clean` on its way in (secrets masked,
control characters escaped, then cut to a readable length), and every finished report passes the
redactor once more, so no report carries a secret or a raw escape sequence whatever the server sent.
"""

from __future__ import annotations

import shlex
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

from .. import __version__
from .checks import PRIVILEGED, UNPRIVILEGED, Exchange
from .result import (
    AUTH_PROBES,
    BUDGET,
    FAILED,
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
from .secrets import Redactor, display_url

# Readable lengths for quoted server text, applied after masking.
VALUE_LIMIT, MESSAGE_LIMIT, NOTE_LIMIT, VERSION_LIMIT = 200, 300, 300, 40
CALLER_ENV = {
    PRIVILEGED: ("$ROCKETCHAT_AUTH_TOKEN", "$ROCKETCHAT_USER_ID"),
    UNPRIVILEGED: ("$ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN", "$ROCKETCHAT_UNPRIVILEGED_USER_ID"),
    "wrong-token": (WRONG_TOKEN, "$ROCKETCHAT_USER_ID"),
}
MOCK_PORT = "${RC_MOCK_PORT:-3000}"
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


def _mark(state: str) -> str:
    return STATE_MARK.get(state, state)


def _plural(count: int, word: str, many: str | None = None) -> str:
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
    value), or, for `gate --mock`, the command that starts the same mock and its public demo callers."""
    options = result.options
    query = f"?{exchange.query}" if exchange.query else ""
    parts = ["curl", "-sS", "-i"]
    if options.insecure:
        parts.append("-k")
    headers = _caller_headers(result, exchange.caller)
    if headers is not None:
        token, user = headers
        parts += ["-H", f'"X-Auth-Token: {token}"', "-H", f'"X-User-Id: {user}"']
    if options.mock is None:
        return " ".join([*parts, shlex.quote(display_url(options.base_url).rstrip("/") + exchange.path + query)])
    # The same mock on a port of your choice (RC_MOCK_PORT, default 3000); curl retries until it listens.
    url = f"http://127.0.0.1:{MOCK_PORT}{exchange.path}{query}"
    start = f"{options.mock.command} --port {MOCK_PORT} >/dev/null 2>&1 &"
    curl = " ".join([*parts[:3], "--retry", "30", "--retry-connrefused", "--retry-delay", "1", *parts[3:]])
    return f'{start} {curl} "{_double_quoted(url)}"; kill $!'


def _double_quoted(text: str) -> str:
    """Inside "...": keep ${RC_MOCK_PORT:-3000} live, make everything else literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    return escaped.replace("$", "\\$").replace("\\" + MOCK_PORT, MOCK_PORT)


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
        verdict = f"FAILED: {_plural(len(errors), 'defect')} (seen {_plural(seen, 'time')})"
    elif code == 3:
        verdict = f"INCOMPLETE: {redact.clean(result.incomplete_reason, NOTE_LIMIT)}"
    else:
        verdict = "PASSED: the contract holds"
        if result.exploration.cut_short:
            verdict += " (exploration cut short, see above)"
    return f"{verdict}; {_plural(len(warnings), 'warning')} (exit {code})"


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


def text_report(result: GateResult, redact: Redactor, verbose: bool = False) -> str:
    options = result.options
    out: list[str] = []
    incomplete = result.incomplete_reason if result.exit_code == 3 else None
    if incomplete:
        out += [f"INCOMPLETE: {redact.clean(incomplete, NOTE_LIMIT)}", ""]
    target = display_url(options.base_url) + (f" ({options.target_note})" if options.target_note else "")
    out.append(f"rc-licenses-contract gate {__version__}: {redact.clean(target)}")
    version = (
        f"server version {redact.clean(result.server_version, VERSION_LIMIT)} ({result.version_source})"
        if result.server_version
        else "server version unknown"
    )
    out.append(f"{version}; profile {result.profile}; strict {'on' if options.strict else 'off'}; seed {options.seed}")
    waited = f"; waited {result.waited:.1f} s for the workspace to answer" if result.waited else ""
    out.append(
        f"requests: {result.requests_sent} of budget {options.max_requests} sent, {result.replayed} answered "
        f"from the run's replay cache; {result.elapsed:.1f} s{waited}"
    )
    out.append(exploration_line(result, redact))
    out.append(LEGEND)
    out.append("")
    out.append("interactions (contracts/interactions.json)")
    if not result.interactions:
        out.append("  none sent: the run stopped first")
    for item in result.interactions:
        status = str(item.status) if item.status is not None else "-"
        note = f"  [{redact.clean(item.note, NOTE_LIMIT)}]" if item.note else ""
        out.append(f"  {_mark(item.state):<4} {item.id:<24} {status:>3}  {item.title}{note}")
    out.append("")
    out.append("checks")
    if not result.checked_anything and result.stop_reason:
        out.append(f"  none could run ({_plural(len(result.checks), 'check')}): the run stopped first")
    for check in result.checks if result.checked_anything or not result.stop_reason else []:
        examined = _plural(check.examined, "answer") if check.examined else ""
        extra = f"  ({_plural(check.findings, 'defect')})" if check.findings else ""
        note = f"  [{redact.clean(check.note, NOTE_LIMIT)}]" if check.note else ""
        out.append(f"  {_mark(check.state):<4} {check.id:<42} {examined:>11}  {check.title}{extra}{note}")
    if result.findings:
        errors, warnings = len(result.errors), len(result.warnings)
        out.append("")
        out.append(f"findings ({_plural(errors, 'defect')}, {_plural(warnings, 'warning')})")
        for finding in sorted(result.findings, key=lambda f: f.severity != "error"):
            out.extend(
                "  " + line
                for line in describe_finding(finding, result, redact, None if verbose else SHOWN_OCCURRENCES)
            )
    if result.not_checked:
        out.append("")
        out.append("not checked")
        out.extend(f"  {redact.clean(item, NOTE_LIMIT)}" for item in result.not_checked)
    out.append("")
    out.append(verdict_line(result, redact))
    return redact.lines("\n".join(out)) + "\n"


def _exchange_dict(exchange: Exchange, result: GateResult, redact: Redactor) -> dict[str, Any]:
    return {
        "method": exchange.method,
        "path": exchange.path,
        "query": redact.clean(exchange.query, MESSAGE_LIMIT),
        "caller": exchange.caller,
        "label": exchange.label,
        "kind": exchange.kind,
        "status": exchange.status,
        "expectedStatus": exchange.expected_status,
        "reproduce": redact.clean(reproduce_line(result, exchange)) if exchange.caller != "unknown" else None,
    }


def _finding_dict(finding: Finding, result: GateResult, redact: Redactor) -> dict[str, Any]:
    return {
        "check": finding.check,
        "severity": finding.severity,
        "message": redact.clean(finding.message, MESSAGE_LIMIT),
        "pointer": None if finding.pointer is None else redact.clean(finding.pointer, VALUE_LIMIT),
        "keyword": None if finding.keyword is None else redact.clean(finding.keyword, VALUE_LIMIT),
        "value": None if finding.value is None else redact.clean(finding.value, VALUE_LIMIT),
        "alsoSeenBy": finding.also_seen_by,
        "occurrences": [_exchange_dict(e, result, redact) for e in finding.occurrences],
    }


def json_report(result: GateResult, redact: Redactor) -> str:
    exploration = result.exploration
    document = {
        "tool": "rc-licenses-contract gate",
        "version": __version__,
        "target": display_url(result.options.base_url),
        "serverVersion": None if result.server_version is None else redact.clean(result.server_version, VERSION_LIMIT),
        "versionSource": result.version_source,
        "profile": result.profile,
        "strict": result.options.strict,
        "seed": result.options.seed,
        "requests": {
            "sent": result.requests_sent,
            "budget": result.options.max_requests,
            "replayed": result.replayed,
            "waitedSeconds": round(result.waited, 3),
        },
        "exploration": {
            "stopped": exploration.stopped,
            "detail": redact.clean(exploration.detail, NOTE_LIMIT),
            "generated": exploration.generated,
            "planned": exploration.planned,
            "sent": exploration.sent,
            "replayed": exploration.replayed,
        },
        "interactions": [{**vars(item), "note": redact.clean(item.note, NOTE_LIMIT)} for item in result.interactions],
        "checks": [{**vars(check), "note": redact.clean(check.note, NOTE_LIMIT)} for check in result.checks],
        "findings": [_finding_dict(f, result, redact) for f in result.findings],
        "defects": len(result.errors),
        "warnings": len(result.warnings),
        "notChecked": [redact.clean(item, NOTE_LIMIT) for item in result.not_checked],
        "stopReason": None if result.stop_reason is None else redact.clean(result.stop_reason, NOTE_LIMIT),
        "incompleteReason": None
        if result.incomplete_reason is None
        else redact.clean(result.incomplete_reason, NOTE_LIMIT),
        "exitCode": result.exit_code,
        "elapsedSeconds": round(result.elapsed, 3),
    }
    # Every remaining string (notes, titles, keys) cleaned too, then the whole text masked once more.
    document = redact.deep(document)
    return redact(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")


def junit_report(result: GateResult, redact: Redactor) -> str:
    cases = []
    for check in result.checks:
        name = quoteattr(redact.clean(check.id))
        title = quoteattr(redact.clean(check.title))
        mine = result.findings_of(check.id)
        body = ""
        if check.state == FAILED:
            text = "\n\n".join("\n".join(describe_finding(f, result, redact, None)) for f in mine)
            first = redact.clean(next(f.message for f in mine if f.severity == "error"), MESSAGE_LIMIT)
            body = f'<failure message={quoteattr(first)} type="{check.id}">{escape(text)}</failure>'
        elif check.state in (SKIPPED, NOT_CHECKED, NOT_APPLICABLE):
            reason = redact.clean(f"{check.state}: {check.note}" if check.note else check.state, NOTE_LIMIT)
            body = f"<skipped message={quoteattr(reason)}/>"
        elif check.examined:
            passed = f"passed on {_plural(check.examined, 'answer')}"
            body = f"<system-out>{escape(passed)}</system-out>"
        if any(f.severity == "warning" for f in mine):
            warnings = "\n".join(
                "\n".join(describe_finding(f, result, redact, None)) for f in mine if f.severity == "warning"
            )
            body += f"<system-out>{escape(warnings)}</system-out>"
        cases.append(f'  <testcase classname="rc-licenses-contract.gate" name={name} title={title}>{body}</testcase>')
    for item in (redact.clean(raw, NOTE_LIMIT) for raw in result.not_checked):
        cases.append(
            f'  <testcase classname="rc-licenses-contract.gate" name={quoteattr("not checked: " + item)}>'
            f'<error message={quoteattr(item)} type="incomplete"/></testcase>'
        )
    failures = sum(1 for c in result.checks if c.state == FAILED)
    skipped = sum(1 for c in result.checks if c.state in (SKIPPED, NOT_CHECKED, NOT_APPLICABLE))
    head = (
        f'<testsuite name="rc-licenses-contract gate" tests="{len(cases)}" failures="{failures}" '
        f'errors="{len(result.not_checked)}" skipped="{skipped}" time="{result.elapsed:.3f}">'
    )
    xml = "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>", head, *cases, "</testsuite>", "</testsuites>", ""]
    )
    return redact(xml)


# --- GitHub Actions ---------------------------------------------------------------------------------


def github_annotations(result: GateResult, redact: Redactor) -> str:
    """`::error`/`::warning` workflow commands: the incomplete reason, each defect, each warning."""
    from ..github import command

    lines = []
    reason = result.incomplete_reason if result.exit_code == 3 else None
    if reason:
        text = f"gate incomplete: {redact.clean(reason, NOTE_LIMIT)}"
        lines.append(command("error", text, title="licenses.info contract gate"))
    for finding in result.findings:
        kind = "error" if finding.severity == "error" else "warning"
        text = "\n".join(describe_finding(finding, result, redact))
        lines.append(command(kind, text, title=f"licenses.info contract: {finding.check}"))
    if result.exploration.cut_short:
        lines.append(command("warning", exploration_line(result, redact), title="licenses.info contract gate"))
    return redact("".join(line + "\n" for line in lines))


def github_summary(result: GateResult, redact: Redactor, top: int = 10) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the verdict, the table of checks, the top findings."""
    from ..github import cell

    out = [f"## licenses.info contract gate: {cell(verdict_line(result, redact))}", ""]
    target = display_url(result.options.base_url)
    out.append(cell(redact.clean(f"{target} · profile {result.profile} · {exploration_line(result, redact)}")))
    out += ["", "| | check | answers | defects | note |", "| --- | --- | ---: | ---: | --- |"]
    for check in result.checks:
        out.append(
            f"| {_mark(check.state)} | `{check.id}` | {check.examined or ''} | {check.findings or ''} "
            f"| {cell(redact.clean(check.note, NOTE_LIMIT))} |"
        )
    shown = sorted(result.findings, key=lambda f: (f.severity != "error", -len(f.occurrences)))[:top]
    if shown:
        out += ["", "### Findings", ""]
        for finding in shown:
            first = finding.exchange
            where = (
                f" at `{cell(redact.clean(finding.pointer, VALUE_LIMIT) or '(root)')}`"
                if finding.pointer is not None
                else ""
            )
            seen = f" — seen on {_plural(len(finding.occurrences), 'request')}" if first else ""
            out.append(f"- **{finding.check}**{where}: {cell(redact.clean(finding.message, MESSAGE_LIMIT))}{seen}")
        if len(result.findings) > top:
            out.append(f"- … and {len(result.findings) - top} more in the JSON report")
    return redact("\n".join(out) + "\n")
