"""`json`: the whole input is one response body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...records import RecordResult
from ..units import Unit, UnitResult
from . import InputFormat

if TYPE_CHECKING:
    from ..checker import RecordChecker


class JsonDocument(InputFormat):
    name = "json"
    extensions = (".json",)

    def claims(self, document: object) -> bool:
        return True

    def check(self, checker: RecordChecker, unit: Unit, data: bytes) -> UnitResult:
        response = checker.options.response

        def make(state: str) -> RecordResult:
            return RecordResult(unit.source.name, state, response)

        result = checker.safely(make, checker.check, data, make, response)
        if result.problem == "empty: no JSON value":
            result.problem = (
                "empty file: no JSON value" if unit.source.path is not None else "empty input: no JSON value"
            )
        return UnitResult(results=[result], bytes=len(data))
