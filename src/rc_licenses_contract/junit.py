"""The one JUnit XML writer, on the standard library, used by `validate` and `gate` alike.

Every text and attribute value is made inert on its way in: control characters written as visible escapes
(`escape_control`), then any character XML 1.0 cannot carry replaced, then XML-escaped. So a report always
parses, whatever a file or a server sent. Callers mask secrets before text reaches here (the redactor runs
first); the gate passes the finished document through its redactor once more.

Test cases are spooled (to memory, or a temporary file for large runs) because the counts go in the
opening tag and are known only at the end; `finish` then streams the document out.
"""

from __future__ import annotations

import io
import re
import shutil
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from .textsafety import escape_control

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """Element text: controls escaped line by line (the line breaks stay), XML-illegal characters replaced."""
    safe = "\n".join(escape_control(line) for line in value.split("\n"))
    return escape(_XML_ILLEGAL.sub("\ufffd", safe))


def attr(value: str) -> str:
    """A quoted attribute value, line breaks included, made inert."""
    return quoteattr(_XML_ILLEGAL.sub("\ufffd", escape_control(value)))


def attributes(values: dict[str, str]) -> str:
    return "".join(f" {name}={attr(value)}" for name, value in values.items())


def failure(message: str, kind: str, body: str) -> str:
    return f"<failure message={attr(message)} type={attr(kind)}>{text(body)}</failure>"


def error(message: str, kind: str) -> str:
    return f"<error message={attr(message)} type={attr(kind)}/>"


def skipped(message: str) -> str:
    return f"<skipped message={attr(message)}/>"


def output(body: str) -> str:
    return f"<system-out>{text(body)}</system-out>"


class JUnitWriter:
    """`case()` for each test case as it comes, then `finish()` writes the whole document to a stream."""

    def __init__(self, spool: IO[str] | None = None, indent: str = "") -> None:
        self.spool: IO[str] = spool if spool is not None else io.StringIO()
        self.indent = indent
        self.cases = 0

    def case(self, classname: str, name: str, *parts: str, **extra: str) -> None:
        """One <testcase>; `parts` are elements made by `failure`, `error`, `skipped` and `output`."""
        head = attributes({"classname": classname, "name": name, **extra})
        self.spool.write(f"{self.indent}<testcase{head}>{''.join(parts)}</testcase>\n")
        self.cases += 1

    def finish(
        self,
        stream: IO[str],
        suite: dict[str, str],
        suites: dict[str, str] | None = None,
        suite_output: str | None = None,
    ) -> None:
        """The document: <testsuites> (with `suites` attributes), one <testsuite>, the spooled cases."""
        stream.write(XML_DECLARATION)
        stream.write(f"<testsuites{attributes(suites or {})}>\n")
        stream.write(f"<testsuite{attributes(suite)}>\n")
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, stream)
        self.spool.close()
        if suite_output:
            stream.write(output(suite_output) + "\n")
        stream.write("</testsuite>\n</testsuites>\n")
