"""`validate`: turn sources (files, folders, JSON Lines, HAR, stdin) into per-record results.

Work is cut into units (a single file, or a byte range of a JSON Lines file cut at newlines) so
that several processes can share a multi-gigabyte file with bounded memory; results come back in
input order.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from .bodies import BodyError, parse_body
from .errors import UsageError
from .loader import Contract, load_contract
from .records import INVALID, UNREADABLE, VALID, RecordResult, Summary
from .validation import Finding, get_engine, split_findings

PATTERNS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".har": "har"}
CHUNK_BYTES = 8 * 1024 * 1024
_UNPARSED = object()
PROVEN_CACHE_SIZE = 4096  # distinct valid bodies remembered per process
PARALLEL_THRESHOLD = 2 * CHUNK_BYTES  # below this, starting processes costs more than it saves
STDIN = "-"


@dataclass
class ValidateOptions:
    paths: list[str]
    response: str = "200"
    profile: str = "default"
    strict: bool = False
    engine: str = "rs"
    jobs: int = 0  # 0: all cores
    max_errors: int = 0  # per record; 0: no limit
    input_format: str = "auto"
    keep_valid: bool = False  # reporters that list every record need valid ones too
    har_path_suffix: str = ""  # filled from the contract's operation path
    root: Path | None = None


@dataclass(frozen=True)
class Source:
    name: str
    path: Path | None  # None for stdin
    kind: str  # json, jsonl, har
    size: int = 0
    problem: str | None = None  # a source that cannot even be opened


@dataclass(frozen=True)
class Unit:
    source: Source
    start: int = 0
    end: int = -1
    data: bytes | None = None  # stdin content


@dataclass
class UnitResult:
    results: list[RecordResult] = field(default_factory=list)
    lines: int = 0
    valid: int = 0  # valid records not listed in results
    warnings: int = 0
    skipped: int = 0
    bytes: int = 0


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# --- finding the sources -------------------------------------------------------------------------


def _kind(path: Path, input_format: str) -> str:
    if input_format != "auto":
        return input_format
    return PATTERNS.get(path.suffix.lower(), "json")


def _source(path: Path, input_format: str) -> Source:
    name = str(path)
    kind = _kind(path, input_format)
    if path.is_symlink() and not path.exists():
        return Source(name, path, kind, problem="broken symbolic link")
    try:
        info = path.stat()
    except OSError as exc:
        return Source(name, path, kind, problem=f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(info.st_mode):
        return Source(name, path, kind, problem="not a regular file")
    return Source(name, path, kind, size=info.st_size)


def find_sources(paths: list[str], input_format: str = "auto") -> list[Source]:
    """Expand arguments into sources; a path that does not exist at all is a usage error."""
    sources: list[Source] = []
    for argument in paths:
        if argument == STDIN:
            sources.append(Source(STDIN, None, input_format if input_format != "auto" else "auto"))
            continue
        path = Path(argument)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{argument}: no such file or directory")
        if path.is_dir():
            found = [
                Path(folder) / name
                for folder, _, names in os.walk(path)
                for name in names
                if Path(name).suffix.lower() in PATTERNS
            ]
            sources.extend(_source(p, input_format) for p in sorted(found))
        else:
            sources.append(_source(path, input_format))
    return sources


def plan_units(sources: list[Source], stdin: Any = None) -> Iterator[Unit]:
    for source in sources:
        if source.name == STDIN:
            data = (stdin or sys.stdin.buffer).read()
            kind = source.kind if source.kind != "auto" else _sniff(data)
            yield Unit(Source(STDIN, None, kind, len(data)), data=data)
        elif source.problem is None and source.kind == "jsonl" and source.size > CHUNK_BYTES:
            yield from _jsonl_chunks(source)
        else:
            yield Unit(source)


def _sniff(data: bytes) -> str:
    """Standard input: one JSON document, a HAR capture, or JSON Lines."""
    stripped = data.strip()
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return "jsonl" if b"\n" in stripped else "json"
    if isinstance(value, dict) and isinstance(value.get("log"), dict) and "entries" in value["log"]:
        return "har"
    return "json"


def _jsonl_chunks(source: Source) -> Iterator[Unit]:
    assert source.path is not None
    with source.path.open("rb") as handle:
        start = 0
        while start < source.size:
            handle.seek(min(start + CHUNK_BYTES, source.size))
            handle.readline()  # finish the line the cut fell into
            end = min(handle.tell(), source.size)
            yield Unit(source, start, end)
            start = end


# --- checking ---------------------------------------------------------------------------------


class RecordChecker:
    """Parses and validates single bodies; built once per process."""

    def __init__(self, options: ValidateOptions, contract: Contract) -> None:
        self.options = options
        self.contract = contract
        self.engine = get_engine(contract, options.profile, options.engine)
        self.har_suffix = contract.path
        self.proven_valid: dict[bytes, None] = {}

    def check(self, raw: bytes, make: Callable[[str], RecordResult], response: str) -> RecordResult:
        if response not in self.contract.responses:
            return self.check_value(None, make, response)  # the status alone breaks the contract
        try:
            payload = parse_body(raw)
        except BodyError as exc:
            result = make(UNREADABLE)
            result.problem = str(exc)
            return result
        return self.check_value(payload, make, response)

    def check_value(self, payload: Any, make: Callable[[str], RecordResult], response: str) -> RecordResult:
        schema_uri = self.contract.responses.get(response)
        if schema_uri is None:
            result = make(INVALID)
            documented = ", ".join(sorted(self.contract.responses))
            result.errors.append(
                Finding("", f"status {response} is not a documented response ({documented})", "status", "")
            )
            return result
        findings = self.engine.findings(payload, schema_uri, self.options.max_errors)
        if not findings:
            return make(VALID)
        split = split_findings(findings, response, self.options.profile, self.options.strict)
        result = make(INVALID if split.errors else VALID)
        result.errors, result.warnings = split.errors, split.warnings
        return result

    # JSON Lines: the hot loop, kept lean. Compact lines that orjson round-trips exactly (so they hold
    # no duplicate keys) and that pass the compiled validator are counted without building a result;
    # bodies already proven valid are remembered, since captures repeat the same body many times.
    # Everything else takes the full path with located messages.
    def check_lines(self, unit: Unit, data: bytes) -> UnitResult:
        out = UnitResult(bytes=len(data))
        response = self.options.response
        keep_valid = self.options.keep_valid
        name = unit.source.name
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the newline that ends the last line
        if b"\r" in data:  # CRLF line ends (a raw CR cannot occur inside valid JSON)
            lines = [line.rstrip(b"\r") for line in lines]
        out.lines = len(lines)
        if not lines and unit.start == 0:
            out.results.append(RecordResult(name, UNREADABLE, response, problem="empty file: no records"))
            return out
        schema_uri = self.contract.responses.get(response)
        is_valid = self.engine.is_valid
        loads, dumps, decode_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError
        proven = self.proven_valid
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
                except decode_error:
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
                result = self.check_value(parsed, make, response)  # parsed already: do not parse again
            else:
                result = self.check(raw, make, response)
            if result.state == VALID and not result.warnings and not keep_valid:
                out.valid += 1
            else:
                results.append(result)
        return out

    def check_document(self, unit: Unit, data: bytes) -> UnitResult:
        response = self.options.response
        result = self.check(data, lambda state: RecordResult(unit.source.name, state, response), response)
        if result.state == UNREADABLE and result.problem and result.problem.startswith("empty"):
            result.problem = "empty file: no JSON value"
        return UnitResult(results=[result], bytes=len(data))

    def check_har(self, unit: Unit, data: bytes) -> UnitResult:
        name = unit.source.name
        out = UnitResult(bytes=len(data))
        try:
            har = parse_body(data)
        except BodyError as exc:
            out.results.append(RecordResult(name, UNREADABLE, "", problem=f"not a HAR file: {exc}"))
            return out
        entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
        if not isinstance(har, dict) or not isinstance(har.get("log"), dict) or not isinstance(entries, list):
            out.results.append(RecordResult(name, UNREADABLE, "", problem="not a HAR file: no log.entries list"))
            return out
        for index, entry in enumerate(entries):
            request = entry.get("request") if isinstance(entry, dict) else None
            url = request.get("url") if isinstance(request, dict) else None
            if not isinstance(url, str) or not urlsplit(url).path.endswith(self.har_suffix):
                out.skipped += 1
                continue
            out.results.append(self._har_entry(name, index, entry, url))
        if not self.options.keep_valid:
            kept = [r for r in out.results if r.state != VALID or r.warnings]
            out.valid = len(out.results) - len(kept)
            out.results = kept
        return out

    def _har_entry(self, name: str, index: int, entry: dict[str, Any], url: str) -> RecordResult:
        response: dict[str, Any] = entry["response"] if isinstance(entry.get("response"), dict) else {}
        status = response.get("status")
        query = "&".join(f"{k}={v}" for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)) or None

        def make(state: str) -> RecordResult:
            return RecordResult(name, state, str(status), entry=index, status=status, query=query)

        if not isinstance(status, int) or status <= 0:
            result = make(UNREADABLE)
            result.problem = "no response recorded (status 0: aborted, blocked or still pending)"
            return result
        content: dict[str, Any] = response["content"] if isinstance(response.get("content"), dict) else {}
        text = content.get("text")
        if not isinstance(text, str):
            result = make(UNREADABLE)
            result.problem = "response body not captured (no content.text)"
            return result
        if content.get("encoding") == "base64":
            try:
                raw = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                result = make(UNREADABLE)
                result.problem = "content.text is not valid base64"
                return result
        else:
            raw = text.encode("utf-8", "surrogatepass")
        return self.check(raw, make, str(status))

    def run_unit(self, unit: Unit) -> UnitResult:
        source = unit.source
        if source.problem is not None:
            return UnitResult(
                results=[RecordResult(source.name, UNREADABLE, self.options.response, problem=source.problem)]
            )
        if unit.data is not None:
            data = unit.data
        else:
            assert source.path is not None
            try:
                with source.path.open("rb") as handle:
                    handle.seek(unit.start)
                    data = handle.read() if unit.end < 0 else handle.read(unit.end - unit.start)
            except OSError as exc:
                problem = f"cannot read: {exc.strerror or exc}"
                return UnitResult(
                    results=[RecordResult(source.name, UNREADABLE, self.options.response, problem=problem)]
                )
        if source.kind == "jsonl":
            return self.check_lines(unit, data)
        if source.kind == "har":
            return self.check_har(unit, data)
        return self.check_document(unit, data)


def _line_record(name: str, response: str, number: int) -> Callable[[str], RecordResult]:
    def make(state: str) -> RecordResult:
        return RecordResult(name, state, response, line=number)

    return make


_WORKER: RecordChecker | None = None


def _run_in_worker(unit: Unit) -> UnitResult:
    assert _WORKER is not None
    return _WORKER.run_unit(unit)


def run(
    options: ValidateOptions,
    on_record: Callable[[RecordResult], None],
    on_progress: Callable[[int, int], None] | None = None,
    stdin: Any = None,
) -> Summary:
    """Check every record; call on_record for each kept result in input order; return the summary."""
    global _WORKER
    import time

    started = time.perf_counter()
    contract = load_contract(options.root)
    sources = find_sources(options.paths, options.input_format)
    checker = RecordChecker(options, contract)
    total = sum(s.size for s in sources)
    units = plan_units(sources, stdin)
    jobs = options.jobs or default_jobs()
    summary = Summary()
    line_offsets: dict[str, int] = {}
    done_bytes = 0

    def collect(unit: Unit, result: UnitResult) -> None:
        nonlocal done_bytes
        offset = line_offsets.get(unit.source.name, 0)
        for record in result.results:
            if record.line is not None:
                record.line += offset
            summary.add(record)
            on_record(record)
        line_offsets[unit.source.name] = offset + result.lines
        summary.records += result.valid
        summary.valid += result.valid
        summary.skipped += result.skipped
        done_bytes += result.bytes
        if on_progress is not None:
            on_progress(done_bytes, total)

    if jobs > 1 and total > PARALLEL_THRESHOLD:
        import multiprocessing

        _WORKER = checker  # inherited by the forked workers, validators already compiled
        planned = list(units)
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for unit, result in zip(planned, pool.imap(_run_in_worker, planned), strict=True):
                collect(unit, result)
        _WORKER = None
    else:
        for unit in units:
            collect(unit, checker.run_unit(unit))
    summary.elapsed = time.perf_counter() - started
    return summary
