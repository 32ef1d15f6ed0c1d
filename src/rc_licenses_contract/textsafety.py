"""Making text that a server or a file controls inert before it reaches a terminal, a CI log or a report.

Every value, key, message and file name that came from outside passes `escape_control` on its way out,
so a body cannot forge a `PASSED` line, recolour a log, hide text behind bidi overrides, break a line
of a workflow command or start one: the GitHub Actions runner obeys `##[command]` anywhere in a log line
(the old form of `::command::`, still parsed: `##[add-mask]`, `##[stop-commands]`, `##[set-output …]`), so
its `#` is written as `\x23`. (A data text never starts a line, so `::command::` cannot reach the start.)
The secret redactor runs first (see `gate.secrets`); this runs after it.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, soft hyphen, Arabic letter mark, bidi marks/overrides/isolates, zero-width and
# invisible operators, line/paragraph separators, BOM, interlinear annotations, lone surrogates, tag chars.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_OLD_WORKFLOW_COMMAND = "##["


def escape_control(text: str) -> str:
    """`text` with every control, format and separator character written as a visible escape, and no
    `##[` left to start a workflow command."""
    if _OLD_WORKFLOW_COMMAND in text:
        text = text.replace(_OLD_WORKFLOW_COMMAND, "#\\x23[")
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape_one, text)
