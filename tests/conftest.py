from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from rc_licenses_contract.loader import Contract, load_contract

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


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
