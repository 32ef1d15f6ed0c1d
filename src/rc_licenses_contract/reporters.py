"""Reporters render results; they never decide anything. Picked by name, like check-jsonschema's.

Each reporter is streamed: `record()` for every kept result in input order, then `finish()`.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from typing import IO, Any, ClassVar
from xml.sax.saxutils import escape, quoteattr

import orjson

from . import __version__
from .color import use_color as use_color  # re-exported for the commands
from .records import INVALID, UNREADABLE, RecordResult, Summary
from .validation import Finding

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def pointer_text(pointer: str) -> str:
    return pointer if pointer else "(root)"


class Reporter(ABC):
    name: ClassVar[str]

    def __init__(self, stream: IO[str], *, verbosity: int = 0, color: bool = False, meta: dict[str, Any]) -> None:
        self.stream = stream
        self.verbosity = verbosity
        self.color = color
        self.meta = meta

    @property
    def keeps_valid(self) -> bool:
        """Whether this reporter needs a result for every valid record, not only a count."""
        return False

    @abstractmethod
    def record(self, result: RecordResult) -> None: ...

    @abstractmethod
    def finish(self, summary: Summary) -> None: ...


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
        return f"{result.location}::{pointer_text(finding.pointer)}: {finding.message}{keyword}"

    def record(self, result: RecordResult) -> None:
        write = self.stream.write
        if result.state == UNREADABLE:
            write(f"{self._paint('unreadable', '31;1')}: {result.location}: {result.problem}\n")
        for finding in result.errors:
            write(f"{self._paint('error', '31;1')}: {self._finding(result, finding)}\n")
        if self.verbosity >= 0:
            for finding in result.warnings:
                write(f"{self._paint('warning', '33')}: {self._finding(result, finding)}\n")
        if self.verbosity > 0 and result.state not in (INVALID, UNREADABLE):
            write(f"{self._paint('ok', '32')}: {result.location}\n")

    def finish(self, summary: Summary) -> None:
        if self.verbosity < 0:
            return
        verdict = self._paint("passed", "32;1") if summary.passed else self._paint("failed", "31;1")
        if summary.records == 0:
            verdict = self._paint("failed: no records read", "31;1")
        self.stream.write(
            f"{verdict}: {summary.records} records, {summary.valid} valid, {summary.invalid} invalid, "
            f"{summary.unreadable} unreadable, {summary.skipped} skipped, {summary.warnings} warnings "
            f"({summary.elapsed:.2f} s)\n"
        )


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
        self.stream.write(orjson.dumps(head).decode()[:-1] + ',"records":[')
        self.first = True

    def record(self, result: RecordResult) -> None:
        self.stream.write(("" if self.first else ",") + orjson.dumps(result.to_dict()).decode())
        self.first = False

    def finish(self, summary: Summary) -> None:
        self.stream.write('],"summary":' + orjson.dumps(summary.to_dict()).decode() + "}\n")


def _xml_text(text: str) -> str:
    return escape(_XML_ILLEGAL.sub("\ufffd", text))


def _xml_attr(text: str) -> str:
    return quoteattr(_XML_ILLEGAL.sub("\ufffd", text))


class JUnitReporter(Reporter):
    """JUnit XML: one test case per record; invalid ones fail, unreadable ones are errors.

    Test cases are spooled to a temporary file because the counts go in the opening tag.
    """

    name = "junit"

    @property
    def keeps_valid(self) -> bool:
        return True

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        super().__init__(stream, **kwargs)
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in finish()

    def record(self, result: RecordResult) -> None:
        name = _xml_attr(result.location)
        classname = _xml_attr(result.source)
        parts = [f"<testcase classname={classname} name={name}>"]
        lines = [f"{pointer_text(f.pointer)}: {f.message} [{f.keyword}]" for f in result.errors]
        if result.state == UNREADABLE:
            parts.append(f'<error message={_xml_attr(result.problem or "")} type="unreadable"/>')
        elif result.state == INVALID:
            first = lines[0] if lines else "invalid"
            parts.append(
                f'<failure message={_xml_attr(first)} type="contract">{_xml_text(chr(10).join(lines))}</failure>'
            )
        if result.warnings:
            warnings = "\n".join(f"warning: {pointer_text(f.pointer)}: {f.message}" for f in result.warnings)
            parts.append(f"<system-out>{_xml_text(warnings)}</system-out>")
        parts.append("</testcase>\n")
        self.spool.write("".join(parts))

    def finish(self, summary: Summary) -> None:
        write = self.stream.write
        write('<?xml version="1.0" encoding="UTF-8"?>\n')
        counts = (
            f'tests="{summary.records}" failures="{summary.invalid}" errors="{summary.unreadable}" '
            f'skipped="0" time="{summary.elapsed:.3f}"'
        )
        write(f'<testsuites name="rc-licenses-contract" {counts}>\n')
        write(f'<testsuite name="rc-licenses-contract validate" {counts}>\n')
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        write("</testsuite>\n</testsuites>\n")


REPORTERS: dict[str, type[Reporter]] = {r.name: r for r in (TextReporter, JsonReporter, JUnitReporter)}
from .github_reporter import GitHubReporter  # noqa: E402 - it builds on Reporter above

REPORTERS[GitHubReporter.name] = GitHubReporter


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
