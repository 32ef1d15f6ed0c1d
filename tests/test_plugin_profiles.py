"""The pytest plugin offers the contract's profiles (contracts/profiles.json), not a list of its own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import RunPytest, cli_env


@pytest.fixture
def their_pytest(run_pytest: tuple[Path, RunPytest]) -> tuple[Path, RunPytest]:
    """A project with a test of its own, and pytest run there in this process (`run_pytest`)."""
    folder, run = run_pytest
    (folder / "test_theirs.py").write_text("def test_their_own():\n    assert True\n")

    def pytest_there(*args: str, contract: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = cli_env() if contract is None else cli_env(RC_LICENSES_CONTRACT_ROOT=str(contract))
        return run("-p", "no:cacheprovider", "-q", *args, env=env)

    return folder, pytest_there


def test_an_unknown_profile_is_a_one_line_usage_error_naming_the_valid_ones(
    their_pytest: tuple[Path, RunPytest],
) -> None:
    _, run = their_pytest
    done = run("--rc-profile", "nine")
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.strip() == "ERROR: --rc-profile: 'nine' is not one of default, 8"


def test_a_profile_added_to_the_contract_is_offered(their_pytest: tuple[Path, RunPytest], contract_copy: Path) -> None:
    work, run = their_pytest
    profiles_file = contract_copy / "contracts" / "profiles.json"
    profiles = json.loads(profiles_file.read_text(encoding="utf-8"))
    profiles["profiles"]["7"] = {"fromMajor": 7, "description": "Rocket.Chat 7.x, as a test names it."}
    profiles_file.write_text(json.dumps(profiles), encoding="utf-8")
    done = run("--rc-profile", "7", contract=contract_copy)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    # The ini key is held to the same list.
    (work / "pytest.ini").write_text("[pytest]\nrc_base_url = http://127.0.0.1:9\nrc_profile = nine\n")
    done = run(contract=contract_copy)
    assert done.returncode == 4
    assert done.stderr.strip() == "ERROR: ini key rc_profile: 'nine' is not one of default, 8, 7"
