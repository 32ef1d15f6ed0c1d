"""The gate's JSON, JUnit XML and GitHub Actions reporters (the text one is `gate.report`, which also holds
the registry). Each renders a finished GateResult to a string; every value passes `Redactor.clean` on its way
in and the finished report passes the redactor once more, so no report carries a secret or a raw escape
sequence whatever the server sent. The result is small and the last pass needs the whole text, so these
render whole rather than stream.
"""

from __future__ import annotations

import io
from typing import Any

import orjson

from .. import __version__
from ..github import TITLE
from .checks import Exchange
from .describe import (
    MESSAGE_LIMIT,
    NOTE_LIMIT,
    VALUE_LIMIT,
    VERSION_LIMIT,
    describe_finding,
    exploration_line,
    mark,
    plural,
    reproduce_line,
    verdict_line,
)
from .result import FAILED, NOT_APPLICABLE, NOT_CHECKED, SKIPPED, CheckOutcome, Finding, GateResult
from .secrets import Redactor, display_url


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
    """A test case per check (failed, skipped or passed on N answers) and one error per part not checked."""
    from .. import junit

    writer = junit.JUnitWriter(indent="  ")
    for check in result.checks:
        writer.case(
            "rc-licenses-contract.gate",
            redact.clean(check.id),
            *_check_outcome(check, result, redact),
            title=redact.clean(check.title),
        )
    for item in (redact.clean(raw, NOTE_LIMIT) for raw in result.not_checked):
        writer.case("rc-licenses-contract.gate", "not checked: " + item, junit.error(item, "incomplete"))
    suite = {
        "name": "rc-licenses-contract gate",
        "tests": str(writer.cases),
        "failures": str(sum(1 for c in result.checks if c.state == FAILED)),
        "errors": str(len(result.not_checked)),
        "skipped": str(sum(1 for c in result.checks if c.state in (SKIPPED, NOT_CHECKED, NOT_APPLICABLE))),
        "time": f"{result.elapsed:.3f}",
    }
    document = io.StringIO()
    writer.finish(document, suite)
    return redact(document.getvalue())


def _check_outcome(check: CheckOutcome, result: GateResult, redact: Redactor) -> list[str]:
    """The elements inside a check's test case: its failure, why it was skipped, or what it passed on;
    then its warnings."""
    from .. import junit

    mine = result.findings_of(check.id)
    parts = []
    if check.state == FAILED:
        text = "\n\n".join("\n".join(describe_finding(f, result, redact, None)) for f in mine)
        first = redact.clean(next(f.message for f in mine if f.severity == "error"), MESSAGE_LIMIT)
        parts.append(junit.failure(first, check.id, text))
    elif check.state in (SKIPPED, NOT_CHECKED, NOT_APPLICABLE):
        parts.append(
            junit.skipped(redact.clean(f"{check.state}: {check.note}" if check.note else check.state, NOTE_LIMIT))
        )
    elif check.examined:
        parts.append(junit.output(f"passed on {plural(check.examined, 'answer')}"))
    warnings = [f for f in mine if f.severity == "warning"]
    if warnings:
        parts.append(junit.output("\n".join("\n".join(describe_finding(f, result, redact, None)) for f in warnings)))
    return parts


# --- GitHub Actions ---------------------------------------------------------------------------------


def github_annotations(result: GateResult, redact: Redactor) -> str:
    """`::error`/`::warning` workflow commands: the incomplete reason, each defect, each warning."""
    from ..github import command

    lines = []
    reason = result.incomplete_reason if result.exit_code == 3 else None
    if reason:
        text = f"gate incomplete: {redact.clean(reason, NOTE_LIMIT)}"
        lines.append(command("error", text, title=f"{TITLE} gate"))
    for finding in result.findings:
        kind = "error" if finding.severity == "error" else "warning"
        text = "\n".join(describe_finding(finding, result, redact))
        lines.append(command(kind, text, title=f"{TITLE}: {finding.check}"))
    if result.exploration.cut_short:
        lines.append(command("warning", exploration_line(result, redact), title=f"{TITLE} gate"))
    return redact("".join(line + "\n" for line in lines))


def github_summary(result: GateResult, redact: Redactor, top: int = 10) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the verdict, the table of checks, the top findings."""
    from ..github import cell

    out = [f"## {TITLE} gate: {cell(verdict_line(result, redact))}", ""]
    target = display_url(result.options.base_url)
    out.append(cell(redact.clean(f"{target} · profile {result.profile} · {exploration_line(result, redact)}")))
    out += ["", "| | check | answers | defects | note |", "| --- | --- | ---: | ---: | --- |"]
    for check in result.checks:
        out.append(
            f"| {mark(check.state)} | `{check.id}` | {check.examined or ''} | {check.findings or ''} "
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
            seen = f" — seen on {plural(len(finding.occurrences), 'request')}" if first else ""
            out.append(f"- **{finding.check}**{where}: {cell(redact.clean(finding.message, MESSAGE_LIMIT))}{seen}")
        if len(result.findings) > top:
            out.append(f"- … and {len(result.findings) - top} more in the JSON report")
    return redact("\n".join(out) + "\n")
