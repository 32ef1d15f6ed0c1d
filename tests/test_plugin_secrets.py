"""The pytest plugin under hostile conditions: verbose tracebacks, JUnit XML, a crashing gate.

pytest is run as a user would, in a scratch folder, with every option that makes it print more
(`-l`, `--tb=long`, `-vv`, `-rA`, `--junitxml`): not one canary, in any encoding, may appear, and
nothing but what the user asked for may be written to the folder. pytest runs in this process
(`run_pytest`); the plugin's real-process run is in test_toolchain.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .canary import TOKEN, canary_env, scan
from .conftest import RunPytest, cli_env
from .hostile import HostileServer
from .test_hostile import _echo

LOUD = ("-l", "--tb=long", "-vv", "-rA", "--junitxml=report.xml", "-p", "no:cacheprovider")
pytestmark = pytest.mark.usefixtures("generation_drawn_once")  # Schemathesis' seeded draw, once per run


@pytest.fixture
def loud_pytest(run_pytest: tuple[Path, RunPytest]) -> tuple[Path, RunPytest]:
    folder, run = run_pytest
    (folder / "test_theirs.py").write_text("def test_their_own():\n    assert True\n")
    return folder, lambda *args, env: run(*LOUD, *args, env=env)


def test_loud_pytest_against_an_echoing_server_leaks_nothing_and_writes_nothing(
    loud_pytest: tuple[Path, RunPytest],
) -> None:
    folder, run = loud_pytest
    with HostileServer(_echo).running() as server:
        env = cli_env(**canary_env(server.base))
        done = run("--rc-base-url", env.pop("ROCKETCHAT_URL"), env=env)
    out = done.stdout
    assert done.returncode == 1, out[-3000:]
    assert "FAILED rc-licenses-contract::schema" in out and "***" in out
    assert "warning: --rc-base-url carries user info" in out
    assert "Traceback" not in out and "Credentials(" not in out and "GateOptions(" not in out
    assert sorted(p.name for p in folder.iterdir()) == ["report.xml", "test_theirs.py"], "no .hypothesis etc."
    ET.parse(folder / "report.xml")
    assert scan(done.stdout, done.stderr, folder=folder) == []


CRASHING_CONFTEST = """
import os
from pathlib import Path

import rc_licenses_contract.gate.run as gate_run


def crash(options):
    calls = Path(os.environ["CRASH_COUNTER"])
    calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
    token = os.environ["ROCKETCHAT_AUTH_TOKEN"]
    raise RuntimeError(f"boom {options!r} {token} {options.base_url} {token.encode().hex()}")


real_run_gate = gate_run.run_gate
gate_run.run_gate = crash


def pytest_unconfigure(config):
    gate_run.run_gate = real_run_gate  # this pytest may be the one running the kit's own tests
"""


def test_a_gate_that_crashes_is_one_error_not_one_per_item(loud_pytest: tuple[Path, RunPytest], tmp_path: Path) -> None:
    work, run = loud_pytest
    (work / "conftest.py").write_text(CRASHING_CONFTEST)
    counter = tmp_path / "calls"
    env = cli_env(**canary_env("http://127.0.0.1:9"), CRASH_COUNTER=str(counter))
    done = run("--rc-base-url", env.pop("ROCKETCHAT_URL"), env=env)
    out = done.stdout
    assert counter.read_text() == "x", "the gate ran once, not once per item"
    assert done.returncode == 1
    assert "1 passed" in out and " 1 error" in out and "skipped" in out, out[-1500:]
    assert "the gate could not run: RuntimeError: boom" in out
    assert TOKEN not in out
    assert scan(done.stdout, done.stderr, folder=work) == []
    suite = ET.parse(work / "report.xml").getroot()
    assert len([e for e in suite.iter("error")]) == 1


def test_plugin_usage_errors_are_one_line_and_never_quote_the_url_password(
    loud_pytest: tuple[Path, RunPytest],
) -> None:
    _, run = loud_pytest
    env = cli_env(**canary_env("http://127.0.0.1:9"))
    url = env.pop("ROCKETCHAT_URL")
    for args, expected in (
        (("--rc-base-url", url, "--rc-max-requests", "0"), "--rc-max-requests must be 1 or more"),
        (("--rc-base-url", url + "?x=1"), "--rc-base-url must not carry a query string"),
        (("--rc-base-url", url.replace("127.0.0.1:9", "[::1")), "--rc-base-url is not a valid URL"),
    ):
        done = run(*args, env=env)
        assert done.returncode == 4, done.stdout
        assert expected in done.stderr
        assert scan(done.stdout, done.stderr) == []
