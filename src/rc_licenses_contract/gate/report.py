"""Rendering a GateResult: a human summary, JUnit XML and JSON.

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
from .checks import Exchange, Failure
from .run import GateResult
from .secrets import MASK, Redactor, display_url

# Readable lengths for quoted server text, applied after masking.
VALUE_LIMIT, MESSAGE_LIMIT, NOTE_LIMIT, VERSION_LIMIT = 200, 300, 300, 40

CALLER_ENV = {
    "privileged": ("$ROCKETCHAT_AUTH_TOKEN", "$ROCKETCHAT_USER_ID"),
    "unprivileged": ("$ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN", "$ROCKETCHAT_UNPRIVILEGED_USER_ID"),
    "wrong-token": (MASK, "$ROCKETCHAT_USER_ID"),
}
STATE_MARK = {
    "passed": "PASS",
    "failed": "FAIL",
    "warned": "WARN",
    "skipped": "SKIP",
    "not checked": "MISS",
    "ok": "ok",
}


def curl_line(result: GateResult, exchange: Exchange) -> str:
    """A command that repeats the request; credentials come from the environment, never from here."""
    base = display_url(result.options.base_url).rstrip("/")
    url = f"{base}{exchange.path}{'?' + exchange.query if exchange.query else ''}"
    parts = ["curl", "-sS", "-i"]
    if result.options.insecure:
        parts.append("-k")
    token, user = CALLER_ENV.get(exchange.caller, (None, None))
    headers = []
    if token:
        headers += ["-H", f'"X-Auth-Token: {token}"', "-H", f'"X-User-Id: {user}"']
    return " ".join(parts + headers + [shlex.quote(url)])


def _describe(failure: Failure, result: GateResult, redact: Redactor) -> list[str]:
    message = redact.clean(failure.message, MESSAGE_LIMIT)
    lines = [f"[{failure.check}] {message}" if failure.severity == "error" else f"[{failure.check}] warning: {message}"]
    exchange = failure.exchange
    if exchange is not None:
        target = redact.clean(exchange.target, MESSAGE_LIMIT)
        lines.append(f"    request: {target} as {exchange.caller} ({exchange.label}) -> {exchange.status}")
    if failure.pointer is not None:
        keyword = f" ({redact.clean(failure.keyword, VALUE_LIMIT)})" if failure.keyword else ""
        lines.append(f"    at: {redact.clean(failure.pointer, VALUE_LIMIT) or '(root)'}{keyword}")
    if failure.value is not None:
        lines.append(f"    value: {redact.clean(failure.value, VALUE_LIMIT)}")
    if exchange is not None:
        lines.append(f"    reproduce: {redact.clean(curl_line(result, exchange))}")
    return lines


def text_report(result: GateResult, redact: Redactor, verbose: bool = False) -> str:
    options = result.options
    out: list[str] = []
    target = display_url(options.base_url) + (f" ({options.target_note})" if options.target_note else "")
    out.append(f"rc-licenses-contract gate {__version__}: {redact.clean(target)}")
    version = (
        f"server version {redact.clean(result.server_version, VERSION_LIMIT)} ({result.version_source})"
        if result.server_version
        else "server version unknown"
    )
    out.append(f"{version}; profile {result.profile}; strict {'on' if options.strict else 'off'}; seed {options.seed}")
    out.append(
        f"requests: {result.requests_sent} of budget {options.max_requests} sent, {result.replayed} answered "
        f"from the run's replay cache; {result.generated_cases} Schemathesis cases; {result.elapsed:.1f} s"
    )
    out.append("")
    out.append("interactions (contracts/interactions.json)")
    for item in result.interactions:
        status = str(item.status) if item.status is not None else "-"
        note = f"  {redact.clean(item.note, NOTE_LIMIT)}" if item.note else ""
        out.append(f"  {STATE_MARK.get(item.state, item.state):<4} {item.id:<24} {status:>3}  {item.title}{note}")
    out.append("")
    out.append("checks")
    for check in result.checks:
        if check.state == "skipped" and not verbose and check.id.startswith("rate-limit"):
            continue
        extra = f"  ({check.failures} finding{'s' if check.failures != 1 else ''})" if check.failures else ""
        note = f"  [{redact.clean(check.note, NOTE_LIMIT)}]" if check.note else ""
        out.append(f"  {STATE_MARK.get(check.state, check.state):<4} {check.id:<44} {check.title}{extra}{note}")
    if result.failures:
        out.append("")
        out.append("findings")
        for failure in sorted(result.failures, key=lambda f: (f.severity != "error", f.check)):
            out.extend("  " + line for line in _describe(failure, result, redact))
    if result.not_checked:
        out.append("")
        out.append("not checked")
        out.extend(f"  {redact.clean(item, NOTE_LIMIT)}" for item in result.not_checked)
    out.append("")
    errors, warnings = len(result.errors), len(result.warnings)
    code = result.exit_code
    verdict = {
        0: "PASSED: the contract holds",
        1: f"FAILED: {errors} violation{'s' if errors != 1 else ''}",
        3: f"INCOMPLETE: {redact.clean(result.stop_reason or 'not everything could be checked', NOTE_LIMIT)}",
    }[code]
    out.append(f"{verdict}; {warnings} warning{'s' if warnings != 1 else ''} (exit {code})")
    return redact.lines("\n".join(out)) + "\n"


def _failure_dict(failure: Failure, result: GateResult, redact: Redactor) -> dict[str, Any]:
    exchange = failure.exchange
    return {
        "check": failure.check,
        "severity": failure.severity,
        "message": redact.clean(failure.message, MESSAGE_LIMIT),
        "pointer": None if failure.pointer is None else redact.clean(failure.pointer, VALUE_LIMIT),
        "keyword": None if failure.keyword is None else redact.clean(failure.keyword, VALUE_LIMIT),
        "value": None if failure.value is None else redact.clean(failure.value, VALUE_LIMIT),
        "request": None
        if exchange is None
        else {
            "method": exchange.method,
            "path": exchange.path,
            "query": exchange.query,
            "caller": exchange.caller,
            "label": exchange.label,
            "status": exchange.status,
            "curl": curl_line(result, exchange),
        },
    }


def json_report(result: GateResult, redact: Redactor) -> str:
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
            "generatedCases": result.generated_cases,
        },
        "interactions": [{**vars(item), "note": redact.clean(item.note, NOTE_LIMIT)} for item in result.interactions],
        "checks": [{**vars(check), "note": redact.clean(check.note, NOTE_LIMIT)} for check in result.checks],
        "failures": [_failure_dict(f, result, redact) for f in result.failures],
        "notChecked": [redact.clean(item, NOTE_LIMIT) for item in result.not_checked],
        "stopReason": None if result.stop_reason is None else redact.clean(result.stop_reason, NOTE_LIMIT),
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
        mine = [f for f in result.failures if f.check == check.id]
        body = ""
        if check.state == "failed":
            text = "\n\n".join("\n".join(_describe(f, result, redact)) for f in mine)
            first = redact.clean(next(f.message for f in mine if f.severity == "error"), MESSAGE_LIMIT)
            body = f'<failure message={quoteattr(first)} type="{check.id}">{escape(text)}</failure>'
        elif check.state in ("skipped", "not checked"):
            body = f"<skipped message={quoteattr(redact.clean(check.note or check.state, NOTE_LIMIT))}/>"
        if any(f.severity == "warning" for f in mine):
            warnings = "\n".join("\n".join(_describe(f, result, redact)) for f in mine if f.severity == "warning")
            body += f"<system-out>{escape(warnings)}</system-out>"
        cases.append(f'  <testcase classname="rc-licenses-contract.gate" name={name} title={title}>{body}</testcase>')
    for raw in result.not_checked:
        item = redact.clean(raw, NOTE_LIMIT)
        cases.append(
            f'  <testcase classname="rc-licenses-contract.gate" name={quoteattr("not checked: " + item)}>'
            f'<error message={quoteattr(item)} type="incomplete"/></testcase>'
        )
    failures = sum(1 for c in result.checks if c.state == "failed")
    skipped = sum(1 for c in result.checks if c.state in ("skipped", "not checked"))
    head = (
        f'<testsuite name="rc-licenses-contract gate" tests="{len(cases)}" failures="{failures}" '
        f'errors="{len(result.not_checked)}" skipped="{skipped}" time="{result.elapsed:.3f}">'
    )
    xml = "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>", head, *cases, "</testsuite>", "</testsuites>", ""]
    )
    return redact(xml)
