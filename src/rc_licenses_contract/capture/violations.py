"""Distinct violations at scale: every finding of a run grouped, counted and located by its first sources.

Contract violations are grouped by schema location and keyword (one row per rule broken, whatever the
array index); drift (undocumented properties) by the property's place with array indexes generalised,
so a team reads "`/license/newField` appears in 38% of captures". Pure data: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..policy import UNDOCUMENTED_KEYWORDS
from ..records import RecordResult

FIRST_SOURCES = 5
MAX_ROWS = 1000  # distinct rows kept per table; more are counted, never silently dropped
_INDEX = re.compile(r"/\d+(?=/|$)")


def general_pointer(pointer: str) -> str:
    """`/license/tags/3/color` → `/license/tags/*/color`."""
    return _INDEX.sub("/*", pointer)


@dataclass
class Row:
    pointer: str  # generalised
    keyword: str
    schema_location: str
    message: str  # the first occurrence's
    occurrences: int = 0
    records: int = 0
    sources: list[str] = field(default_factory=list)

    def to_dict(self, total: int) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "keyword": self.keyword,
            "schemaLocation": self.schema_location,
            "example": self.message,
            "occurrences": self.occurrences,
            "records": self.records,
            "share": round(self.records / total, 6) if total else 0.0,
            "firstSources": self.sources,
        }


@dataclass
class _Table:
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    overflow: int = 0  # occurrences whose row did not fit in MAX_ROWS

    def add(self, key: tuple[str, str], make: Any, record_seen: set[tuple[str, str]], location: str) -> None:
        row = self.rows.get(key)
        if row is None:
            if len(self.rows) >= MAX_ROWS:
                self.overflow += 1
                return
            row = self.rows[key] = make()
        row.occurrences += 1
        if key not in record_seen:
            record_seen.add(key)
            row.records += 1
            if len(row.sources) < FIRST_SOURCES:
                row.sources.append(location)

    def sorted(self) -> list[Row]:
        return sorted(self.rows.values(), key=lambda r: (-r.records, -r.occurrences, r.pointer, r.keyword))


class ViolationTable:
    def __init__(self) -> None:
        self.violations = _Table()
        self.drift = _Table()

    def add(self, result: RecordResult) -> None:
        if not result.errors and not result.warnings:
            return
        seen_violations: set[tuple[str, str]] = set()
        seen_drift: set[tuple[str, str]] = set()
        location = result.location
        for finding in (*result.errors, *result.warnings):
            pointer = general_pointer(finding.pointer)

            def make(pointer: str = pointer, finding: Any = finding) -> Row:
                return Row(pointer, finding.keyword, finding.schema_location, finding.message)

            if finding.keyword in UNDOCUMENTED_KEYWORDS:
                self.drift.add((pointer, finding.keyword), make, seen_drift, location)
            else:
                key = (finding.schema_location or pointer, finding.keyword)
                self.violations.add(key, make, seen_violations, location)

    def to_dict(self, total_records: int) -> dict[str, Any]:
        return {
            "violations": [row.to_dict(total_records) for row in self.violations.sorted()],
            "drift": [row.to_dict(total_records) for row in self.drift.sorted()],
            "rowsNotKept": self.violations.overflow + self.drift.overflow,
        }
