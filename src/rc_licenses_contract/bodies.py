"""Parsing one captured response body, fast, with a clear one-line message for every bad input.

orjson does the work on the fast path. It silently keeps the last of duplicate keys, so a body is
only taken from orjson when re-serialising it gives back the exact input bytes (true for compact
bodies as servers send them); anything else is re-parsed by the strict standard-library parser,
which also keeps huge integers exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from .jsonio import loads_strict

BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH_NOTE = "nested too deeply to be a licenses.info body"


class BodyError(ValueError):
    """The bytes are not one JSON document; the message is one line for the user."""


def parse_body(raw: bytes, *, allow_lone_surrogates: bool = False) -> Any:
    """One JSON document. A HAR file passes `allow_lone_surrogates`: a broken string in one entry is that
    entry's problem (its body is checked on its own), not the whole file's."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _parse_strictly(raw, str(exc), allow_lone_surrogates)
    try:
        exact = orjson.dumps(value) == raw.strip()
    except TypeError:  # deeper than orjson writes (255 levels): the standard library decides
        exact = False
    if exact:
        return value
    return _parse_strictly(raw, "", allow_lone_surrogates)


def _parse_strictly(raw: bytes, orjson_message: str, allow_lone_surrogates: bool) -> Any:
    """The standard-library parser: exact big numbers, duplicate keys and NaN rejected, located errors."""
    if raw.startswith(BOM):
        raise BodyError("starts with a UTF-8 byte-order mark (BOM), which JSON does not allow")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BodyError(f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at line {line} (offset {exc.start})") from None
    if not text.strip():
        raise BodyError("empty: no JSON value")
    if "depth limit" in orjson_message:
        raise BodyError(f"{MAX_DEPTH_NOTE} (more than 1024 levels)")
    try:
        value = loads_strict(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text.strip():  # one line (a JSON Lines record): the line is named by the caller
            raise BodyError(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
        raise BodyError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BodyError(MAX_DEPTH_NOTE) from None
    except ValueError as exc:
        raise BodyError(f"invalid JSON: {exc}") from None
    if not allow_lone_surrogates and _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    """JSON's grammar lets `"\\ud800"` through, but it is not Unicode: no UTF-8 writer or engine takes it."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if _LONE_SURROGATE.search(key):
                    raise BodyError(
                        f"a key holds a lone UTF-16 surrogate escape, which is not Unicode (in {pointer or '(root)'})"
                    )
                stack.append((f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}", item))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{index}", item) for index, item in enumerate(node))
        elif isinstance(node, str) and _LONE_SURROGATE.search(node):
            code = ord(_LONE_SURROGATE.search(node).group())  # type: ignore[union-attr]
            raise BodyError(
                f"a string holds a lone UTF-16 surrogate escape \\u{code:04x}, which is not Unicode "
                f"(at {pointer or '(root)'})"
            )
