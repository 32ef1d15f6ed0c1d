"""Benchmark `gate --mock` against a plain `st run` of the same spec on the same mock, in one run.

Prints wall times (best of --repeat) of:
- `rc-licenses-contract gate --mock` (starts the mock, version probe, interaction contract,
  Schemathesis with its checks, semantic checks, drift, reports);
- `rc-licenses-contract gate --base-url URL` against an already running mock;
- `schemathesis run openapi.yaml --url URL` with the admin's headers and a seed (plain Schemathesis,
  all its default phases and checks), against the same running mock.

Target: `gate --mock` within 3x of plain Schemathesis.

    python bench/gate.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIN, REPO, free_port, timed, wait_ready

ADMIN = {"X-User-Id": "rc-demo-admin", "X-Auth-Token": "demo-admin-token"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cli = str(BIN / "rc-licenses-contract")
    work = Path(tempfile.mkdtemp(prefix="rc-bench-gate-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mock = subprocess.Popen(
        [cli, "mock", "--port", str(port), "--no-rate-limit"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_ready(port)
        env = {**os.environ, "ROCKETCHAT_AUTH_TOKEN": ADMIN["X-Auth-Token"], "ROCKETCHAT_USER_ID": ADMIN["X-User-Id"]}
        gate_mock, code1 = timed([cli, "gate", "--mock", "-q"], repeat=args.repeat)
        gate_url, code2 = timed([cli, "gate", "--base-url", url, "-q"], env=env, repeat=args.repeat)
        headers = [arg for name, value in ADMIN.items() for arg in ("-H", f"{name}: {value}")]
        plain, code3 = timed(
            [
                str(BIN / "schemathesis"),
                "run",
                str(REPO / "openapi.yaml"),
                "--url",
                url,
                *headers,
                "--seed",
                "0",
                "--report-dir",
                str(work),
            ],
            repeat=args.repeat,
        )
    finally:
        os.killpg(mock.pid, signal.SIGTERM)
        mock.wait(10)
    print(f"best of {args.repeat}; {os.cpu_count()} cores\n")
    print(f"{'schemathesis run (plain, same spec and mock)':<48} {plain:7.2f} s  1.00x  exit {code3}")
    print(f"{'gate --base-url (mock already running)':<48} {gate_url:7.2f} s  {gate_url / plain:5.2f}x  exit {code2}")
    print(
        f"{'gate --mock (starts and stops the mock too)':<48} {gate_mock:7.2f} s  {gate_mock / plain:5.2f}x  "
        f"exit {code1}; target <= 3x"
    )


if __name__ == "__main__":
    main()
