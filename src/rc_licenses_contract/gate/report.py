"""The gate's reporters, by name like `validate`'s (`rc_licenses_contract.reporters`): text here, JSON,
JUnit and GitHub in `gate.formats`, the shared words in `gate.describe`. Each renders a GateResult with a
Redactor to a string; the registry `GATE_REPORTERS` has the same names as `validate`'s `REPORTERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import __version__
from .describe import (
    CALLER_ENV,
    LEGEND,
    MESSAGE_LIMIT,
    NOTE_LIMIT,
    SHOWN_OCCURRENCES,
    VALUE_LIMIT,
    VERSION_LIMIT,
    describe_finding,
    exploration_line,
    mark,
    plural,
    reproduce_line,
    verdict_line,
)
from .formats import github_annotations, github_summary, json_report, junit_report
from .result import GateResult
from .secrets import Redactor, display_url

__all__ = [  # the names callers import from here, wherever they live
    "CALLER_ENV",
    "GATE_REPORTERS",
    "MESSAGE_LIMIT",
    "NOTE_LIMIT",
    "VALUE_LIMIT",
    "describe_finding",
    "github_annotations",
    "github_summary",
    "json_report",
    "junit_report",
    "reproduce_line",
    "text_report",
]


def text_report(result: GateResult, redact: Redactor) -> str:
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
        out.append(f"  {mark(item.state):<4} {item.id:<24} {status:>3}  {item.title}{note}")
    out.append("")
    out.append("checks")
    if not result.checked_anything and result.stop_reason:
        out.append(f"  none could run ({plural(len(result.checks), 'check')}): the run stopped first")
    for check in result.checks if result.checked_anything or not result.stop_reason else []:
        examined = plural(check.examined, "answer") if check.examined else ""
        extra = f"  ({plural(check.findings, 'defect')})" if check.findings else ""
        note = f"  [{redact.clean(check.note, NOTE_LIMIT)}]" if check.note else ""
        out.append(f"  {mark(check.state):<4} {check.id:<42} {examined:>11}  {check.title}{extra}{note}")
    if result.findings:
        errors, warnings = len(result.errors), len(result.warnings)
        out.append("")
        out.append(f"findings ({plural(errors, 'defect')}, {plural(warnings, 'warning')})")
        for finding in sorted(result.findings, key=lambda f: f.severity != "error"):
            out.extend("  " + line for line in describe_finding(finding, result, redact, SHOWN_OCCURRENCES))
    if result.not_checked:
        out.append("")
        out.append("not checked")
        out.extend(f"  {redact.clean(item, NOTE_LIMIT)}" for item in result.not_checked)
    out.append("")
    out.append(verdict_line(result, redact))
    return redact.lines("\n".join(out)) + "\n"


GateReporter = Callable[[GateResult, Redactor], str]
GATE_REPORTERS: dict[str, GateReporter] = {
    "text": text_report,
    "json": json_report,
    "junit": junit_report,
    "github": github_annotations,  # its step summary is `github_summary`, appended to $GITHUB_STEP_SUMMARY
}
