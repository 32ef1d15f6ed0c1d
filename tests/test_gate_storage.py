"""Hypothesis's folder for a gate run: temporary, seeded with the Unicode tables kept in the user's cache."""

from __future__ import annotations

import gzip
import json
import os
import sys
import types
import unicodedata
import zlib
from pathlib import Path

import pytest

from rc_licenses_contract.gate.storage import TABLES, cache_folder, copy_tables, hypothesis_storage

VERSION = unicodedata.unidata_version  # Hypothesis's tables are per Unicode version: this Python's
UTF8 = [[[0, 0xD7FF], [0xE000, sys.maxunicode]], []]  # what Hypothesis writes for UTF-8: all but surrogates
ASCII = [[[0, 127]], []]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    folder = cache_folder()
    assert folder is not None
    return folder


def _table(path: Path, content: object) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(json.dumps(content).encode(), mtime=1)
    path.write_bytes(data)
    return data


def test_the_cache_follows_xdg_cache_home(cache: Path, tmp_path: Path) -> None:
    assert cache == tmp_path / "xdg" / "rc-licenses-contract" / "hypothesis" / TABLES


def test_kept_tables_are_seeded_and_new_ones_kept(cache: Path) -> None:
    kept = _table(cache / VERSION / "codec-v2-utf-8.json.gz", UTF8)
    with hypothesis_storage(schemathesis=True) as folder:
        assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(folder)
        assert (folder / TABLES / VERSION / "codec-v2-utf-8.json.gz").read_bytes() == kept
        new = _table(folder / TABLES / VERSION / "codec-v2-ascii.json.gz", ASCII)
    assert not folder.exists(), "the run's folder is removed"
    assert "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ, "the variable is restored"
    assert (cache / VERSION / "codec-v2-ascii.json.gz").read_bytes() == new
    assert sorted(p.name for p in cache.rglob("*")) == [VERSION, "codec-v2-ascii.json.gz", "codec-v2-utf-8.json.gz"]


def test_hypothesis_reads_the_seeded_table(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache only helps if Hypothesis looks where we put it. Were it to compute the table instead, it
    would stop at the end of Unicode this test gives it (127), not at the real one the seeded table names."""
    from hypothesis.internal import charmap

    _table(cache / VERSION / "codec-v2-utf-8.json.gz", UTF8)
    monkeypatch.setattr(charmap, "sys", types.SimpleNamespace(maxunicode=127))
    with hypothesis_storage(schemathesis=True):
        encodable, _ = charmap.intervals_from_codec.__wrapped__("utf-8")  # around its in-process memo
    assert list(encodable.intervals) == [(0, 0xD7FF), (0xE000, sys.maxunicode)]


def test_only_small_regular_tables_are_copied(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    _table(source / VERSION / "codec-v2-ascii.json.gz", ASCII)
    (source / VERSION / "notes.txt").write_text("not a table")
    (source / VERSION / "codec-v2-cp1252.json.gz").write_bytes(b"\0" * (2 << 20))
    (source / VERSION / "codec-v2-latin-1.json.gz").symlink_to(source / VERSION / "codec-v2-ascii.json.gz")
    os.mkfifo(source / VERSION / "codec-v2-cp437.json.gz")
    kept = _table(target / VERSION / "codec-v2-utf-8.json.gz", UTF8)
    _table(source / VERSION / "codec-v2-utf-8.json.gz", [[[0, 0xD7FF]], []])  # a wrong one: not taken
    assert copy_tables(source, target) == 1
    assert sorted(p.name for p in (target / VERSION).iterdir()) == ["codec-v2-ascii.json.gz", "codec-v2-utf-8.json.gz"]
    assert (target / VERSION / "codec-v2-utf-8.json.gz").read_bytes() == kept, "not overwritten"


@pytest.mark.parametrize("xdg", ["", "relative/cache"])
def test_without_an_absolute_xdg_cache_home_the_home_folder_is_used(
    xdg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_folder() == tmp_path / ".cache" / "rc-licenses-contract" / "hypothesis" / TABLES


def test_without_a_home_folder_the_run_goes_on_without_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert cache_folder() is None
    with hypothesis_storage(schemathesis=False) as folder:
        assert folder.is_dir()
    assert not folder.exists()


def test_a_relative_home_folder_means_no_cache_not_one_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "relative/home")
    monkeypatch.chdir(tmp_path)
    assert cache_folder() is None
    with hypothesis_storage(schemathesis=False) as folder:
        _table(folder / TABLES / VERSION / "codec-v2-ascii.json.gz", ASCII)
    assert list(tmp_path.iterdir()) == [], "nothing written into the current folder"


def test_a_cache_that_cannot_be_used_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "xdg").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with hypothesis_storage(schemathesis=False) as folder:
        _table(folder / TABLES / VERSION / "codec-v2-ascii.json.gz", ASCII)
    assert (tmp_path / "xdg").read_text().startswith("a file"), "left as it was"
    assert copy_tables(tmp_path / "missing", tmp_path / "target") == 0


def _bomb(path: Path, unzipped: int) -> None:
    """A small gzip file that unzips to `unzipped` bytes of JSON (a list padded with spaces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunks = [packer.compress(b"[")]
    chunks += [packer.compress(b" " * (1 << 20)) for _ in range(unzipped >> 20)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join([*chunks, packer.compress(b"]"), packer.flush()]))


def test_a_bad_table_in_the_cache_is_not_seeded_and_is_replaced_by_a_good_one(cache: Path) -> None:
    """Hypothesis recomputes a table it cannot parse, but one in the wrong shape ends the gate (exit 70, every
    run, since the cache keeps it), and a wrong one skews what it generates: neither is seeded, and the table
    Hypothesis computes instead replaces it in the cache."""
    tables = cache / VERSION
    _table(tables / "charmap.json.gz", [["Lu", 5]])  # Hypothesis: TypeError: 'int' object is not iterable
    _table(tables / "codec-v2-utf-8.json.gz", ASCII)  # well formed, but UTF-8 encodes far more than ASCII
    _table(tables / "codec-v2-ascii.json.gz", [[[0, 127]], [[65, 65]]])  # 'A' does round-trip in ASCII
    _table(tables / "codec-v2-no-such-codec.json.gz", ASCII)
    (tables / "codec-v2-cp1252.json.gz").write_bytes(b"\x1f\x8b not gzip")
    _bomb(tables / "codec-v2-latin-1.json.gz", 8 << 20)
    with hypothesis_storage(schemathesis=True) as folder:
        assert not (folder / TABLES).exists(), "no bad table seeded"
        good = _table(folder / TABLES / VERSION / "codec-v2-utf-8.json.gz", UTF8)  # as Hypothesis writes it
    assert (tables / "codec-v2-utf-8.json.gz").read_bytes() == good, "the bad one replaced"
    assert sorted(p.name for p in tables.iterdir()) == [
        "charmap.json.gz",
        "codec-v2-ascii.json.gz",
        "codec-v2-cp1252.json.gz",
        "codec-v2-latin-1.json.gz",
        "codec-v2-no-such-codec.json.gz",
        "codec-v2-utf-8.json.gz",
    ], "nothing else written (no partial file left)"


def test_hypothesis_own_tables_are_good(cache: Path) -> None:
    """The check accepts what Hypothesis writes (else the cache would never be used): its charmap, as this
    worker already holds it, and a codec table Hypothesis computes and writes itself."""
    from hypothesis.internal import charmap

    _table(cache / VERSION / "charmap.json.gz", sorted(charmap.charmap().items()))
    with hypothesis_storage(schemathesis=True) as folder:
        assert (folder / TABLES / VERSION / "charmap.json.gz").is_file(), "seeded"
        charmap.intervals_from_codec.__wrapped__("cp1252")  # computed: the cache has none
    assert (cache / VERSION / "codec-v2-cp1252.json.gz").is_file(), "kept"


def test_hypothesis_home_folder_is_restored_as_it_was(tmp_path: Path) -> None:
    """A process (pytest) whose Hypothesis folder was fixed before the run has that folder after it, even
    when the run raises."""
    from hypothesis import configuration

    before = getattr(configuration, "__hypothesis_home_directory")
    configuration.set_hypothesis_home_dir(tmp_path / "mine")
    try:
        with pytest.raises(KeyboardInterrupt), hypothesis_storage(schemathesis=True) as folder:
            assert configuration.storage_directory("x", intent_to_write=False).path == folder / "x"
            raise KeyboardInterrupt
        assert configuration.storage_directory("x", intent_to_write=False).path == tmp_path / "mine" / "x"
    finally:
        configuration.set_hypothesis_home_dir(before)


def test_settings_come_back_and_the_folder_goes_when_keeping_the_tables_fails(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rc_licenses_contract.gate import storage

    def failing_copy(source: Path, target: Path, skip: object = ()) -> int:
        if target == cache:
            raise RuntimeError("not foreseen")
        return 0

    monkeypatch.setattr(storage, "copy_tables", failing_copy)
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", "theirs")
    with pytest.raises(RuntimeError), hypothesis_storage(schemathesis=False) as folder:
        pass
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == "theirs"
    assert not folder.exists()
