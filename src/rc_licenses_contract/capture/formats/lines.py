"""`jsonl`: JSON Lines, one response body per line; the hot loop of `validate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson

from ...records import UNREADABLE, VALID, RecordResult
from ..units import Unit, UnitResult
from . import InputFormat

if TYPE_CHECKING:
    from ..checker import RecordChecker

PROVEN_CACHE_SIZE = 4096  # distinct valid bodies remembered per process
_UNPARSED = object()


def _line_record(name: str, response: str, number: int) -> Callable[[str], RecordResult]:
    def make(state: str) -> RecordResult:
        return RecordResult(name, state, response, line=number)

    return make


class JsonLines(InputFormat):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    line_delimited = True

    # Kept lean: compact lines that orjson round-trips exactly (so they hold no duplicate keys, no
    # integers it would round) and that pass the compiled validator are counted without building a result;
    # bodies already proven valid are remembered. Everything else takes the full path, record by record.
    def check(self, checker: RecordChecker, unit: Unit, data: bytes) -> UnitResult:
        out = UnitResult(bytes=len(data))
        response = checker.options.response
        keep_valid = checker.options.keep_valid
        name = unit.source.name
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the newline that ends the last line
        if b"\r" in data:  # CRLF line ends (a raw CR cannot occur inside valid JSON)
            lines = [line.rstrip(b"\r") for line in lines]
        out.lines = len(lines)
        if not lines and unit.first:
            empty = "empty file: no records" if unit.source.path is not None else "empty input: no records"
            out.results.append(RecordResult(name, UNREADABLE, response, problem=empty))
            return out
        schema_uri = checker.contract.responses.get(response)
        is_valid = checker.engine.is_valid
        loads, dumps = orjson.loads, orjson.dumps
        proven = checker.proven_valid
        results = out.results
        for number, raw in enumerate(lines, 1):
            parsed = _UNPARSED  # set when orjson round-trips the line exactly: safe to reuse below
            if raw in proven:
                fast = True
            else:
                try:
                    value = loads(raw)
                    if schema_uri is not None and dumps(value) == raw:
                        parsed = value
                    fast = schema_uri is not None and parsed is not _UNPARSED and is_valid(value, schema_uri)
                except Exception:  # invalid JSON, or a value the engine refuses: the full path says why
                    fast = False
                if fast and len(proven) < PROVEN_CACHE_SIZE:
                    proven[raw] = None
            if fast:
                if keep_valid:
                    results.append(RecordResult(name, VALID, response, line=number))
                else:
                    out.valid += 1
                continue
            if not raw.strip():
                out.skipped += 1
                continue
            make = _line_record(name, response, number)
            if parsed is not _UNPARSED:
                result = checker.safely(make, checker.check_value, parsed, make, response)
            else:
                result = checker.safely(make, checker.check, raw, make, response)
            if result.state == VALID and not result.warnings and not keep_valid:
                out.valid += 1
            else:
                results.append(result)
        return out
