"""The suite's own speed-ups (tests/conftest.py) never cost a result: at worst they lose the shortcut."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import _cache_rewritten_test_modules


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
