"""Compressed inputs, recognised by their first bytes (not their names) and decompressed as a stream.

A codec is one entry in CODECS: its magic bytes, its usual file suffix and how to open a decompressing
reader over a binary stream. zstd needs the optional `zstandard` package (`pip install
'rc-licenses-contract[zstd]'`); without it a zstd input is one unreadable source that says so.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

MAGIC_BYTES = 6  # the longest magic below


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class CodecMissing(Exception):
    """The codec's package is not installed; the message says what to install."""


@dataclass(frozen=True)
class Codec:
    name: str
    magic: bytes
    suffix: str
    open: Callable[[BinaryIO], Readable]


def _gzip(raw: BinaryIO) -> Readable:
    import gzip

    return gzip.GzipFile(fileobj=raw, mode="rb")  # concatenated members (`cat a.gz b.gz`) are read in turn


def _bzip2(raw: BinaryIO) -> Readable:
    import bz2

    return bz2.BZ2File(raw, mode="rb")


def _xz(raw: BinaryIO) -> Readable:
    import lzma

    return lzma.LZMAFile(raw, mode="rb")


def _zstd(raw: BinaryIO) -> Readable:
    try:
        import zstandard
    except ImportError:
        raise CodecMissing(
            "zstd-compressed, and the zstandard package is not installed (pip install zstandard)"
        ) from None
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return io.BufferedReader(reader)


CODECS: tuple[Codec, ...] = (
    Codec("gzip", b"\x1f\x8b", ".gz", _gzip),
    Codec("bzip2", b"BZh", ".bz2", _bzip2),
    Codec("xz", b"\xfd7zXZ\x00", ".xz", _xz),
    Codec("zstd", b"\x28\xb5\x2f\xfd", ".zst", _zstd),
)
SUFFIXES = tuple(codec.suffix for codec in CODECS)


def codec_for(head: bytes) -> Codec | None:
    return next((codec for codec in CODECS if head.startswith(codec.magic)), None)


def strip_suffix(name: str) -> str:
    """`dump.jsonl.gz` → `dump.jsonl`: the format is named by the suffix under the compression's."""
    lowered = name.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name
