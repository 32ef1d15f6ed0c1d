"""`jsonl`: JSON Lines, one response body per line; the hot loop of `validate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
        if schema_uri is None:  # the status alone breaks the contract: every record takes the full path
            slow = [(number, raw, _UNPARSED) for number, raw in enumerate(lines, 1)]
        else:
            slow = self._fast_pass(checker, lines, schema_uri, out, name)
        for number, raw, parsed in slow:
            if not raw.strip():
                out.skipped += 1
                continue
            make = _line_record(name, response, number)
            if parsed is not _UNPARSED:  # parsed already, and exactly: do not parse again
                result = checker.safely(make, checker.check_value, parsed, make, response)
            else:
                result = checker.safely(make, checker.check, raw, make, response)
            if result.state == VALID and not result.warnings and not keep_valid:
                out.valid += 1
            else:
                out.results.append(result)
        if keep_valid and out.valid:  # listed too: put them in line order
            out.results.sort(key=lambda r: r.line or 0)
        return out

    # The hot loop (profiled: within a few per cent of orjson + is_valid alone, plus the round trip). A line
    # that passes the compiled validator and that orjson writes back byte for byte (so it holds no duplicate
    # keys and no number orjson would round) is valid, counted without building a result; bodies already
    # proven valid are remembered (captures repeat them). Every other line is returned for the full path.
    @staticmethod
    def _fast_pass(
        checker: RecordChecker, lines: list[bytes], schema_uri: str, out: UnitResult, name: str
    ) -> list[tuple[int, bytes, Any]]:
        is_valid = checker.engine.is_valid
        loads, dumps = orjson.loads, orjson.dumps
        proven = checker.proven_valid
        room = PROVEN_CACHE_SIZE - len(proven)
        slow: list[tuple[int, bytes, Any]] = []
        valid = 0
        number = 0
        for raw in lines:
            number += 1
            if raw in proven:
                valid += 1
                continue
            try:
                value = loads(raw)
                exact = dumps(value) == raw
                fast = is_valid(value, schema_uri)
            except Exception:  # invalid JSON, or a value orjson or the engine refuses (too deep)
                slow.append((number, raw, _UNPARSED))
                continue
            if fast and exact:
                valid += 1
                if room > 0:
                    proven[raw] = None
                    room -= 1
            else:
                slow.append((number, raw, value if exact else _UNPARSED))
        if checker.options.keep_valid:
            response = checker.options.response
            slow_lines = {number for number, _, _ in slow}
            out.results.extend(
                RecordResult(name, VALID, response, line=n) for n in range(1, number + 1) if n not in slow_lines
            )
        else:
            out.valid += valid
        return slow
