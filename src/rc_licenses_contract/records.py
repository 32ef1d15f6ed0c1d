"""Plain data produced by `validate`: one result per record, and a summary. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .validation import Finding

VALID, INVALID, UNREADABLE = "valid", "invalid", "unreadable"


@dataclass(slots=True)
class RecordResult:
    source: str
    state: str
    response: str
    line: int | None = None  # 1-based line of a JSON Lines record
    entry: int | None = None  # index of a HAR entry
    status: int | None = None  # HTTP status recorded in a HAR entry
    query: str | None = None  # the request's query string, from a HAR entry
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # why an unreadable record could not be read

    @property
    def location(self) -> str:
        if self.entry is not None:
            details = [f"status={self.status}"] + ([self.query] if self.query else [])
            return f"{self.source}#entry{self.entry}[{','.join(details)}]"
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "entry": self.entry,
            "status": self.status,
            "query": self.query,
            "response": self.response,
            "state": self.state,
            "errors": [f.to_dict() for f in self.errors],
            "warnings": [f.to_dict() for f in self.warnings],
            "problem": self.problem,
        }


@dataclass
class Summary:
    records: int = 0
    valid: int = 0
    invalid: int = 0
    unreadable: int = 0
    skipped: int = 0
    warnings: int = 0
    elapsed: float = 0.0
    # Distinct violations and drift, grouped ({"violations": [...], "drift": [...], "rowsNotKept": n}).
    tables: dict[str, Any] = field(default_factory=dict)

    def add(self, result: RecordResult) -> None:
        self.records += 1
        self.warnings += len(result.warnings)
        if result.state == VALID:
            self.valid += 1
        elif result.state == INVALID:
            self.invalid += 1
        else:
            self.unreadable += 1

    @property
    def passed(self) -> bool:
        return self.records > 0 and self.invalid == 0 and self.unreadable == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "unreadable": self.unreadable,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "elapsedSeconds": round(self.elapsed, 3),
            "passed": self.passed,
        }
