"""Hypothesis's working folder for one gate run.

Hypothesis and Schemathesis write working files into the current folder unless told otherwise, so each run
gets a temporary folder and leaves nothing in the user's project. Hypothesis also keeps the Unicode tables it
derives there (which characters a codec can encode, by category): computing them costs about a second of CPU,
once per process, so the tables alone are kept between runs in the user's cache folder and seeded into each
run's folder. They hold nothing about the workspace; a table that does not read is recomputed by Hypothesis.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TABLES = "unicode_data"  # Hypothesis's sub-folder for its Unicode tables
_TABLE_SUFFIX = ".json.gz"
_TABLE_MAX_BYTES = 1 << 20  # the tables are kilobytes; anything larger is not one of them


def cache_folder() -> Path | None:
    """Where the tables are kept between runs: the platform's per-user cache folder (XDG: a relative
    $XDG_CACHE_HOME is ignored). None when there is no home folder to put it in."""
    windows = os.environ.get("LOCALAPPDATA", "") if sys.platform == "win32" else ""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if windows and Path(windows).is_absolute():
        root = Path(windows)
    elif xdg and Path(xdg).is_absolute():
        root = Path(xdg)
    else:
        try:
            root = Path.home() / ".cache"
        except (RuntimeError, KeyError):  # no $HOME and no password entry: a container's nobody
            return None
    return root / "rc-licenses-contract" / "hypothesis" / TABLES


@contextmanager
def hypothesis_storage(schemathesis: bool) -> Iterator[Path]:
    """A temporary Hypothesis folder for the run, with the cached tables in it; new tables go back to the
    cache afterwards. The previous folder settings come back at the end."""
    storage = tempfile.TemporaryDirectory(prefix="rc-gate-")
    folder = Path(storage.name)
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    hypothesis_home: Any = None
    previous_home: Any = None
    cache: Path | None = None
    try:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = storage.name
        if schemathesis:
            # Inside pytest, Hypothesis has usually fixed its folder (./.hypothesis) before the variable is read.
            from hypothesis import configuration

            previous_home = getattr(configuration, "__hypothesis_home_directory", None)  # None: not fixed yet
            hypothesis_home = configuration
            hypothesis_home.set_hypothesis_home_dir(storage.name)
        cache = cache_folder()
        if cache is not None:
            copy_tables(cache, folder / TABLES)
        yield folder
    finally:
        if cache is not None:
            copy_tables(folder / TABLES, cache)
        if hypothesis_home is not None:
            hypothesis_home.set_hypothesis_home_dir(previous_home)  # the folder it had, or none fixed yet
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
        storage.cleanup()


def copy_tables(source: Path, target: Path) -> int:
    """Copy the tables `target` lacks; returns how many. Best effort, as a cache is: a folder that cannot be
    read or written only means the tables are computed again."""
    copied = 0
    try:
        tables = [path for path in source.glob(f"*/*{_TABLE_SUFFIX}") if path.is_file() and not path.is_symlink()]
    except OSError:
        return 0
    for table in tables:
        destination = target / table.relative_to(source)
        try:
            if destination.exists() or table.stat().st_size > _TABLE_MAX_BYTES:
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            # Written beside its place, then renamed: a run reading the cache never sees half a table.
            handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=".partial-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(table.read_bytes())
                os.replace(partial, destination)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
            copied += 1
        except OSError:
            continue
    return copied
