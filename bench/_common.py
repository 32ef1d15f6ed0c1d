"""Helpers shared by the benchmark scripts: timing subprocesses and measuring peak memory."""

from __future__ import annotations

import socket
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


_PEAK_HELPER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
)


def peak_rss_mb(command: list[str]) -> tuple[float, int]:
    """Peak resident memory (MB) of the largest process of a command (itself or a worker it waited for).

    Measured from a small helper process: a child forked straight from this (large) benchmark process
    would start with this process's memory as its high-water mark.
    """
    out = subprocess.run([sys.executable, "-c", _PEAK_HELPER, *command], capture_output=True, text=True, check=True)
    kilobytes, code = out.stdout.split()
    return int(kilobytes) / 1024, int(code)


def row(label: str, seconds: float, baseline: float, note: str = "") -> str:
    return f"{label:<46} {seconds:8.3f} s  {seconds / baseline:6.2f}x  {note}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")
