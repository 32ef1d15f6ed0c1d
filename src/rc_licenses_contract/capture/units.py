"""A unit of work: a whole source, a byte range of a regular file, or bytes already read from a stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..records import UNREADABLE, RecordResult

if TYPE_CHECKING:
    from .sources import Source


@dataclass(frozen=True)
class Unit:
    source: Source
    kind: str  # the input format, decided
    start: int = 0
    end: int = -1  # -1: to the end of the file
    data: bytes | None = None  # read by the main process (standard input, pipes, compressed inputs)
    first: bool = True  # the unit holds the start of its source
    problem: str | None = None  # the source cannot be read (from here on: see `broken`)
    broken: bool = False  # the stream broke after the units before it: the problem is at the next line
    whole: bool = False  # the whole source, opened and planned where the unit runs (a Dask worker)

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        if self.end >= 0:
            return self.end - self.start
        return max(self.source.size, 0)


@dataclass
class UnitResult:
    results: list[RecordResult] = field(default_factory=list)
    lines: int = 0
    valid: int = 0  # valid records not listed in results
    skipped: int = 0
    bytes: int = 0


def unreadable(make: Callable[[str], RecordResult], problem: str) -> RecordResult:
    result = make(UNREADABLE)
    result.problem = problem
    return result
