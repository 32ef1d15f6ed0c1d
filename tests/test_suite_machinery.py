"""The suite's own speed-ups (tests/conftest.py) never cost a result: at worst they lose the shortcut."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .conftest import _cache_rewritten_test_modules, _scratch_files_in_memory


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


@pytest.mark.parametrize(
    ("options", "tmpdir", "min_free", "moved"),
    [
        ("rw,nosuid,nodev", "", 0, True),
        ("rw,nosuid,nodev,noexec", "", 0, False),  # the virtual environments' scripts could not run there
        ("ro,nosuid", "", 0, False),
        ("rw,nosuid,nodev", "/their/choice", 0, False),
        ("rw,nosuid,nodev", "", 1 << 60, False),  # no room to spare
        (None, "", 0, False),  # not a RAM disk
        ("over", "", 0, False),  # a RAM disk with a disk mounted over it: the last mount is the one in effect
    ],
)
def test_scratch_files_go_to_a_ram_disk_only_where_programs_can_run_and_no_tmpdir_was_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: str | None, tmpdir: str, min_free: int, moved: bool
) -> None:
    shm, mounts = tmp_path / "shm", tmp_path / "mounts"
    shm.mkdir()
    lines = ["/dev/vda / ext4 rw,relatime 0 0"] + ([f"tmpfs {shm} tmpfs {options} 0 0"] if options else [])
    if options == "over":
        lines[1:] = [f"tmpfs {shm} tmpfs rw,nosuid 0 0", f"/dev/vdb {shm} ext4 rw,relatime 0 0"]
    mounts.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)  # restored after the test
    monkeypatch.setenv("TMPDIR", tmpdir or "noted")  # noted first: the value it had comes back even if unset
    if not tmpdir:
        monkeypatch.delenv("TMPDIR")
    assert _scratch_files_in_memory(shm, mounts, min_free) is moved
    assert os.environ.get("TMPDIR", "") == (str(shm) if moved else tmpdir)
    if moved:
        assert Path(tempfile.gettempdir()) == shm
