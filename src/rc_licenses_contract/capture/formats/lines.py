"""`jsonl`: JSON Lines, one response body per line; the hot loop of `validate`."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any

import orjson

from ...records import UNREADABLE, VALID, RecordResult
from ..units import Unit, UnitResult
from . import InputFormat

if TYPE_CHECKING:
    from ..checker import RecordChecker

PROVEN_CACHE_SIZE = 4096  # distinct valid bodies remembered per process
PROBE_LINES = 256  # lines of a chunk that always consult that memory, to see whether it pays
CACHE_PAYS_FROM = 32  # consult it for the rest of the chunk if at least 1 line in this many was in it
UNPARSED = object()  # a line fast_scan hands on without a value known to be exact


def _line_record(name: str, response: str, number: int) -> Callable[[str], RecordResult]:
    def make(state: str) -> RecordResult:
        return RecordResult(name, state, response, line=number)

    return make


class JsonLines(InputFormat):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    line_delimited = True

    def check(self, checker: RecordChecker, unit: Unit, data: bytes) -> UnitResult:
        out = UnitResult(bytes=len(data))
        response = checker.options.response
        keep_valid = checker.options.keep_valid
        name = unit.source.name
        schema_uri = checker.contract.responses.get(response)
        if schema_uri is None:  # the status alone breaks the contract: every record takes the full path
            slow = [(number, raw, UNPARSED) for number, raw in enumerate(io.BytesIO(data), 1)]
            out.lines = len(slow)
        else:
            slow = self._fast_pass(checker, data, schema_uri, out, name)
        if not out.lines and unit.first:
            empty = "empty file: no records" if unit.source.path is not None else "empty input: no records"
            out.results.append(RecordResult(name, UNREADABLE, response, problem=empty))
            return out
        for number, raw, parsed in slow:
            raw = raw.rstrip(b"\r\n")  # the line's end (LF or CRLF; a raw CR cannot occur inside valid JSON)
            if not raw.strip():
                out.skipped += 1
                continue
            make = _line_record(name, response, number)
            if parsed is not UNPARSED:  # parsed exactly and found invalid: neither parse nor ask again
                result = checker.safely(make, checker.check_value, parsed, make, response, True)
            else:
                result = checker.safely(make, checker.check, raw, make, response)
            if result.state == VALID and not result.warnings and not keep_valid:
                out.valid += 1
            else:
                out.results.append(result)
        if keep_valid and out.valid:  # listed too: put them in line order
            out.results.sort(key=lambda r: r.line or 0)
        return out

    # The hot loop: per valid line, orjson's parse, the compiled validator's yes, and one write-back, and
    # nothing else (no result object, no lookup through the engine). The write-back proves the parse exact:
    # when orjson writes the value back as a prefix of the line, the line is that text plus its line end,
    # so it held no duplicate key (orjson keeps the last silently) and no integer orjson rounded to a float
    # (beyond 64 bits; a float's text differs from any integer's). Lines are taken from a BytesIO one at a
    # time (each is parsed while still in cache; splitting a whole chunk first was 5-8% slower). Bodies
    # already proven valid are remembered (captures repeat them); once that memory is full, a chunk whose
    # first lines never hit it skips the lookups (hashing a line costs 3% when nothing repeats). Every other
    # line goes to the full path, with its value when that is known to be exact.
    @staticmethod
    def _fast_pass(
        checker: RecordChecker, data: bytes, schema_uri: str, out: UnitResult, name: str
    ) -> list[tuple[int, bytes, Any]]:
        lines = io.BytesIO(data)
        slow: list[tuple[int, bytes, Any]] = []
        number, hits = fast_scan(checker, islice(lines, PROBE_LINES), 0, schema_uri, True, slow)
        repeats = hits * CACHE_PAYS_FROM >= number or len(checker.proven_valid) < PROVEN_CACHE_SIZE
        number, _ = fast_scan(checker, lines, number, schema_uri, repeats, slow)
        out.lines = number
        if checker.options.keep_valid:
            response = checker.options.response
            slow_lines = {number for number, _, _ in slow}
            out.results.extend(
                RecordResult(name, VALID, response, line=n) for n in range(1, number + 1) if n not in slow_lines
            )
        else:
            out.valid += number - len(slow)  # every line not sent to the full path is valid
        return slow


def fast_scan(
    checker: RecordChecker,
    lines: Iterable[bytes],
    number: int,
    schema_uri: str,
    remembered: bool,
    slow: list[tuple[int, bytes, Any]],
) -> tuple[int, int]:
    """Check `lines` (numbered on from `number`), consulting the bodies proven valid when `remembered`;
    lines not proven valid are appended to `slow`. Returns (the last line's number, lines found in memory)."""
    is_valid = checker.engine.compiled(schema_uri)
    loads, dumps = orjson.loads, orjson.dumps
    proven = checker.proven_valid
    room = PROVEN_CACHE_SIZE - len(proven)
    hits = 0
    for raw in lines:
        number += 1
        if remembered and raw in proven:
            hits += 1
            continue
        try:
            value = loads(raw)
            if is_valid(value):
                if raw.startswith(dumps(value)):
                    if room > 0:
                        proven[raw] = None
                        room -= 1
                    continue
                value = UNPARSED  # valid as orjson read it; the exact parse decides
            elif not raw.startswith(dumps(value)):
                value = UNPARSED
        except Exception:  # invalid JSON, or a value orjson or the engine refuses (too deep)
            value = UNPARSED
        slow.append((number, raw, value))
    return number, hits
