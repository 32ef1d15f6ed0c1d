"""The suite's own speed-ups (tests/conftest.py) never cost a result: at worst they lose the shortcut."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rc_licenses_contract.gate.storage import _good_table, cache_folder

from .conftest import _cache_rewritten_test_modules, _make_the_unicode_tables


def test_a_test_module_that_does_not_compile_is_left_to_its_collection(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """Caching the rewritten modules before the run must not end the run on one module's syntax error
    (pytest's INTERNALERROR, every other result lost): pytest reports that module when it collects it."""
    from _pytest.assertion import rewrite

    (tmp_path / "test_broken.py").write_text("def test_x(:\n    pass\n")
    (tmp_path / "test_fine.py").write_text("def test_y() -> None:\n    assert 1 + 1 == 2\n")
    _cache_rewritten_test_modules(pytestconfig, tmp_path)  # conftest.py missing as well: no error either
    fine = tmp_path / "test_fine.py"
    cached = rewrite.get_cache_dir(fine) / ("test_fine" + rewrite.PYC_TAIL)
    assert rewrite._read_pyc(fine, cached) is not None, "the modules after the broken one are still cached"
    assert not (rewrite.get_cache_dir(fine) / ("test_broken" + rewrite.PYC_TAIL)).exists()


def test_the_unicode_tables_made_before_the_workers_start_are_the_ones_the_gate_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    cache = cache_folder()
    assert cache is not None
    maker = _make_the_unicode_tables()
    assert maker is not None and maker.wait(timeout=60) == 0
    tables = sorted(path.relative_to(cache).as_posix() for path in cache.rglob("*.json.gz"))
    version = unicodedata.unidata_version
    assert tables == [f"{version}/charmap.json.gz", f"{version}/codec-v2-utf-8.json.gz"]
    assert all(_good_table(cache / table) is not None for table in tables), "what the gate would accept"
    assert _make_the_unicode_tables() is None, "made once: a machine that has them starts nothing"
