"""Reading sources into units: byte ranges of regular files for the workers to read themselves, or bytes
read here from streams (standard input, pipes, compressed files) in newline-aligned chunks, so memory stays
flat whatever the input's size. Compression is recognised by magic bytes; the format, when not named, by
content (`formats.sniff`)."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import BinaryIO

from .compression import MAGIC_BYTES, CodecMissing, Readable, codec_for
from .formats import FORMATS, sniff, sniff_document
from .sources import Source, open_source
from .units import Unit

CHUNK_BYTES = 8 * 1024 * 1024


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to look at them): gives them back, then the rest."""

    def __init__(self, prefix: bytes, rest: Readable) -> None:
        self.prefix = prefix
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.prefix:
            count = min(len(buffer), len(self.prefix))
            buffer[:count] = self.prefix[:count]
            self.prefix = self.prefix[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Careful:
    """Reads in small steps and keeps what came before a failure (a truncated archive still gives up
    every whole line it holds); the failure is kept for the caller to report."""

    STEP = 256 * 1024

    def __init__(self, stream: Readable) -> None:
        self.stream = stream
        self.read_some = getattr(stream, "read1", stream.read)
        self.error: Exception | None = None

    def read(self, size: int = -1, /) -> bytes:
        if self.error is not None:
            return b""
        try:
            return bytes(self.read_some(self.STEP if size < 0 else min(size, self.STEP)))
        except Exception as exc:  # corrupt or truncated data, a read error: reported once the lines are in
            self.error = exc
            return b""


def read_full(stream: Readable, size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end (decompressors and pipes may answer short)."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        block = stream.read(wanted)
        if not block:
            break
        parts.append(block)
        wanted -= len(block)
    return b"".join(parts)


def plan(source: Source, stdin: BinaryIO | None = None) -> Iterator[Unit]:
    """The units of one source, in order."""
    if source.problem is not None:
        yield Unit(source, source.kind, problem=source.problem)
        return
    with contextlib.ExitStack() as stack:
        try:
            raw = stack.enter_context(open_source(source, stdin))
        except Exception as exc:  # a local or remote read error: one line, the run goes on
            yield Unit(source, source.kind, problem=_masked(source, f"cannot read: {_reason(exc)}"))
            return
        try:
            head = read_full(raw, MAGIC_BYTES)
        except Exception as exc:
            yield Unit(source, source.kind, problem=_masked(source, f"cannot read: {_reason(exc)}"))
            return
        codec = codec_for(head)
        if codec is None and source.regular and source.kind in FORMATS:
            yield from _ranges(source)  # the workers read the file themselves
            return
        try:
            buffered = io.BufferedReader(_Prefixed(head, raw), CHUNK_BYTES // 8)
            stream: Readable = buffered if codec is None else codec.open(buffered)
        except CodecMissing as exc:
            yield Unit(source, source.kind, problem=str(exc))
            return
        yield from _stream_units(source, stream, codec.name if codec else None)


def _ranges(source: Source) -> Iterator[Unit]:
    kind = source.kind
    if not FORMATS[kind].line_delimited or source.size <= CHUNK_BYTES:
        yield Unit(source, kind)
        return
    assert source.path is not None
    with source.path.open("rb") as handle:
        start = 0
        while start < source.size:
            handle.seek(min(start + CHUNK_BYTES, source.size))
            handle.readline()  # finish the line the cut fell into
            end = min(handle.tell(), source.size)
            yield Unit(source, kind, start, end, first=start == 0)
            start = end


def _stream_units(source: Source, stream: Readable, codec: str | None) -> Iterator[Unit]:
    kind = source.kind
    reader = _Careful(stream)
    carry = b""
    first = True
    if kind == "auto":
        carry = read_full(reader, CHUNK_BYTES)
        kind = sniff(carry, complete=len(carry) < CHUNK_BYTES and reader.error is None)
    if not (kind in FORMATS and FORMATS[kind].line_delimited):
        data = carry + read_full(reader, sys.maxsize)
        if kind not in FORMATS:
            kind = sniff_document(data)
        if reader.error is None:
            yield Unit(source, kind, data=data)
        else:  # half a document is no document
            yield Unit(source, kind, problem=_masked(source, _broken(reader.error, codec)))
        return
    while True:
        block = read_full(reader, CHUNK_BYTES)
        if not block:
            break
        block = carry + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry = block  # a line longer than a chunk: keep reading until it ends
            continue
        yield Unit(source, kind, data=block[:cut], first=first)
        first = False
        carry = block[cut:]
    if reader.error is not None:  # the last, cut line is not a record: the break is reported at its place
        problem = _masked(source, _broken(reader.error, codec))
        yield Unit(source, kind, first=first, problem=problem, broken=True)
    elif carry or first:
        yield Unit(source, kind, data=carry, first=first)


def _masked(source: Source, problem: str) -> str:
    """A remote object's problem never shows its URL's user or password (a message may quote the URL)."""
    if source.url is None:
        return problem
    from .remote import scrub

    return scrub(problem, source.url)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _broken(error: Exception, codec: str | None) -> str:
    what = f"{codec} data" if codec else "input"
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"cannot read: {what} broken: {detail}"
