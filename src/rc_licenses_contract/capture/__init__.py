"""`validate` as a pipeline: sources → input formats → records → one checker → results → reporters.

- `sources`: where bytes come from (local files and folders, standard input and pipes), found once,
  before anything is written, so a report can never be read back as an input.
- `compression`: codecs recognised by magic bytes.
- `streams`: how a source's bytes become units: byte ranges of regular files, or newline-aligned chunks
  read from a stream.
- `formats`: how a unit's bytes become records (`json`, `jsonl`, `har`), registered by name.
- `checker`: the one checker, a record in, a `RecordResult` out.
- `distributed`: the same units on a Dask cluster (`--scheduler`).
- `library`: `check_records`, `merge_results`, `validate_bag`, for data teams' own Dask or Spark jobs.
- `runner`: units checked in order on one process or several; the summary.

Reporters (`..reporters`) only render results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Discovery", "ValidateOptions", "check_records", "discover", "merge_results", "run", "validate_bag"]

if TYPE_CHECKING:
    from .library import check_records, merge_results, validate_bag
    from .options import ValidateOptions
    from .runner import run
    from .sources import Discovery, discover


def __getattr__(name: str) -> Any:
    # Lazy: the CLI reads the format registry for every command's --help without loading the engines.
    if name == "ValidateOptions":
        from .options import ValidateOptions

        return ValidateOptions
    if name == "run":
        from .runner import run

        return run
    if name in ("check_records", "merge_results", "validate_bag"):
        from . import library

        return getattr(library, name)
    if name in ("Discovery", "discover"):
        from . import sources

        return getattr(sources, name)
    raise AttributeError(name)
