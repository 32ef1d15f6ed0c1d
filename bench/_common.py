"""Helpers shared by the benchmark scripts: timing subprocesses and measuring peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], *, env: dict[str, str] | None = None, repeat: int = 1) -> tuple[float, int]:
    """Best wall time of `repeat` runs, and the exit code of the last one."""
    best = float("inf")
    code = 0
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        best = min(best, time.perf_counter() - started)
        code = done.returncode
    return best, code


def peak_rss_mb(command: list[str]) -> tuple[float, int]:
    """Peak resident memory (MB) of the largest process of a command (itself or a worker it waited for).

    wait4's rusage covers exactly this command's process tree; RUSAGE_CHILDREN would also count every
    earlier child of the benchmark.
    """
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, process.returncode


def row(label: str, seconds: float, baseline: float, note: str = "") -> str:
    return f"{label:<46} {seconds:8.3f} s  {seconds / baseline:6.2f}x  {note}"
