"""HTTP content codings (`Content-Encoding`) of a recorded body: what `validate` does with a HAR entry whose
tool kept the bytes as they came over the wire, and how the gate names a coding it could not undo.

gzip and deflate come with Python; br needs the optional `brotli` (or `brotlicffi`) package and zstd the
optional `zstandard` package. Without one, a body in that coding is one clear line naming the package,
never bytes handed to a JSON parser. Output is bounded, so a small compressed bomb cannot fill memory.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from typing import Any

MAX_DECODED_BYTES = 32 * 1024 * 1024  # far above any licenses.info body; a bomb stops here
IDENTITY = "identity"
PACKAGES = {"br": "brotli", "zstd": "zstandard"}  # codings that need an optional package, and which


class CodingError(ValueError):
    """A body that could not be decoded: the message says which coding and why (one line)."""


_TOO_BIG = f"decodes to more than {MAX_DECODED_BYTES // (1024 * 1024)} MB"


def codings(header: str | None) -> list[str]:
    """The codings a Content-Encoding value lists, in the order they were applied (identity left out)."""
    names = [name.strip().lower() for name in (header or "").split(",")]
    return [name for name in names if name and name != IDENTITY]


def _zlib(wbits: int) -> Callable[[bytes], bytes]:
    def run(data: bytes) -> bytes:
        decompressor = zlib.decompressobj(wbits)
        out = decompressor.decompress(data, MAX_DECODED_BYTES + 1)
        if decompressor.unconsumed_tail or not decompressor.eof:
            if len(out) > MAX_DECODED_BYTES:
                raise CodingError(_TOO_BIG)
            raise CodingError("the compressed data is cut short")
        return out

    return run


def _deflate(data: bytes) -> bytes:
    try:
        return _zlib(zlib.MAX_WBITS)(data)  # what RFC 9110 means by deflate: zlib-wrapped
    except zlib.error:
        return _zlib(-zlib.MAX_WBITS)(data)  # what some servers send instead: raw deflate


def _brotli_module() -> Any:
    """brotli, else brotlicffi (the same API), else None. Neither ships type hints: imported by name."""
    for name in ("brotli", "brotlicffi"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def brotli_available() -> bool:
    return _brotli_module() is not None


def _br(data: bytes) -> bytes:
    brotli = _brotli_module()
    if brotli is None:
        raise CodingError("br (Brotli) needs the brotli package, which is not installed (pip install brotli)")
    decompressor = brotli.Decompressor()
    try:
        out = decompressor.process(data, output_buffer_limit=MAX_DECODED_BYTES + 1)
    except TypeError:  # brotli before 1.2 and brotlicffi have no output limit
        out = decompressor.process(data)
    if len(out) > MAX_DECODED_BYTES:
        raise CodingError(_TOO_BIG)
    if not decompressor.is_finished():
        raise CodingError("the compressed data is cut short")
    return bytes(out)


def _zstd(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError:
        raise CodingError("zstd needs the zstandard package, which is not installed (pip install zstandard)") from None
    reader = zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
    out = reader.read(MAX_DECODED_BYTES + 1)
    if len(out) > MAX_DECODED_BYTES:
        raise CodingError(_TOO_BIG)
    return bytes(out)


DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _zlib(zlib.MAX_WBITS | 16),
    "x-gzip": _zlib(zlib.MAX_WBITS | 16),
    "deflate": _deflate,
    "br": _br,
    "zstd": _zstd,
}
_LIBRARY_ERRORS: tuple[type[BaseException], ...] = (zlib.error, EOFError, OSError)


def looks_encoded(data: bytes) -> bool:
    """True unless the bytes start as a JSON text does: a recorded body already decoded is left alone."""
    text = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is text's (the JSON reader reports it)
    head = text.lstrip(b" \t\r\n")[:1]
    return bool(head) and head not in b'{["-0123456789tfn'


def decode(data: bytes, content_encoding: str | None) -> bytes:
    """The body with its codings undone, last applied first; CodingError with one line if that fails."""
    for name in reversed(codings(content_encoding)):
        decoder = DECODERS.get(name)
        if decoder is None:
            raise CodingError(f"Content-Encoding {name!r} is not a coding this tool decodes")
        try:
            data = decoder(data)
        except CodingError as exc:
            raise CodingError(f"Content-Encoding {name}: {exc}") from None
        except _LIBRARY_ERRORS as exc:
            raise CodingError(f"Content-Encoding {name}: not valid {name} data ({exc})") from None
        except Exception as exc:  # brotli.error and zstandard.ZstdError derive from Exception only
            raise CodingError(f"Content-Encoding {name}: not valid {name} data ({type(exc).__name__})") from None
    return data
