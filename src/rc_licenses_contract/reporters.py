"""Reporters render results; they never decide anything. Picked by name, like check-jsonschema's.

Each reporter is streamed: `record()` for every kept result in input order, then `finish()`.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import IO, Any, ClassVar

import orjson

from . import __version__
from .color import use_color as use_color  # re-exported for the commands
from .records import INVALID, UNREADABLE, RecordResult, Summary
from .textsafety import escape_control
from .validation import Finding


def _unchanged(text: str) -> str:
    return text


def pointer_text(pointer: str) -> str:
    return pointer if pointer else "(root)"


class Reporter(ABC):
    name: ClassVar[str]

    def __init__(
        self,
        stream: IO[str],
        *,
        verbosity: int = 0,
        color: bool = False,
        meta: dict[str, Any],
        max_findings: int = 0,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.stream = stream
        self.redact = redact or _unchanged  # for text written elsewhere than `stream` (the step summary)
        self.verbosity = verbosity
        self.color = color
        self.meta = meta
        self.max_findings = max_findings  # per-record findings listed in all; 0: no cap. Summaries are complete.
        self.findings_listed = 0
        self.findings_not_listed = 0

    def _room_for(self, result: RecordResult) -> bool:
        """Whether a record with findings is listed in full under --max-findings (counted either way)."""
        count = len(result.errors) + len(result.warnings) + (result.state == UNREADABLE)
        if self.max_findings and count and self.findings_listed + count > self.max_findings:
            self.findings_not_listed += count
            return False
        self.findings_listed += count
        return True

    @property
    def keeps_valid(self) -> bool:
        """Whether this reporter needs a result for every valid record, not only a count."""
        return False

    @abstractmethod
    def record(self, result: RecordResult) -> None: ...

    @abstractmethod
    def note(self, message: str) -> None:
        """Something about the inputs worth knowing that is not a record (a link followed, a loop)."""

    @abstractmethod
    def finish(self, summary: Summary) -> None: ...

    def discard(self) -> None:
        """The run failed before `finish`: let go of anything held for the report (nothing, by default)."""
        return None


class TextReporter(Reporter):
    """`source[:line]::/json/pointer: message [keyword]`, one line per problem."""

    name = "text"

    @property
    def keeps_valid(self) -> bool:
        return self.verbosity > 0

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def _finding(self, result: RecordResult, finding: Finding) -> str:
        keyword = f" [{finding.keyword}]" if finding.keyword else ""
        text = f"{result.location}::{pointer_text(finding.pointer)}: {finding.message}{keyword}"
        return escape_control(text)  # file names, keys and values are the input's: never raw on a terminal

    def note(self, message: str) -> None:
        if self.verbosity >= 0:
            self.stream.write(f"{self._paint('note', '36')}: {escape_control(message)}\n")

    def record(self, result: RecordResult) -> None:
        if not self._room_for(result):
            return
        write = self.stream.write
        if result.state == UNREADABLE:
            write(f"{self._paint('unreadable', '31;1')}: {escape_control(f'{result.location}: {result.problem}')}\n")
        for finding in result.errors:
            write(f"{self._paint('error', '31;1')}: {self._finding(result, finding)}\n")
        if self.verbosity >= 0:
            for finding in result.warnings:
                write(f"{self._paint('warning', '33')}: {self._finding(result, finding)}\n")
        if self.verbosity > 0 and result.state not in (INVALID, UNREADABLE):
            write(f"{self._paint('ok', '32')}: {escape_control(result.location)}\n")

    def finish(self, summary: Summary) -> None:
        if self.verbosity < 0:
            return
        if self.findings_not_listed:
            self.stream.write(
                f"… {self.findings_not_listed} more findings not listed (--max-findings {self.max_findings}); "
                "the tables and counts below include them\n"
            )
        self._tables(summary)
        verdict = self._paint("passed", "32;1") if summary.passed else self._paint("failed", "31;1")
        if summary.records == 0:
            verdict = self._paint("failed: no records read", "31;1")
        self.stream.write(
            f"{verdict}: {summary.records} records, {summary.valid} valid, {summary.invalid} invalid, "
            f"{summary.unreadable} unreadable, {summary.skipped} skipped, {summary.warnings} warnings "
            f"({summary.elapsed:.2f} s)\n"
        )

    def _tables(self, summary: Summary) -> None:
        tables = summary.tables
        write = self.stream.write
        for key, title in (("violations", "distinct violations"), ("drift", "undocumented properties (drift)")):
            rows = tables.get(key) or []
            if not rows:
                continue
            write(f"{title}: {len(rows)}, by records affected\n")
            for row in rows:
                share = f"{row['share']:.1%}"
                where = f"{row['pointer'] or '(root)'} [{row['keyword']}]"
                line = f"  {row['records']} records ({share}), {row['occurrences']} times: {where}: {row['example']}"
                write(escape_control(line) + "\n")
                if row["schemaLocation"]:
                    write(escape_control(f"      schema: {row['schemaLocation']}") + "\n")
                write(escape_control(f"      first: {', '.join(row['firstSources'])}") + "\n")
        if tables.get("rowsNotKept"):
            write(f"  ({tables['rowsNotKept']} findings beyond the first distinct rows are counted, not grouped)\n")


class JsonReporter(Reporter):
    """One JSON document: {"tool", "version", "options", "records": [...], "summary": {...}}.

    Streamed: records are written as they come, so memory stays flat for any input size.
    """

    name = "json"

    @property
    def keeps_valid(self) -> bool:
        return True

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        super().__init__(stream, **kwargs)
        head = {"tool": "rc-licenses-contract validate", "version": __version__, "options": self.meta}
        self.stream.write(_json(head)[:-1] + ',"records":[')
        self.first = True
        self.notes: list[str] = []
        self.records_not_listed = 0

    def note(self, message: str) -> None:
        self.notes.append(message)

    def record(self, result: RecordResult) -> None:
        if not self._room_for(result) or (self.findings_not_listed and self.max_findings):
            self.records_not_listed += 1
            return
        self.stream.write(("" if self.first else ",") + _json(result.to_dict()))
        self.first = False

    def finish(self, summary: Summary) -> None:
        tables = summary.tables
        self.stream.write(
            '],"recordsNotListed":'
            + str(self.records_not_listed)
            + ',"notes":'
            + _json(self.notes)
            + ',"violations":'
            + _json(tables.get("violations", []))
            + ',"drift":'
            + _json(tables.get("drift", []))
            + ',"summary":'
            + _json(summary.to_dict())
            + "}\n"
        )


def _json(value: Any) -> str:
    """orjson, which refuses strings that are not Unicode (a non-UTF-8 file name decodes to lone surrogates):
    those are written with the surrogates escaped as text, so the report stays well-formed."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return orjson.dumps(_unicode_only(value)).decode()


def _unicode_only(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATES.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    if isinstance(value, dict):
        return {_unicode_only(k): _unicode_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unicode_only(item) for item in value]
    return value


_SURROGATES = re.compile("[\ud800-\udfff]")


class JUnitReporter(Reporter):
    """JUnit XML (the shared writer in `junit`): one test case per record; invalid ones fail, unreadable ones
    are errors. Test cases are spooled to a temporary file because the counts go in the opening tag."""

    name = "junit"

    @property
    def keeps_valid(self) -> bool:
        return True

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        from .junit import JUnitWriter  # here: XML escaping imports urllib.request, which text reports never need

        super().__init__(stream, **kwargs)
        spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by the writer's finish()
        self.writer = JUnitWriter(spool)
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)

    def record(self, result: RecordResult) -> None:
        from . import junit

        parts = []
        lines = [f"{pointer_text(f.pointer)}: {f.message} [{f.keyword}]" for f in result.errors]
        if result.state == UNREADABLE:
            parts.append(junit.error(result.problem or "", "unreadable"))
        elif result.state == INVALID:
            parts.append(junit.failure(lines[0] if lines else "invalid", "contract", "\n".join(lines)))
        if result.warnings:
            parts.append(
                junit.output("\n".join(f"warning: {pointer_text(f.pointer)}: {f.message}" for f in result.warnings))
            )
        self.writer.case(result.source, result.location, *parts)

    def discard(self) -> None:
        self.writer.spool.close()

    def finish(self, summary: Summary) -> None:
        counts = {
            "tests": str(summary.records),
            "failures": str(summary.invalid),
            "errors": str(summary.unreadable),
            "skipped": "0",
            "time": f"{summary.elapsed:.3f}",
        }
        self.writer.finish(
            self.stream,
            suite={"name": "rc-licenses-contract validate", **counts},
            suites={"name": "rc-licenses-contract", **counts},
            suite_output="\n".join(self.notes),
        )


REPORTERS: dict[str, type[Reporter]] = {r.name: r for r in (TextReporter, JsonReporter, JUnitReporter)}


class Progress:
    """A one-line progress bar on a terminal's stderr; silent in pipes and CI."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    @staticmethod
    def wanted(quiet: bool) -> bool:
        return not quiet and sys.stderr.isatty() and not os.environ.get("CI")

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or total <= 0 or now - self.last < 0.2:
            return
        self.last = now
        share = min(done / total, 1.0)
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r[{bar:<30}] {share:4.0%} {done / 1e6:,.0f} of {total / 1e6:,.0f} MB")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def _cell(text: str) -> str:
    """A Markdown table cell: what the input said, made inert (no HTML, links, images or column breaks)."""
    from .github import cell

    return cell(text)


def summary_tables_markdown(summary: Summary) -> list[str]:
    """The violation and drift tables as GitHub-flavoured Markdown lines (for $GITHUB_STEP_SUMMARY)."""
    lines: list[str] = []
    for key, heading in (("violations", "Distinct violations"), ("drift", "Undocumented properties (drift)")):
        rows = summary.tables.get(key) or []
        if not rows:
            continue
        lines += ["", f"#### {heading}", "", "| records | share | place | keyword | example | first sources |"]
        lines.append("| ---: | ---: | --- | --- | --- | --- |")
        for row in rows:
            cells = [
                str(row["records"]),
                f"{row['share']:.1%}",
                _cell(row["pointer"] or "(root)"),
                _cell(row["keyword"]),
                _cell(row["example"]),
                _cell(", ".join(row["firstSources"])),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


from .github_reporter import GitHubReporter  # noqa: E402 - it builds on everything above

REPORTERS[GitHubReporter.name] = GitHubReporter
