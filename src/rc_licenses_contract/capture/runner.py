"""Running a `validate`: sources found, units planned, checked on one process or several, in input order."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, BinaryIO

from ..interrupts import leave_ctrl_c_to_the_parent
from ..loader import load_contract
from ..records import UNREADABLE, RecordResult, Summary
from .checker import RecordChecker
from .formats import FORMATS
from .options import ValidateOptions
from .sources import Discovery, discover
from .streams import CHUNK_BYTES, plan
from .units import Unit, UnitResult
from .violations import ViolationTable

PARALLEL_THRESHOLD = 2 * CHUNK_BYTES  # below this, starting processes costs more than it saves
IN_FLIGHT_PER_JOB = 2  # units handed to the pool ahead of the one being reported: bounds memory for streams


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def exact_integers() -> Iterator[None]:
    """Integers of any length parse, validate and print exactly (Python caps int/str conversions at 4300
    digits by default; jsonschema-rs converts through str)."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def place(unit: Unit, result: UnitResult, line_offsets: dict[str, int]) -> None:
    """Turn a unit's line numbers into its source's (units of one source arrive in order)."""
    name = unit.source.name
    offset = line_offsets.get(name, 0)
    for record in result.results:
        if record.line is not None:
            record.line += offset
        elif unit.broken and FORMATS[unit.kind].line_delimited:
            record.line = offset + 1  # the line the stream broke in
    line_offsets[name] = offset + result.lines


def _run_whole(checker: RecordChecker, unit: Unit) -> UnitResult:
    """A whole source read where this runs: planned and checked unit by unit, merged into one result."""
    merged = UnitResult()
    offsets: dict[str, int] = {}
    for part in plan(unit.source):
        result = run_unit(checker, part)
        place(part, result, offsets)
        merged.results.extend(result.results)
        merged.lines += result.lines
        merged.valid += result.valid
        merged.skipped += result.skipped
        merged.bytes += result.bytes
    return merged


def run_unit(checker: RecordChecker, unit: Unit) -> UnitResult:
    source = unit.source
    response = checker.options.response
    if unit.whole:
        return _run_whole(checker, unit)
    if unit.problem is not None:
        return UnitResult(results=[RecordResult(source.name, UNREADABLE, response, problem=unit.problem)])
    data = unit.data
    if data is None:
        assert source.path is not None
        try:
            with source.path.open("rb") as handle:
                handle.seek(unit.start)
                data = handle.read() if unit.end < 0 else handle.read(unit.end - unit.start)
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
            return UnitResult(results=[RecordResult(source.name, UNREADABLE, response, problem=problem)])
    return FORMATS[unit.kind].check(checker, unit, data)


_WORKER: RecordChecker | None = None


def _run_in_worker(unit: Unit) -> UnitResult:
    assert _WORKER is not None
    with exact_integers():
        return run_unit(_WORKER, unit)


def _in_pool(checker: RecordChecker, units: Iterable[Unit], jobs: int) -> Iterator[tuple[Unit, UnitResult]]:
    """Results in input order, with at most a few units in flight (a stream is never read ahead whole)."""
    global _WORKER
    import multiprocessing

    _WORKER = checker  # inherited by the forked workers, validators already compiled
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=leave_ctrl_c_to_the_parent) as pool:
            pending: deque[tuple[Unit, Any]] = deque()
            for unit in units:
                pending.append((unit, pool.apply_async(_run_in_worker, (unit,))))
                if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                    done, result = pending.popleft()
                    yield done, result.get()
            while pending:
                done, result = pending.popleft()
                yield done, result.get()
    finally:
        _WORKER = None


def _serial(checker: RecordChecker, units: Iterable[Unit]) -> Iterator[tuple[Unit, UnitResult]]:
    for unit in units:
        yield unit, run_unit(checker, unit)


def _schedule(checker: RecordChecker, units: Iterator[Unit], jobs: int) -> Iterator[tuple[Unit, UnitResult]]:
    """Processes only when there is enough work: look ahead until the threshold is passed or input ends."""
    if jobs <= 1:
        yield from _serial(checker, units)
        return
    ahead: list[Unit] = []
    seen = 0
    for unit in units:
        ahead.append(unit)
        seen += unit.size
        if seen > PARALLEL_THRESHOLD:
            yield from _in_pool(checker, chain(ahead, units), jobs)
            return
    yield from _serial(checker, ahead)


def run(
    options: ValidateOptions,
    on_record: Callable[[RecordResult], None],
    on_progress: Callable[[int, int], None] | None = None,
    stdin: BinaryIO | None = None,
    on_note: Callable[[str], None] | None = None,
    discovery: Discovery | None = None,
) -> Summary:
    """Check every record; call on_record for each kept result in input order; return the summary.

    `discovery` is `discover(...)` done beforehand by a caller that must know the inputs before it opens
    the report file."""
    started = time.perf_counter()
    contract = load_contract(options.root)
    if discovery is None:
        discovery = discover(options.paths, options.input_format, options.output)
    for note in discovery.notes:
        if on_note is not None:
            on_note(note)
    checker = RecordChecker(options, contract)
    total = sum(max(source.size, 0) for source in discovery.sources)
    jobs = options.jobs or default_jobs()
    if options.scheduler is not None:
        from .distributed import on_dask, plan_for_workers  # dask is imported only when asked for

        units = plan_for_workers(discovery.sources, stdin)
        scheduled = on_dask(options, units, jobs, discovery.sources)
    else:
        units = (unit for source in discovery.sources for unit in plan(source, stdin))
        scheduled = _schedule(checker, units, jobs)
    summary = Summary()
    table = ViolationTable()
    line_offsets: dict[str, int] = {}
    done_bytes = 0
    with exact_integers():
        for unit, result in scheduled:
            place(unit, result, line_offsets)
            for record in result.results:
                summary.add(record)
                table.add(record)
                on_record(record)
            summary.records += result.valid
            summary.valid += result.valid
            summary.skipped += result.skipped
            done_bytes += result.bytes
            if on_progress is not None:
                on_progress(done_bytes, total)
    summary.tables = table.to_dict(summary.records)
    summary.elapsed = time.perf_counter() - started
    return summary
