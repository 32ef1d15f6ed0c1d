"""Hypothesis's working folder for one gate run.

Hypothesis and Schemathesis write working files into the current folder unless told otherwise, so each run
gets a temporary folder and leaves nothing in the user's project or home. Before it generates strings,
Hypothesis derives a table of the characters UTF-8 can encode, by trying every code point: about 1.3 s of
CPU, a third of `gate --mock`, in every run (its folder is new each time). That table is known without
trying: every code point but the surrogates, each of which decodes back. So each run's folder starts with
it, under the name and in the format Hypothesis writes it; Hypothesis computes anything else it needs.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TABLES = "unicode_data"  # Hypothesis's sub-folder for its Unicode tables, one folder per Unicode version
# Hypothesis's table for a codec: [encodable intervals, intervals that encode but do not decode back].
UTF8_TABLE_NAME = "codec-v2-utf-8.json.gz"
UTF8_TABLE = [[[0, 0xD7FF], [0xE000, sys.maxunicode]], []]
# Hypothesis 6.150 to 6.164 (the gate allows 6.150 on): the encodable intervals alone, under this name.
_UTF8_TABLE_NAME_BEFORE_6_165 = "codec-utf-8.json.gz"


@contextmanager
def hypothesis_storage(schemathesis: bool) -> Iterator[Path]:
    """A temporary Hypothesis folder for the run, with the known tables in it. The previous folder settings
    come back at the end."""
    storage = tempfile.TemporaryDirectory(prefix="rc-gate-")
    folder = Path(storage.name)
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    hypothesis_home: Any = None
    previous_home: Any = None
    try:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = storage.name
        if schemathesis:
            # Inside pytest, Hypothesis has usually fixed its folder (./.hypothesis) before the variable is read.
            from hypothesis import configuration

            previous_home = getattr(configuration, "__hypothesis_home_directory", None)  # None: not fixed yet
            hypothesis_home = configuration
            hypothesis_home.set_hypothesis_home_dir(storage.name)
        seed_tables(folder)
        yield folder
    finally:
        if hypothesis_home is not None:
            hypothesis_home.set_hypothesis_home_dir(previous_home)  # the folder it had, or none fixed yet
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
        storage.cleanup()


def seed_tables(folder: Path) -> Path | None:
    """Put the UTF-8 table where Hypothesis looks for it under its folder `folder` (in the form of each
    Hypothesis the gate allows), unless one is there; returns its path. A table that cannot be written is no
    error: Hypothesis computes it, as it would."""
    tables = folder / TABLES / unicodedata.unidata_version
    _seed(tables / _UTF8_TABLE_NAME_BEFORE_6_165, UTF8_TABLE[0])
    return tables / UTF8_TABLE_NAME if _seed(tables / UTF8_TABLE_NAME, UTF8_TABLE) else None


def _seed(table: Path, content: object) -> bool:
    try:
        if not table.exists():
            table.parent.mkdir(parents=True, exist_ok=True)
            table.write_bytes(gzip.compress(json.dumps(content).encode(), mtime=1))  # as Hypothesis writes it
    except OSError:
        return False
    return True
