"""Hypothesis's folder for a gate run: temporary, seeded with the Unicode tables kept in the user's cache."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from rc_licenses_contract.gate.storage import TABLES, cache_folder, copy_tables, hypothesis_storage


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
    kept = _table(cache / "14.0.0" / "charmap.json.gz", [["Lu", [[65, 90]]]])
    with hypothesis_storage(schemathesis=True) as folder:
        assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(folder)
        assert (folder / TABLES / "14.0.0" / "charmap.json.gz").read_bytes() == kept
        new = _table(folder / TABLES / "14.0.0" / "codec-v2-ascii.json.gz", [[[0, 127]], []])
    assert not folder.exists(), "the run's folder is removed"
    assert "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ, "the variable is restored"
    assert (cache / "14.0.0" / "codec-v2-ascii.json.gz").read_bytes() == new
    assert sorted(p.name for p in cache.rglob("*")) == ["14.0.0", "charmap.json.gz", "codec-v2-ascii.json.gz"]


def test_hypothesis_reads_the_seeded_table(cache: Path) -> None:
    """The cache only helps if Hypothesis looks where we put it: a table it can only have read from the
    seeded folder (all of Unicode is encodable in UTF-8; this one claims ASCII only)."""
    import unicodedata

    from hypothesis.internal import charmap

    _table(cache / unicodedata.unidata_version / "codec-v2-utf-8.json.gz", [[[0, 127]], []])
    with hypothesis_storage(schemathesis=True):
        encodable, _ = charmap.intervals_from_codec.__wrapped__("utf-8")  # around its in-process memo
    assert list(encodable.intervals) == [(0, 127)]


def test_only_small_regular_tables_are_copied(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    _table(source / "14.0.0" / "charmap.json.gz", [])
    (source / "14.0.0" / "notes.txt").write_text("not a table")
    (source / "14.0.0" / "huge.json.gz").write_bytes(b"\0" * (2 << 20))
    (source / "14.0.0" / "linked.json.gz").symlink_to(source / "14.0.0" / "charmap.json.gz")
    _table(target / "14.0.0" / "kept.json.gz", [1])
    (source / "14.0.0" / "kept.json.gz").write_bytes(b"other")
    assert copy_tables(source, target) == 1
    assert sorted(p.name for p in (target / "14.0.0").iterdir()) == ["charmap.json.gz", "kept.json.gz"]
    assert gzip.decompress((target / "14.0.0" / "kept.json.gz").read_bytes()) == b"[1]", "not overwritten"


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


def test_a_cache_that_cannot_be_used_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "xdg").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with hypothesis_storage(schemathesis=False) as folder:
        _table(folder / TABLES / "14.0.0" / "charmap.json.gz", [])
    assert (tmp_path / "xdg").read_text().startswith("a file"), "left as it was"
    assert copy_tables(tmp_path / "missing", tmp_path / "target") == 0


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
