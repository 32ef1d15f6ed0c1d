"""Compressed captures: gzip, bzip2, xz and zstd, recognised by their first bytes, for files, folders and
standard input, streamed at flat memory; a broken archive is one line naming the file and line."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard

from .conftest import RunCli, cli_env
from .test_validate_cli import broken, compact, har_entry, no_traceback, run_measuring_peak_memory, seed

__all__ = ["seed"]

CODECS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": (".gz", gzip.compress),
    "bzip2": (".bz2", bz2.compress),
    "xz": (".xz", lzma.compress),
    "zstd": (".zst", zstandard.ZstdCompressor().compress),
}


def as_text(output: str | bytes) -> str:
    return output.decode() if isinstance(output, bytes) else output


def dump(seed: dict[str, Any]) -> bytes:
    return (compact(seed) + "\n" + compact(broken(seed)) + "\n" + compact(seed) + "\n").encode()


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_compressed_files_folders_and_stdin(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any], codec: str) -> None:
    suffix, compress = CODECS[codec]
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / f"dump.jsonl{suffix}").write_bytes(compress(dump(seed)))
    (folder / f"body.json{suffix}").write_bytes(compress(json.dumps(broken(seed), indent=2).encode()))
    har = {"log": {"entries": [har_entry("https://x/api/v1/licenses.info", 200, compact(broken(seed)))]}}
    (folder / f"session.har{suffix}").write_bytes(compress(json.dumps(har).encode()))
    (tmp_path / "misnamed.jsonl").write_bytes(compress(dump(seed)))  # by content, not by name
    done = run_cli("validate", "captures", "misnamed.jsonl")
    no_traceback(done)
    errors = sorted(line.split("::")[0] for line in done.stdout.splitlines() if line.startswith("error:"))
    assert errors == sorted(
        [
            f"error: {Path('captures') / f'body.json{suffix}'}",
            f"error: {Path('captures') / f'dump.jsonl{suffix}'}:2",
            f"error: {Path('captures') / f'session.har{suffix}'}#entry0[status=200]",
            "error: misnamed.jsonl:2",
        ]
    ), done.stdout
    assert "failed: 8 records, 4 valid, 4 invalid, 0 unreadable" in done.stdout
    piped = run_cli("validate", "-", input=compress(dump(seed)))
    out = as_text(piped.stdout)
    assert piped.returncode == 1 and "error: -:2::/license/trial" in out
    assert "3 records, 2 valid, 1 invalid" in out
    document = run_cli("validate", "-", input=compress(json.dumps(seed, indent=2).encode()))
    assert document.returncode == 0 and "1 records, 1 valid" in as_text(document.stdout)


def test_broken_archives_are_one_line_naming_file_and_line(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    lines = [compact(broken(seed) if n == 3 else seed) for n in range(1, 2001)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "truncated.jsonl.gz").write_bytes(whole[: len(whole) * 2 // 3])
    (tmp_path / "corrupt.json.xz").write_bytes(lzma.compress(json.dumps(seed).encode())[:20] + b"\x00" * 40)
    (tmp_path / "good.jsonl.gz").write_bytes(gzip.compress(dump(seed)))
    done = run_cli("validate", "truncated.jsonl.gz", "corrupt.json.xz", "good.jsonl.gz")
    no_traceback(done)
    assert done.returncode == 1
    out = done.stdout.splitlines()
    assert any(line.startswith("error: truncated.jsonl.gz:3::/license/trial") for line in out), out
    [truncated] = [line for line in out if line.startswith("unreadable: truncated.jsonl.gz:")]
    number = int(truncated.split(":")[2])
    assert 100 < number < 2000 and "gzip data broken" in truncated, truncated
    [corrupt] = [line for line in out if line.startswith("unreadable: corrupt.json.xz")]
    assert "xz data broken" in corrupt
    assert any(line.startswith("error: good.jsonl.gz:2::") for line in out), "the run went on"


def test_gzip_json_lines_stream_at_flat_memory(tmp_path: Path, seed: dict[str, Any]) -> None:
    good = compact(seed).encode()
    bad = compact(broken(seed)).encode()
    count = 12_000  # about 35 MB uncompressed: several chunks
    bad_lines = {4, 7_000, 12_000}
    with gzip.open(tmp_path / "big.jsonl.gz", "wb", compresslevel=1) as handle:
        for number in range(1, count + 1):
            handle.write((bad if number in bad_lines else good) + b"\n")
    for jobs in ("1", "2"):
        for how in ("big.jsonl.gz", "- < big.jsonl.gz"):
            script = f"{sys.executable} -m rc_licenses_contract validate --jobs {jobs} {how}"
            code, peak_kb, out = run_measuring_peak_memory(["bash", "-c", script], tmp_path)
            assert code == 1
            reported = sorted(int(line.split(":")[2]) for line in out.splitlines() if line.startswith("error:"))
            assert reported == sorted(bad_lines), out[:300]
            assert f"{count} records, {count - 3} valid, 3 invalid" in out
            assert peak_kb < 200 * 1024, f"peak {peak_kb / 1024:.0f} MB with --jobs {jobs}: {how}"


def test_zstd_without_the_package_is_one_line(tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "dump.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(dump(seed)))
    (tmp_path / "good.json").write_text(json.dumps(seed))
    code = (
        "import sys\nsys.modules['zstandard'] = None\n"
        "from rc_licenses_contract.cli import main\nsys.exit(main(['validate', 'dump.jsonl.zst', 'good.json']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=cli_env(), check=False
    )
    no_traceback(done)
    assert done.returncode == 1
    assert "unreadable: dump.jsonl.zst: zstd-compressed, and the zstandard package is not installed" in done.stdout
    assert "2 records, 1 valid, 0 invalid, 1 unreadable" in done.stdout
