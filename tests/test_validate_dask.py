"""`validate --scheduler`: a real Dask scheduler and two worker processes on 127.0.0.1, reading from the local
S3 server; the JSON report must be the one a local run writes, also when a worker is killed mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import RunCli, cli_env
from .test_validate_cli import assert_no_process_left, broken, compact, no_traceback, seed
from .test_validate_remote import SECRET, bucket, s3_env

__all__ = ["bucket", "s3_env", "seed"]

DASK = str(Path(sys.executable).parent / "dask")


def _private_mounts_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="module")
def cluster_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dask")


@pytest.fixture(scope="module")
def cluster(cluster_home: Path, s3_endpoint: str) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and two workers for the module (the worker-killing test runs last); the second worker
    sees a private, empty tmpfs at hidden/ where the machine allows it."""
    tmp_path = cluster_home
    s3_env = cli_env(
        AWS_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID="canary-key-id",
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION="us-east-1",
        DASK_TEMPORARY_DIRECTORY=str(tmp_path / "scratch"),  # not the machine's: a killed worker leaves its own
    )
    scheduler_file = tmp_path / "scheduler.json"
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=s3_env, cwd=tmp_path
        )
        processes.append(process)
        return process

    try:
        scheduler = [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        start([*scheduler, "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = [DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        workers = [start(worker)]
        if _private_mounts_work():
            private = f"mount -t tmpfs none {hidden} && exec {' '.join(worker)}"
            workers.append(start(["unshare", "-m", "sh", "-c", private]))
        else:
            workers.append(start(worker))
        from distributed import Client

        with Client(address, timeout=30) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in reversed(processes):  # workers first, the scheduler last
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print(f"killing {process.args!r}: still running 5 s after SIGTERM")
                process.kill()
                process.wait(timeout=20)


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    report = dict(report)
    report["summary"] = {k: v for k, v in report["summary"].items() if k != "elapsedSeconds"}
    return report


def big_local_file(path: Path, seed: dict[str, Any], count: int) -> None:
    good, bad = compact(seed).encode(), compact(broken(seed)).encode()
    with path.open("wb") as handle:
        for number in range(1, count + 1):
            handle.write((bad if number % 997 == 0 else good) + b"\n")


def test_dask_cluster_gives_the_local_report(
    run_cli: RunCli,
    tmp_path: Path,
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
    s3_env: dict[str, str],
    bucket: str,
    seed: dict[str, Any],
) -> None:
    address, _ = cluster
    big_local_file(tmp_path / "big.jsonl", seed, 7_000)  # about 20 MB: three byte ranges
    inputs = [f"s3://{bucket}/2026/", f"s3://{bucket}/broken/", "big.jsonl"]
    local = run_cli("validate", "--format", "json", "-o", "local.json", *inputs, env=s3_env)
    assert local.returncode == 1, local.stderr
    done = run_cli("validate", "--format", "json", "-o", "dask.json", "--scheduler", address, *inputs, env=s3_env)
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stdout + done.stderr
    on_dask = json.loads((tmp_path / "dask.json").read_text())
    assert comparable(on_dask) == comparable(json.loads((tmp_path / "local.json").read_text()))
    assert on_dask["summary"]["records"] > 7_000 and on_dask["summary"]["unreadable"] == 1
    text = run_cli("validate", "--scheduler", address, "big.jsonl", env=s3_env)
    assert text.returncode == 1 and "error: big.jsonl:997::/license/trial" in text.stdout
    (tmp_path / "sub").mkdir()
    relative = run_cli("validate", "--scheduler", address, "../big.jsonl", env=s3_env, cwd=tmp_path / "sub")
    assert relative.returncode == 1 and "error: ../big.jsonl:997::" in relative.stdout, "paths are made absolute"


def test_local_paths_the_workers_cannot_see_are_refused(
    run_cli: RunCli, cluster_home: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]], seed: dict[str, Any]
) -> None:
    address, workers = cluster
    (cluster_home / "hidden" / "dump.jsonl").write_text(compact(seed) + "\n")
    if os.path.exists(f"/proc/{workers[1].pid}/root{cluster_home}/hidden/dump.jsonl"):
        pytest.skip("no private mount namespace here: every worker sees every file")
    done = run_cli("validate", "--scheduler", address, "hidden/dump.jsonl", cwd=cluster_home)
    no_traceback(done)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "hidden/dump.jsonl: the Dask worker" in done.stderr and "cannot see this file" in done.stderr


def test_local_cluster(run_cli: RunCli, run_cli_process: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    big_local_file(tmp_path / "dump.jsonl", seed, 2_000)
    local = json.loads(run_cli("validate", "--format", "json", "dump.jsonl").stdout)
    # A real process: the local cluster starts its own dashboard and warns when its port is taken.
    scratch = cli_env(DASK_TEMPORARY_DIRECTORY=str(tmp_path / "scratch"))
    done = run_cli_process(
        "validate", "--format", "json", "--scheduler", "local", "--jobs", "2", "dump.jsonl", env=scratch
    )
    assert done.returncode == 1, done.stderr
    # Its workers' scratch folder (and the locks Dask leaves beside it) stays in the test's folder, which goes
    # after a green run, not in the machine's temporary folder (the RAM disk while the suite runs).
    assert (tmp_path / "scratch" / "dask-scratch-space").is_dir()
    assert comparable(json.loads(done.stdout)) == comparable(local)
    # One worker process: what this run checks is standard input on a LocalCluster, not its size again.
    dump = (tmp_path / "dump.jsonl").read_text()
    piped = run_cli_process(
        "validate", "--format", "json", "--scheduler", "local", "--jobs", "1", "-", input=dump, env=scratch
    )
    assert piped.returncode == 1
    assert [r["line"] for r in json.loads(piped.stdout)["records"] if r["state"] != "valid"] == [997, 1994]
    unreachable = run_cli("validate", "--scheduler", "tcp://127.0.0.1:1", "dump.jsonl", timeout=120)
    no_traceback(unreachable)
    assert unreachable.returncode == 2 and "cannot reach the scheduler" in unreachable.stderr
    # A scheduler address with a user and password in it: refused or unreachable, they are never printed.
    for address in ("tcp://sched-user:Sch3dPassw0rd@127.0.0.1:1", "tcp://sched-user:Sch3dPassw0rd@127.0.0.1:x"):
        done = run_cli("validate", "--scheduler", address, "dump.jsonl", timeout=120)
        no_traceback(done)
        assert done.returncode == 2 and "--scheduler tcp://***@127.0.0.1" in done.stderr, done.stderr
        assert "Sch3dPassw0rd" not in done.stdout + done.stderr and "sched-user" not in done.stdout + done.stderr


def test_a_worker_killed_mid_run_changes_nothing(
    run_cli: RunCli,
    tmp_path: Path,
    cluster_home: Path,
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
    seed: dict[str, Any],
) -> None:
    address, workers = cluster
    big_local_file(tmp_path / "big.jsonl", seed, 12_000)  # about 35 MB: five byte ranges
    local = run_cli("validate", "--format", "json", "-o", "local.json", "big.jsonl")
    assert local.returncode == 1
    command = [
        sys.executable,
        "-m",
        "rc_licenses_contract",
        "validate",
        "--format",
        "json",
        "-o",
        "dask.json",
        "--scheduler",
        address,
        "big.jsonl",
    ]
    from distributed import Client

    with Client(address, timeout=30) as observer:  # type: ignore[no-untyped-call]
        victim = next(worker for worker, pid in observer.run(os.getpid).items() if pid == workers[0].pid)
        run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while not observer.processing(workers=[victim]).get(victim) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert run.poll() is None, "the run must still be going when the worker dies"
            os.kill(workers[0].pid, signal.SIGKILL)  # while it holds a partition
        finally:
            _, stderr = run.communicate(timeout=120)
    assert run.returncode == 1, stderr
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    on_dask = json.loads((tmp_path / "dask.json").read_text())
    assert comparable(on_dask) == comparable(json.loads((tmp_path / "local.json").read_text()))
    assert on_dask["summary"]["records"] == 12_000
    # The killed worker could not remove its scratch folder: it is in the module's folder, not the machine's.
    assert list((cluster_home / "scratch").glob("dask-scratch-space/worker-*"))


def _ignores_sigint(pid: int) -> bool:
    """A worker that has started (its preload ran); one that is already gone does not count."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        if b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return False  # the resource tracker, which ignores SIGINT itself
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def test_ctrl_c_in_a_terminal_stops_a_local_cluster_without_a_traceback(tmp_path: Path, seed: dict[str, Any]) -> None:
    """A terminal's Ctrl-C goes to the whole process group, the local cluster's workers too: each printed its
    own traceback (KeyboardInterrupt, CancelledError) around "interrupted". The command alone handles it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rc_licenses_contract", "validate", "-q", "--scheduler", "local", "--jobs", "2", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(DASK_TEMPORARY_DIRECTORY=str(tmp_path / "scratch")),  # its scratch folder goes with the test's
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a shell's foreground job has it
    )
    assert process.stdin is not None
    process.stdin.write((compact(seed) + "\n").encode() * 100)  # stdin stays open: the workers wait for more
    process.stdin.flush()
    deadline = time.monotonic() + 15  # until both workers have started (without the fix: until the deadline)
    while time.monotonic() < deadline:
        children = [int(pid) for tasks in Path(f"/proc/{process.pid}/task").glob("*/children")
                    for pid in tasks.read_text().split()]  # fmt: skip
        if sum(_ignores_sigint(pid) for pid in children) >= 2:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert err.decode().strip() == "interrupted"
    assert (tmp_path / "scratch" / "dask-scratch-space").is_dir(), "not in the machine's temporary folder"
    assert_no_process_left(process.pid, 15)
