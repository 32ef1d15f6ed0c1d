"""Bad input to `gate` and `mock`: exit 2 and one line naming the option, never a traceback, never a secret.

Plus the mock's own robustness: a port it cannot bind prints no banner, and idle connections are
closed so that a crowd of them cannot stop it answering.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from rc_licenses_contract.cli import main

from .canary import URL_PASSWORD, canary_env, scan
from .conftest import REPO, cli_env


def usage(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, base: str | None = None
) -> tuple[int, str, str]:
    """Run the CLI in-process with canary secrets in the environment; return (exit code, stdout, stderr)."""
    for name in list(os.environ):
        if name.startswith(("ROCKETCHAT_", "RC_LICENSES")):
            monkeypatch.delenv(name)
    env = canary_env("http://127.0.0.1:9")
    env.pop("ROCKETCHAT_URL")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    out, err = capfd.readouterr()
    assert time.monotonic() - started < 30, "a usage error is found before any long work"
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert scan(out, err) == [], scan(out, err)
    return code, out, err


def one_line_naming(err: str, option: str) -> None:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1, err
    assert option in lines[0], (option, lines[0])


BAD_BASE_URLS = {
    "http://127.0.0.1:99999": "invalid port",
    "http://127.0.0.1:port": "invalid port",
    "http://[::1": "unbalanced",
    "http://::1]:80": "not a valid URL",
    "http://chat.example.com/?x=1": "query string",
    "http://chat.example.com/#top": "query string",
    "http://chat example.com": "spaces",
    "http://chat.example.com\n": "spaces",
    "ftp://chat.example.com": "http(s) URL",
    "http://": "http(s) URL",
    f"http://user:{URL_PASSWORD}@[::1": "unbalanced",
    f"http://user:{URL_PASSWORD}@chat.example.com:0": "invalid port",
}


@pytest.mark.parametrize("url", sorted(BAD_BASE_URLS))
def test_invalid_base_urls(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    code, out, err = usage(capfd, monkeypatch, "gate", "--base-url", url)
    assert code == 2 and out == ""
    one_line_naming(err, "--base-url")
    assert BAD_BASE_URLS[url] in err


def test_an_invalid_url_from_the_environment_names_the_variable(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROCKETCHAT_URL", f"http://u:{URL_PASSWORD}@chat.example.com/?q")
    for name, value in canary_env().items():
        monkeypatch.setenv(name, value)
    assert main(["gate"]) == 2
    out, err = capfd.readouterr()
    one_line_naming(err, "$ROCKETCHAT_URL")
    assert scan(out, err) == []


BAD_OPTIONS = [
    ("gate", "--timeout", "0"),
    ("gate", "--timeout", "-1"),
    ("gate", "--timeout", "nan"),
    ("gate", "--timeout", "inf"),
    ("gate", "--timeout", "soon"),
    ("gate", "--connect-timeout", "0"),
    ("gate", "--read-timeout", "NaN"),
    ("gate", "--max-response-time", "-2"),
    ("gate", "--examples", "0"),
    ("gate", "--max-requests", "0"),
    ("gate", "--rate-limit", "nan/1"),
    ("gate", "--rate-limit", "1/nan"),
    ("gate", "--rate-limit", "1/0"),
    ("gate", "--fault-delay", "-1"),
    ("gate", "--fault-delay", "inf"),
    ("mock", "--port", "99999"),
    ("mock", "--port", "-1"),
    ("mock", "--port", "http"),
    ("mock", "--idle-timeout", "0"),
    ("mock", "--mock-rate-limit", "1/inf"),
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=lambda a: " ".join(a))
def test_bad_option_values(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    extra = ("--base-url", "http://127.0.0.1:9") if argv[0] == "gate" else ()
    code, out, err = usage(capfd, monkeypatch, *argv, *extra)
    assert code == 2 and out == ""
    one_line_naming(err, argv[1])


def test_unwritable_report_targets_are_refused_before_the_run(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "folder").mkdir()
    for argv, option in (
        (("--junit", str(tmp_path / "folder")), "--junit"),
        (("--json", str(tmp_path / "missing" / "gate.json")), "--json"),
        (("--junit", str(tmp_path / "same"), "--json", str(tmp_path / "same")), "--json"),
    ):
        code, out, err = usage(capfd, monkeypatch, "gate", "--base-url", "http://127.0.0.1:9", *argv)
        assert code == 2 and out == "", err
        one_line_naming(err, option)
        assert not (tmp_path / "same").exists() and not (tmp_path / "missing").exists(), "nothing written"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_report_that_cannot_be_written_is_exit_2_and_the_other_is_still_written(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report = tmp_path / "gate.json"
    code, out, err = usage(
        capfd, monkeypatch, "gate", "--mock", "--no-schemathesis", "--junit", "/dev/full", "--json", str(report)
    )
    assert code == 2
    one_line_naming(err, "--junit /dev/full")
    assert json.loads(report.read_text())["exitCode"] == 0
    assert out.rstrip().endswith("(exit 0)"), "the run itself was reported"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_standard_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "rc_licenses_contract", "gate", "--mock", "--no-schemathesis", "--json", "g.json"],
            cwd=tmp_path,
            env=cli_env(),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    one_line_naming(done.stderr, "standard output")
    assert json.loads((tmp_path / "g.json").read_text())["exitCode"] == 0, "the report file is still written"


BAD_USERS = {
    "not-json": "{users: [",
    "not-a-list": '{"users": {"name": "admin"}}',
    "not-an-object": '{"users": ["admin"]}',
    "token-null": '{"users": [{"name": "admin", "userId": "u1", "authToken": null}]}',
    "token-missing": '{"users": [{"name": "admin", "userId": "u1"}]}',
    "user-id-number": '{"users": [{"name": "admin", "userId": 5, "authToken": "t1"}]}',
    "empty-name": '{"users": [{"name": " ", "userId": "u1", "authToken": "t1"}]}',
    "permissions-string": '{"users": [{"name": "a", "userId": "u1", "authToken": "t1", "permissions": "all"}]}',
    "no-users": '{"users": []}',
    "duplicate": '{"users": [{"name": "a", "userId": "u", "authToken": "t"}, {"name": "b", "userId": "u", '
    '"authToken": "t"}]}',
}


@pytest.mark.parametrize("case", sorted(BAD_USERS))
def test_malformed_users_files(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    users = tmp_path / "users.json"
    users.write_text(BAD_USERS[case])
    code, out, err = usage(capfd, monkeypatch, "mock", "--users", str(users), "--port", "0")
    assert code == 2 and out == "", (case, out)
    one_line_naming(err, "users.json")
    assert "None" not in err


def test_a_users_file_with_a_null_token_never_makes_a_user_called_none(tmp_path: Path) -> None:
    from rc_licenses_contract.errors import ContractError
    from rc_licenses_contract.mock.model import load_users

    bad = tmp_path / "users.json"
    bad.write_text(BAD_USERS["token-null"])
    with pytest.raises(ContractError, match="authToken must be a non-empty string, not null"):
        load_users(bad)


BAD_DATA = {
    "interactions-not-a-list": ("interactions.json", '{"interactions": 5}', "/interactions"),
    "interaction-without-id": ("interactions.json", '{"interactions": [{"title": "x"}]}', "/interactions/0"),
    "interaction-status-text": (
        "interactions.json",
        '{"interactions": [{"id": "a", "title": "t", "caller": "anonymous", "query": "", "status": "abc"}]}',
        "/interactions/0/status",
    ),
    "scenario-an-array": ("scenarios/enterprise-trial.json", "[1]", "::/:"),
    "scenario-usage-text": (
        "scenarios/enterprise-trial.json",
        '{"description": "d", "license": null, "usage": "x"}',
        "/usage",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_contract_data_lint_would_reject_is_one_line_for_the_gate_and_the_mock(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, contract_copy: Path, case: str
) -> None:
    """The gate and the mock run on contracts/ data of a --root contract: a file that breaks its schema is
    one line naming file and place, exit 2 (a KeyError or TypeError halfway through the run before)."""
    name, text, where = BAD_DATA[case]
    (contract_copy / "contracts" / name).write_text(text)
    code, out, err = usage(capfd, monkeypatch, "gate", "--mock", "--no-schemathesis", "--root", str(contract_copy))
    assert code == 2, (case, out, err)
    one_line_naming(err, name)
    assert where in err, err


# --- the mock's own doors --------------------------------------------------------------------------


def test_a_port_that_cannot_be_bound_prints_no_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "rc_licenses_contract", "mock", "--port", str(port)],
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert done.stdout == "", "no banner for a server that never started"
    one_line_naming(done.stderr, "--port")


def _limit_descriptors() -> None:  # runs in the mock's process before it starts
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def _answers_within(base: str, seconds: float) -> bool:
    """Whether the mock answers some request within `seconds` (a starved server resets or stalls)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/api/v1/licenses.info", timeout=max(0.1, deadline - time.monotonic()))
            return True  # any answer at all: the server is not starved
        except requests.RequestException:
            time.sleep(0.2)
    return False


@pytest.mark.parametrize(("idle_timeout", "answers"), [(1, True), (60, False)])
def test_idle_connections_are_closed_so_the_mock_keeps_answering(
    tmp_path: Path, idle_timeout: int, answers: bool
) -> None:
    """The mock may hold 64 descriptors and 100 idle sockets come: with the idle timeout it answers again
    within a second or two; with a long one (the control) it is still starved."""
    mock = subprocess.Popen(
        [sys.executable, "-m", "rc_licenses_contract", "mock", "--port", "0", "--idle-timeout", str(idle_timeout)],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_descriptors,
    )
    idle: list[socket.socket] = []
    try:
        assert mock.stdout is not None
        banner = mock.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        assert match, banner
        port = int(match.group(1))
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        idle[0].sendall(b"GET /api/v1/licenses.info HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
        idle += [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(99)]
        assert _answers_within(f"http://127.0.0.1:{port}", 3.0) is answers
        if answers:
            assert idle[0].recv(1) == b"", "the half-sent request was closed by the server"
    finally:
        for sock in idle:
            sock.close()
        mock.terminate()
        mock.communicate(timeout=10)  # also closes the pipes
    assert mock.returncode == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "command", [["validate", "body.json"], ["validate", "--format", "json", "body.json"], ["bundle"]]
)
def test_every_command_on_a_full_standard_output_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    """`validate … > /dev/full` (a full disk in CI) loses the report: one line and exit 2, not an internal error."""
    (tmp_path / "body.json").write_bytes((REPO / "contracts" / "examples" / "enterprise-8x.json").read_bytes())
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "rc_licenses_contract", *command],
            cwd=tmp_path,
            env=cli_env(),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    one_line_naming(done.stderr, "cannot write the output: No space left on device")


def _small_files() -> None:  # runs in the gate's process: writes past 3000 bytes fail with EFBIG
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))


def test_a_gate_report_cut_short_by_a_full_disk_keeps_the_previous_one(tmp_path: Path) -> None:
    """A report write that fails halfway (a full disk, a quota) leaves the last report whole, never a cut one."""
    (tmp_path / "gate.json").write_text("the previous report\n")
    done = subprocess.run(
        [sys.executable, "-m", "rc_licenses_contract", "gate", "--mock", "--no-schemathesis", "--json", "gate.json"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_small_files,
    )
    assert done.returncode == 2, done.stderr
    one_line_naming(done.stderr, "--json gate.json: cannot write: File too large")
    assert (tmp_path / "gate.json").read_text() == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gate.json"], "no working file left behind"


def test_paths_and_config_files_with_escape_sequences_never_reach_the_terminal_raw(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A folder name is data too: lint, bundle and a bad pyproject.toml in such a folder print it escaped."""
    odd = tmp_path / "odd\x1b[31mRED"
    odd.mkdir()
    for argv in (
        ["lint", "--root", str(odd)],
        ["bundle", "--root", str(odd)],
        ["bundle", "-o", str(odd / "x" / "b.yaml")],
    ):
        code, out, err = usage(capfd, monkeypatch, *argv)
        assert code == 2 and "\x1b" not in out + err and "\\x1b[31mRED" in err, (argv, err)
    (odd / "pyproject.toml").write_text("tool = 1\n")
    monkeypatch.chdir(odd)
    code, out, err = usage(capfd, monkeypatch, "lint")
    assert code == 2 and "\x1b" not in err and "\\x1b[31mRED" in err, err


@pytest.mark.parametrize(
    ("value", "refused"),
    [("tok-canary-1\r\n", False), ("tok\x01canary", True), ("tok漢字canary", True), ("tok\ncanary", True)],
    ids=["crlf-line-end", "control", "non-ascii", "inner-newline"],
)
def test_a_credential_a_header_cannot_carry_is_a_usage_error_naming_the_variable(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str, refused: bool
) -> None:
    """A CRLF .env file leaves `\\r` at the end: stripped. A control or non-ASCII character inside cannot travel in
    a header: one line naming the option or variable, never the value (it was a garbled "failed: s", or exit 70)."""
    code, out, err = usage(
        capfd, monkeypatch, "gate", "--base-url", "http://127.0.0.1:9", "--no-schemathesis", "--auth-token", value
    )
    if refused:
        assert code == 2, err
        one_line_naming(err, "--auth-token holds a line break, a control or a non-ASCII character")
        assert "canary" not in err
    else:
        assert code == 3 and "connection refused" in out, (out, err)
