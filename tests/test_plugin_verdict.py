"""The pytest plugin's verdict is the gate's: an incomplete run fails, and credentials are read as `gate` reads them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import running_mock

from .conftest import REPO, RunPytest, cli_env

ADMIN = {"ROCKETCHAT_AUTH_TOKEN": "demo-admin-token", "ROCKETCHAT_USER_ID": "rc-demo-admin"}
pytestmark = pytest.mark.usefixtures("generation_drawn_once")  # Schemathesis' seeded draw, once per run


@pytest.fixture
def their_pytest(run_pytest: tuple[Path, RunPytest]) -> RunPytest:
    """pytest in a project with a test of its own, run in this process (`run_pytest`)."""
    folder, run = run_pytest
    (folder / "test_theirs.py").write_text("def test_their_own():\n    assert True\n")

    def pytest_there(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return run("-p", "no:cacheprovider", "-q", "-rfE", *args, env=env)

    return pytest_there


def test_a_rejected_unprivileged_caller_fails_the_run_as_gate_exits_3(their_pytest: RunPytest) -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        rejected = {
            "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN": "not-a-token",
            "ROCKETCHAT_UNPRIVILEGED_USER_ID": "rc-demo-user",
        }
        done = their_pytest("--rc-base-url", base, env=cli_env(**ADMIN, **rejected))
        assert done.returncode == 1, done.stdout[-3000:]
        assert "FAILED rc-licenses-contract::run-complete" in done.stdout
        assert "incomplete: interaction unprivileged: credentials rejected" in done.stdout
        assert "not-a-token" not in done.stdout + done.stderr
        # With good credentials the same item passes: it is not a check that cannot pass.
        fine = {
            "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN": "demo-user-token",
            "ROCKETCHAT_UNPRIVILEGED_USER_ID": "rc-demo-user",
        }
        done = their_pytest("-vv", "--rc-base-url", base, env=cli_env(**ADMIN, **fine))
        assert done.returncode == 0, done.stdout[-3000:]
        assert "rc-licenses-contract::run-complete PASSED" in done.stdout


def test_credentials_are_read_as_the_gate_reads_them(their_pytest: RunPytest) -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        # A CRLF line end, as a .env file written on Windows leaves it: stripped, and the run passes.
        crlf = {name: value + "\r\n" for name, value in ADMIN.items()}
        done = their_pytest("--rc-base-url", base, env=cli_env(**crlf))
        assert done.returncode == 0, done.stdout[-3000:]
    for bad, expected in (
        ({**ADMIN, "ROCKETCHAT_AUTH_TOKEN": "tok\u6f22\u5b57tok"}, "$ROCKETCHAT_AUTH_TOKEN holds a line break"),
        ({**ADMIN, "ROCKETCHAT_USER_ID": "rc-demo\x1b[2J"}, "$ROCKETCHAT_USER_ID holds a line break"),
        ({**ADMIN, "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN": "x"}, "unprivileged credentials need both"),
    ):
        done = their_pytest("--rc-base-url", "http://127.0.0.1:9", env=cli_env(**bad))
        assert done.returncode == 4, done.stdout + done.stderr
        assert done.stderr.strip().startswith("ERROR: ") and expected in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stdout + done.stderr
        assert "\u6f22" not in done.stderr and "\x1b" not in done.stderr
