"""The pytest plugin offers the contract's profiles (contracts/profiles.json), not a list of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import cli_env


def _pytest(folder: Path, *args: str, contract: Path | None = None) -> subprocess.CompletedProcess[str]:
    (folder / "test_theirs.py").write_text("def test_their_own():\n    assert True\n")
    env = cli_env() if contract is None else cli_env(RC_LICENSES_CONTRACT_ROOT=str(contract))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_an_unknown_profile_is_a_one_line_usage_error_naming_the_valid_ones(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--rc-profile", "nine")
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.strip() == "ERROR: --rc-profile: 'nine' is not one of default, 8"


def test_a_profile_added_to_the_contract_is_offered(tmp_path: Path, contract_copy: Path) -> None:
    profiles_file = contract_copy / "contracts" / "profiles.json"
    profiles = json.loads(profiles_file.read_text(encoding="utf-8"))
    profiles["profiles"]["7"] = {"fromMajor": 7, "description": "Rocket.Chat 7.x, as a test names it."}
    profiles_file.write_text(json.dumps(profiles), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    done = _pytest(work, "--rc-profile", "7", contract=contract_copy)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    # The ini key is held to the same list.
    (work / "pytest.ini").write_text("[pytest]\nrc_base_url = http://127.0.0.1:9\nrc_profile = nine\n")
    done = _pytest(work, contract=contract_copy)
    assert done.returncode == 4
    assert done.stderr.strip() == "ERROR: ini key rc_profile: 'nine' is not one of default, 8, 7"
