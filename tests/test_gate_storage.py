"""Hypothesis's folder for a gate run: temporary, restored afterwards, and seeded with the UTF-8 table Hypothesis
would otherwise compute (1.3 s of CPU) in every run."""

from __future__ import annotations

import gzip
import json
import os
import types
import unicodedata
from pathlib import Path

import pytest

from rc_licenses_contract.gate.storage import UTF8_TABLE, UTF8_TABLE_NAME, hypothesis_storage, seed_tables


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home and a working folder of their own, to show the run leaves nothing in either."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


def test_the_seeded_table_is_the_one_hypothesis_computes_and_reads(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is where Hypothesis looks for it (same name, same format), and holds what Hypothesis's own
    loop over every code point finds. Were Hypothesis to compute it in the run instead of reading it, it would
    stop at the end of Unicode this test gives it (127), not at the real one."""
    from hypothesis.internal import charmap

    computed, lossy = charmap.intervals_from_codec.__wrapped__("utf-8")  # around its in-process memo
    with hypothesis_storage(schemathesis=True) as folder:
        written = folder / charmap.charmap_file("codec-v2-utf-8").relative_to(folder)
        assert written.name == UTF8_TABLE_NAME and written.is_file(), sorted(folder.rglob("*"))
        assert json.loads(gzip.decompress(written.read_bytes())) == [
            [list(pair) for pair in computed.intervals],
            [list(pair) for pair in lossy.intervals],
        ]
        with monkeypatch.context() as patched:
            patched.setattr(charmap, "sys", types.SimpleNamespace(maxunicode=127))
            encodable, _ = charmap.intervals_from_codec.__wrapped__("utf-8")
        assert list(encodable.intervals) == [tuple(pair) for pair in UTF8_TABLE[0]]


def test_hypothesis_before_6_165_finds_the_table_too(home: Path) -> None:
    """The gate allows Hypothesis 6.150 on; up to 6.164 it named the table `codec-utf-8` and kept the
    encodable intervals alone (6.165 added the ones that do not decode back, and the `v2`). Without it there,
    those versions computed it in every run."""
    from hypothesis.internal import charmap

    with hypothesis_storage(schemathesis=True) as folder:
        older = charmap.charmap_file("codec-utf-8")
        assert older.parent == folder / "unicode_data" / unicodedata.unidata_version
        assert older.is_file(), sorted(folder.rglob("*"))
        assert json.loads(gzip.decompress(older.read_bytes())) == UTF8_TABLE[0]


def test_the_run_leaves_nothing_behind(home: Path) -> None:
    with hypothesis_storage(schemathesis=True) as folder:
        assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(folder)
        (folder / "examples").mkdir()  # as Hypothesis keeps its examples database
    assert not folder.exists(), "the run's folder is removed"
    assert "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ, "the variable is restored"
    assert [p for p in home.rglob("*") if p.is_file()] == [], "nothing in the home or the working folder"


def test_a_table_already_there_is_kept_and_one_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs" / ".hypothesis"
    first = seed_tables(theirs)
    assert first is not None and first.is_file()
    first.write_bytes(b"what Hypothesis wrote")
    assert seed_tables(theirs) == first and first.read_bytes() == b"what Hypothesis wrote", "not overwritten"
    (tmp_path / "a-file").write_text("where the folder would be")
    assert seed_tables(tmp_path / "a-file") is None
    with hypothesis_storage(schemathesis=False) as folder:
        (folder / "unicode_data").rename(folder / "moved")  # the run goes on without the table
    assert not folder.exists()


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


def test_settings_come_back_and_the_folder_goes_when_seeding_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from rc_licenses_contract.gate import storage

    seeded: list[Path] = []

    def failing_seed(folder: Path) -> Path | None:
        seeded.append(folder)
        raise RuntimeError("not foreseen")

    monkeypatch.setattr(storage, "seed_tables", failing_seed)
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", "theirs")
    with pytest.raises(RuntimeError), hypothesis_storage(schemathesis=False):
        pass
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == "theirs"
    assert seeded and not seeded[0].exists()
