"""GitHub Actions output: workflow commands (`::error`, `::warning`) and the job's step summary.

Used by `gate` and `validate` when GITHUB_ACTIONS=true or with --github. Every text is made inert
(controls escaped) and then escaped by the workflow-command rules, so a message cannot end its line or
start a command of its own. Callers redact secrets before text reaches here.
"""

from __future__ import annotations

import os
from pathlib import Path

from .textsafety import escape_control

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"
# The kit's name in annotation titles and summary headings: prose for readers, not an endpoint fact.
TITLE = "licenses.info contract"


def wanted(flag: bool) -> bool:
    """--github, or running inside GitHub Actions."""
    return flag or os.environ.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A command's message: % first, then CR and LF (the runner's own escaping rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (file=, title=): as data, plus the separators : and ,."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int | None) -> str:
    """`::error file=a.json,line=3,title=...::message` (kind is error, warning or notice)."""
    fields = ",".join(
        f"{name}={escape_property(escape_control(str(value)))}"
        for name, value in properties.items()
        if value is not None and value != ""
    )
    # The message may span lines (escaped as %0A); only controls other than the line breaks are escaped.
    lines = [escape_control(line) for line in message.split("\n")]
    return f"::{kind}{' ' + fields if fields else ''}::{escape_data(chr(10).join(lines))}"


def cell(text: str) -> str:
    """Text for a Markdown table cell: inert, on one line, no HTML, no links or images, no column breaks."""
    safe = escape_control(text.replace("\r", " ").replace("\n", " "))
    escapes = (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("|", "&#124;"),
        ("`", "&#96;"),
        ("[", "&#91;"),
        ("]", "&#93;"),
    )
    for raw, entity in escapes:
        safe = safe.replace(raw, entity)
    return safe


def append_summary(markdown: str) -> str | None:
    """Append to $GITHUB_STEP_SUMMARY when set; returns a one-line problem, or None."""
    target = os.environ.get(SUMMARY_VARIABLE)
    if not target:
        return None
    try:
        with Path(target).open("a", encoding="utf-8") as stream:
            stream.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        return f"${SUMMARY_VARIABLE} ({target}): cannot write: {exc.strerror}"
    return None
