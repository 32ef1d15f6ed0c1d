"""Sources: where the bytes come from. Each kind claims the arguments it understands (`-`, URLs, local
paths), expands them into `Source`s and opens them; adding a kind is one module and one entry in `KINDS`.

Everything is found before the report is opened, so the report file can be refused when it is one of the
inputs and is never read back when it is written inside a folder being validated.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from .local import LocalFinder

STDIN = "-"


@dataclass(frozen=True)
class Source:
    name: str  # as given or found; escaped on output
    kind: str  # an input format's name, or "auto": decided from the content
    path: Path | None = None  # a local file
    url: str | None = None  # a remote object (fsspec), credentials never in `name`
    size: int = -1  # -1: unknown (a stream)
    regular: bool = False  # a regular file: it can be read by byte ranges, in any process
    problem: str | None = None  # a source that cannot even be opened


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    local: LocalFinder | None = field(default=None, repr=False)  # what local arguments share (links seen…)


def _stdin(argument: str, input_format: str, output: Path | None, result: Discovery) -> None:
    if any(source.name == STDIN and source.path is None for source in result.sources):
        # Like a file named twice: standard input has one content, and a second read would find it empty.
        result.notes.append(f"{STDIN}: standard input named more than once; read once")
        return
    result.sources.append(Source(STDIN, input_format))


def _local_finder(input_format: str, output: Path | None, result: Discovery) -> LocalFinder:
    from .local import LocalFinder

    if result.local is None:
        result.local = LocalFinder(input_format, output, result)
    return result.local


def _local(argument: str, input_format: str, output: Path | None, result: Discovery) -> None:
    _local_finder(input_format, output, result).argument(argument)


def _file_url(argument: str, input_format: str, output: Path | None, result: Discovery) -> None:
    """`file://` URLs are local paths, with every local safeguard; a pattern is expanded like the shell's."""
    import glob
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    path = url2pathname(urlsplit(argument).path)
    matches = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
    if not matches:
        result.notes.append(f"{argument}: matched nothing")
    for match in matches:
        _local(match, input_format, output, result)


def _remote(argument: str, input_format: str, output: Path | None, result: Discovery) -> None:
    from .remote import expand  # fsspec is imported only when a URL is given

    expand(argument, input_format, result)


def _is_url(argument: str) -> bool:
    scheme, sep, _ = argument.partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").isalnum()


Expand = Callable[[str, str, "Path | None", Discovery], None]
# (claims the argument?, expands it): asked in order; local paths take whatever is left.
KINDS: tuple[tuple[Callable[[str], bool], Expand], ...] = (
    (lambda argument: argument == STDIN, _stdin),
    (lambda argument: argument.lower().startswith("file://"), _file_url),
    (_is_url, _remote),
    (lambda argument: True, _local),
)


def discover(paths: list[str], input_format: str = "auto", output: Path | None = None) -> Discovery:
    """Expand arguments into sources; a path that does not exist at all is a usage error."""
    result = Discovery()
    if output is not None:
        _local_finder(input_format, output, result)  # checks the report target before anything else
    for argument in paths:
        expand = next(expand for claims, expand in KINDS if claims(argument))
        expand(argument, input_format, output, result)
    return result


def open_source(source: Source, stdin: BinaryIO | None) -> AbstractContextManager[BinaryIO]:
    """The source's raw bytes; standard input is borrowed, not closed."""
    if source.url is not None:
        from .remote import open_url

        return open_url(source.url)
    if source.path is None:
        return nullcontext(stdin if stdin is not None else sys.stdin.buffer)
    return source.path.open("rb")
