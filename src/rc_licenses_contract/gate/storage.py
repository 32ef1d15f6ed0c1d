"""Hypothesis's working folder for one gate run.

Hypothesis and Schemathesis write working files into the current folder unless told otherwise, so each run
gets a temporary folder and leaves nothing in the user's project. Hypothesis also keeps the Unicode tables it
derives there (which characters a codec can encode, by category): computing them costs about a second of CPU,
once per process, so the tables alone are kept between runs in the user's cache folder and seeded into each
run's folder. They hold nothing about the workspace. Hypothesis recomputes a table it cannot unzip or parse,
but one in the wrong shape ends the run (and a wrong one skews what it generates), so only a table that is
what Hypothesis would have written is copied either way; a bad one in the cache is replaced after the run.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
import sys
import tempfile
import unicodedata
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TABLES = "unicode_data"  # Hypothesis's sub-folder for its Unicode tables
_TABLE_SUFFIX = ".json.gz"
_TABLE_MAX_BYTES = 1 << 20  # the tables are kilobytes; anything larger is not one of them
_TABLE_MAX_TEXT = 4 << 20  # unzipped (the full charmap is 60 kB): more is a zip bomb, not a table
_CODEC_PREFIX = "codec-v2-"


def cache_folder() -> Path | None:
    """Where the tables are kept between runs: the platform's per-user cache folder (XDG: a relative
    $XDG_CACHE_HOME is ignored). None when there is no home folder to put it in (or only a relative one)."""
    windows = os.environ.get("LOCALAPPDATA", "") if sys.platform == "win32" else ""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if windows and Path(windows).is_absolute():
        root = Path(windows)
    elif xdg and Path(xdg).is_absolute():
        root = Path(xdg)
    else:
        try:
            home = Path.home()
        except (RuntimeError, KeyError):  # no $HOME and no password entry: a container's nobody
            return None
        if not home.is_absolute():  # a relative $HOME would put the cache in the current folder
            return None
        root = home / ".cache"
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
    seeded: set[Path] = set()
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
        seeded = {table.relative_to(folder / TABLES) for table in (folder / TABLES).glob(f"*/*{_TABLE_SUFFIX}")}
        yield folder
    finally:
        # The settings first: they come back even if keeping the tables fails in a way not foreseen.
        if hypothesis_home is not None:
            hypothesis_home.set_hypothesis_home_dir(previous_home)  # the folder it had, or none fixed yet
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
        try:
            if cache is not None:
                copy_tables(folder / TABLES, cache, skip=seeded)  # those came from there, checked
        finally:
            storage.cleanup()


def copy_tables(source: Path, target: Path, skip: Collection[Path] = ()) -> int:
    """Copy the good tables `target` lacks (or holds bad), but those at the paths in `skip` (relative to
    `source`); returns how many. Best effort, as a cache is: a folder that cannot be read or written only
    means the tables are computed again."""
    copied = 0
    try:
        tables = [path for path in source.glob(f"*/*{_TABLE_SUFFIX}") if path.is_file() and not path.is_symlink()]
    except OSError:
        return 0
    for table in tables:
        if table.relative_to(source) in skip:
            continue
        destination = target / table.relative_to(source)
        try:
            if _good_table(destination) is not None:
                continue
            data = _good_table(table)
            if data is None:
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            # Written beside its place, then renamed: a run reading the cache never sees half a table.
            handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=".partial-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(partial, destination)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
            copied += 1
        except OSError:
            continue
    return copied


def _good_table(path: Path) -> bytes | None:
    """The bytes of `path` if it is a table Hypothesis would have written for this Python, else None: a small
    regular file (opened without following a link or waiting on a pipe), one gzip member of JSON in the
    table's shape, whose intervals agree with this Python's Unicode data at their edges."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        data = file.read(_TABLE_MAX_BYTES + 1)
    if len(data) > _TABLE_MAX_BYTES:
        return None
    try:
        unzip = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        text = unzip.decompress(data, _TABLE_MAX_TEXT)
        if not unzip.eof or unzip.unused_data or unzip.unconsumed_tail:
            return None
        content = json.loads(text)
    except (zlib.error, ValueError, RecursionError):
        return None
    if path.parent.name != unicodedata.unidata_version:
        return None
    name = path.name[: -len(_TABLE_SUFFIX)]
    if name == "charmap":
        good = _good_charmap(content)
    elif name.startswith(_CODEC_PREFIX):
        good = _good_codec_table(name[len(_CODEC_PREFIX) :], content)
    else:
        good = False  # a table this code does not know: Hypothesis's to make
    return data if good else None


def _intervals(value: object) -> list[tuple[int, int]] | None:
    """JSON's `[[first, last], ...]`, sorted and apart, of code points; None for anything else."""
    if not isinstance(value, list):
        return None
    pairs: list[tuple[int, int]] = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(x) is int for x in pair)):
            return None
        first, last = pair
        if not 0 <= first <= last <= sys.maxunicode or (pairs and first <= pairs[-1][1]):
            return None
        pairs.append((first, last))
    return pairs


def _good_charmap(content: object) -> bool:
    """Unicode's general categories: every code point in exactly one, each interval's edges in its own."""
    if not isinstance(content, list) or not content:
        return False
    covered: list[tuple[int, int]] = []
    names = set()
    for entry in content:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)) or entry[0] in names:
            return False
        names.add(entry[0])
        pairs = _intervals(entry[1])
        if pairs is None:
            return False
        for first, last in pairs:
            if unicodedata.category(chr(first)) != entry[0] or unicodedata.category(chr(last)) != entry[0]:
                return False
        covered += pairs
    covered.sort()
    end = -1
    for first, last in covered:
        if first != end + 1:
            return False
        end = last
    return end == sys.maxunicode


def _good_codec_table(codec: str, content: object) -> bool:
    """The characters a codec encodes, and those of them that do not decode back: checked at every edge."""
    try:
        if codecs.lookup(codec).name != codec:
            return False
    except (LookupError, ValueError):  # a name Python does not know as a codec
        return False
    if not (isinstance(content, list) and len(content) == 2):
        return False
    encodable, lossy = _intervals(content[0]), _intervals(content[1])
    if encodable is None or lossy is None:
        return False

    def encodes(code: int) -> bool:
        try:
            chr(code).encode(codec)
        except Exception:  # usually UnicodeEncodeError, but not always (as Hypothesis found)
            return False
        return True

    def roundtrips(code: int) -> bool:
        try:
            return chr(code).encode(codec).decode(codec) == chr(code)
        except Exception:
            return False

    for first, last in encodable:
        if not (encodes(first) and encodes(last)):
            return False
        if (first > 0 and encodes(first - 1)) or (last < sys.maxunicode and encodes(last + 1)):
            return False
    return all(encodes(code) and not roundtrips(code) for first, last in lossy for code in (first, last))
