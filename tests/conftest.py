from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rc_licenses_contract.loader import Contract, load_contract

REPO = Path(__file__).resolve().parents[1]
# The Rocket.Chat "Get Licenses" docs page the contract started from, kept in the repository so that no
# test reads outside it.
SEED_PAGE = REPO / "tests" / "data" / "seed-get-licenses-docs-page.txt"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths (bytes or str without a host part) never leave the machine
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: tests use literal loopback addresses


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Refuse any connection from the test process to an address other than loopback."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may only reach loopback addresses, not {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        original_connect(sock, address)  # type: ignore[arg-type]

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return original_connect_ex(sock, address)  # type: ignore[arg-type]

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract(REPO)


def cli_env(**extra: str) -> dict[str, str]:
    # Not GITHUB_ACTIONS nor GITHUB_STEP_SUMMARY either: a test run in CI must not annotate the job.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ROCKETCHAT_", "RC_LICENSES")) and k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")
    }
    env.update({"NO_COLOR": "1", "PYTHONWARNINGS": "error::DeprecationWarning:rc_licenses_contract"}, **extra)
    return env


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run the real CLI in a subprocess, from a scratch working directory."""

    def run(
        *args: str,
        input: str | bytes | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rc_licenses_contract", *args],
            input=input,
            capture_output=True,
            text=not isinstance(input, bytes),
            timeout=timeout,
            env=env or cli_env(),
            cwd=cwd or tmp_path,
            check=False,
        )

    return run


@pytest.fixture
def contract_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped contract, to break on purpose."""
    target = tmp_path / "contract"
    target.mkdir()
    shutil.copy(REPO / "openapi.yaml", target / "openapi.yaml")
    shutil.copytree(REPO / "schemas", target / "schemas")
    shutil.copytree(REPO / "contracts", target / "contracts")
    return target


def fresh_clone(target: Path) -> Path:
    """What a fresh clone of this checkout holds: tracked files (and new, not ignored ones), nothing built."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell a fresh clone's files")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file() and not name.startswith("tooling/node_modules/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
