"""Input formats: how a unit's bytes become records. One module per format, registered by name below.

A format declares its file suffixes, whether its records never span a newline (then large inputs are cut
into newline-aligned chunks shared by processes), and, for content sniffing, whether a single JSON document
is one of its own. Adding a format: a module with a class like these and one line in `FORMATS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from ..compression import strip_suffix

if TYPE_CHECKING:
    from ..checker import RecordChecker
    from ..units import Unit, UnitResult


class InputFormat(ABC):
    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    line_delimited: ClassVar[bool] = False  # one record per line: may be cut at any newline

    def claims(self, document: Any) -> bool:
        """Whether one whole JSON document (from sniffing standard input or a pipe) is in this format."""
        return False

    @abstractmethod
    def check(self, checker: RecordChecker, unit: Unit, data: bytes) -> UnitResult: ...


def _registry() -> dict[str, InputFormat]:
    from .document import JsonDocument
    from .har import HarCapture
    from .lines import JsonLines

    # Sniffing asks formats in this order; the plain document comes last: it takes anything.
    return {fmt.name: fmt for fmt in (HarCapture(), JsonLines(), JsonDocument())}


FORMATS: dict[str, InputFormat] = _registry()
FALLBACK = "json"
LINE_FORMAT = next(name for name, fmt in FORMATS.items() if fmt.line_delimited)
EXTENSIONS: dict[str, str] = {ext: fmt.name for fmt in FORMATS.values() for ext in fmt.extensions}


def format_for_name(name: str) -> str | None:
    """The format a file name announces (`dump.jsonl.gz` → jsonl), or None."""
    base = strip_suffix(name)
    dot = base.rfind(".")
    return EXTENSIONS.get(base[dot:].lower()) if dot > base.rfind("/") else None


def sniff(head: bytes, complete: bool) -> str:
    """Pick a format from the first bytes of a stream (`head`; `complete` when it is all there is).

    Several JSON values on separate lines are JSON Lines. One value is a document: a HAR capture if the
    HAR format claims it, else plain JSON. A first line that is only the start of a value is a multi-line
    document, whose kind is decided once it has been read whole (see `sniff_document`).
    """
    stripped = head.lstrip()
    first, newline, rest = stripped.partition(b"\n")
    if not newline or (complete and not rest.strip()):
        return sniff_document(stripped) if complete else "auto-document"
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("unexpected end of data"):
            return "auto-document"  # `{` alone on the first line: a pretty-printed document
    return LINE_FORMAT


def sniff_document(data: bytes) -> str:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return FALLBACK  # the document reader names the problem
    return next((name for name, fmt in FORMATS.items() if fmt.claims(document)), FALLBACK)
