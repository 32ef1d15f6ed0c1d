"""Benchmark the mock against a bare Starlette route on the same server stack, and against Prism.

For 10 s at 32 connections on loopback (wrk when installed, else a Python load generator), prints
requests/s and p99 latency of:
- our mock, authorised 200 (the admin, who bypasses the rate limiter);
- a bare Starlette route returning a fixed body of the same size on uvicorn (the ceiling);
- Prism (`prism mock openapi.yaml`) when npm and tooling/node_modules are available.

Targets on a 2-core machine: at least 3x Prism's requests/s, at least 60% of the ceiling, p99 < 5 ms.

    python bench/mock.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, free_port, wait_ready

ADMIN = {"X-User-Id": "rc-demo-admin", "X-Auth-Token": "demo-admin-token"}
PATH = "/api/v1/licenses.info"

BARE_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
BODY = open(sys.argv[2], "rb").read()
async def fixed(request):
    return Response(BODY, media_type="application/json")
app = Starlette(routes=[Route("/api/v1/licenses.info", fixed)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False, lifespan="off")
"""


def run_wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    headers = [arg for name, value in ADMIN.items() for arg in ("-H", f"{name}: {value}")]
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99_text is not None, out
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_text.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  warning: {errors.group(1)} non-2xx answers from {url}")
    return rps, float(p99_text.group(1)) * factor


async def _python_load(port: int, seconds: int, connections: int) -> tuple[float, float]:
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in ADMIN.items()) + "\r\n"
    ).encode()
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < stop:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
        writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    latencies.sort()
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)] * 1000


def measure(port: int, seconds: int, connections: int) -> tuple[float, float]:
    if shutil.which("wrk"):
        return run_wrk(f"http://127.0.0.1:{port}{PATH}", seconds, connections)
    return asyncio.run(_python_load(port, seconds, connections))


def start(command: list[str], port: int, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_ready(port)
    time.sleep(0.5)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") else "a Python load generator"
    print(f"{args.connections} connections for {args.seconds} s on loopback with {tool}; {os.cpu_count()} cores\n")
    results: dict[str, tuple[float, float]] = {}

    port = free_port()
    mock = start([str(Path(sys.executable).parent / "rc-licenses-contract"), "mock", "--port", str(port)], port)
    try:
        body = subprocess.run(
            [
                "curl",
                "-s",
                *[a for k, v in ADMIN.items() for a in ("-H", f"{k}: {v}")],
                f"http://127.0.0.1:{port}{PATH}",
            ],
            capture_output=True,
            check=True,
        ).stdout
        results["our mock (authorised 200)"] = measure(port, args.seconds, args.connections)
    finally:
        stop(mock)

    with tempfile.NamedTemporaryFile(suffix=".json") as fixed:
        fixed.write(body)
        fixed.flush()
        port = free_port()
        bare = start([sys.executable, "-c", BARE_APP, str(port), fixed.name], port)
        try:
            results["bare Starlette route, same stack (ceiling)"] = measure(port, args.seconds, args.connections)
        finally:
            stop(bare)

    prism_bin = REPO / "tooling" / "node_modules" / ".bin" / "prism"
    if prism_bin.exists():
        port = free_port()
        prism = start([str(prism_bin), "mock", str(REPO / "openapi.yaml"), "-p", str(port), "-h", "127.0.0.1"], port)
        try:
            results["Prism 5 (prism mock openapi.yaml)"] = measure(port, args.seconds, args.connections)
        finally:
            stop(prism)
    else:
        print("Prism not installed (npm ci --prefix tooling): skipped\n")

    ours, ours_p99 = results["our mock (authorised 200)"]
    ceiling = results["bare Starlette route, same stack (ceiling)"][0]
    for label, (rps, p99) in results.items():
        print(f"{label:<44} {rps:9,.0f} req/s   p99 {p99:6.2f} ms")
    print(f"\nour mock / ceiling: {ours / ceiling:.0%} (target >= 60%); p99 {ours_p99:.2f} ms (target < 5 ms)")
    if "Prism 5 (prism mock openapi.yaml)" in results:
        print(f"our mock / Prism: {ours / results['Prism 5 (prism mock openapi.yaml)'][0]:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
