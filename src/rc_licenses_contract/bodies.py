"""Parsing one captured response body, fast, with a clear one-line message for every bad input.

orjson does the work on the fast path. It silently keeps the last of duplicate keys, so a body is
only taken from orjson when re-serialising it gives back the exact input bytes (true for compact
bodies as servers send them); anything else is re-parsed by the strict standard-library parser,
which also keeps huge integers exact.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from .jsonio import loads_strict

BOM = b"\xef\xbb\xbf"
MAX_DEPTH_NOTE = "nested too deeply to be a licenses.info body"


class BodyError(ValueError):
    """The bytes are not one JSON document; the message is one line for the user."""


def parse_body(raw: bytes) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _parse_strictly(raw, str(exc))
    if orjson.dumps(value) == raw.strip():
        return value
    return _parse_strictly(raw, "")


def _parse_strictly(raw: bytes, orjson_message: str) -> Any:
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
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text.strip():  # one line (a JSON Lines record): the line is named by the caller
            raise BodyError(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
        raise BodyError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BodyError(MAX_DEPTH_NOTE) from None
    except ValueError as exc:
        raise BodyError(f"invalid JSON: {exc}") from None
