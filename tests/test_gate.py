"""The gate, against the faithful mock, every fault, a rate-limited mock, broken transports and Prism."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.gate.run import Credentials, GateOptions, GateResult, run_gate
from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.faults import FAULTS
from rc_licenses_contract.mock.runner import free_port, running_mock

from .conftest import REPO, RunCli, cli_env

ADMIN = Credentials("rc-demo-admin", "demo-admin-token")
AUDITOR = Credentials("rc-demo-auditor", "demo-auditor-token")
USER = Credentials("rc-demo-user", "demo-user-token")
SCENARIOS = sorted(p.stem for p in (REPO / "contracts" / "scenarios").glob("*.json"))
# Dozens of gate runs on one contract: Schemathesis generates its seeded queries once (see the fixture).
pytestmark = pytest.mark.usefixtures("generation_drawn_once")


def gate(
    base: str, privileged: Credentials = ADMIN, unprivileged: Credentials | None = USER, **kw: object
) -> GateResult:
    settings: dict[str, object] = {"timeout": 60.0, **kw}
    options = GateOptions(base_url=base, privileged=privileged, unprivileged=unprivileged, root=REPO, **settings)  # type: ignore[arg-type]
    return run_gate(options)


def failed_checks(result: GateResult) -> set[str]:
    return {c.id for c in result.checks if c.state == "failed"}


# --- the faithful mock: the contract holds -------------------------------------------------------


@pytest.mark.parametrize("version", ["6", "7", "8"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_faithful_mock_passes_for_every_scenario_and_version(scenario: str, version: str) -> None:
    with running_mock(MockConfig(scenario=scenario, server_version=version, root=REPO)) as base:
        result = gate(base)
    assert result.exit_code == 0, [(f.check, f.message) for f in result.findings] + [result.stop_reason]
    assert result.profile == ("8" if version == "8" else "default")
    assert result.version_source == "detected"
    assert all(i.state == "ok" for i in result.interactions)
    assert result.requests_sent <= 10


@pytest.mark.parametrize(("privileged", "unprivileged"), [(ADMIN, None), (AUDITOR, USER), (AUDITOR, None)])
def test_faithful_mock_passes_for_every_caller(privileged: Credentials, unprivileged: Credentials | None) -> None:
    """The auditor is privileged but rate limited: the gate paces itself by X-RateLimit-* and waits out 429s."""
    with running_mock(MockConfig(scenario="enterprise", rate_limit=(2, 1.5), root=REPO)) as base:
        started = time.monotonic()
        result = gate(base, privileged, unprivileged, max_requests=12)
    assert result.exit_code == 0, [(f.check, f.message) for f in result.findings] + [result.stop_reason]
    if unprivileged is None:
        assert [i.state for i in result.interactions if i.caller == "unprivileged"] == ["skipped"]
    if privileged is AUDITOR:
        assert time.monotonic() - started > 1.0, "it waited for the rate-limit window instead of hammering"


# --- every fault: exit 1, naming the right check ------------------------------------------------

EXPECTED: dict[str, tuple[set[str], dict[str, Any], dict[str, Any]]] = {
    # fault: (checks that must fail, mock settings, gate settings)
    "missing-required": ({"schema", "schemathesis.response_schema_conformance"}, {}, {}),
    "wrong-type": ({"schema"}, {}, {}),
    "enum-violation": ({"schema"}, {}, {}),
    "extra-field": ({"drift"}, {}, {"strict": True}),
    "echo-credentials": ({"drift"}, {}, {"strict": True}),
    "rooms-per-guest-limit": ({"schema"}, {}, {}),
    "partial-values": ({"semantic.load-values"}, {}, {}),
    "external-not-active": ({"semantic.external-modules"}, {}, {}),
    "license-leak": ({"semantic.caller-shape"}, {}, {}),
    "trial-mismatch": ({"semantic.license-consistency"}, {}, {}),
    "prevented-actions-flipped": ({"semantic.prevented-actions"}, {}, {}),
    "wrong-defaults": ({"semantic.no-license-defaults"}, {"scenario": "community"}, {}),
    "wrong-content-type": ({"content-type", "schemathesis.content_type_conformance"}, {}, {}),
    "html-200": ({"json-body", "content-type"}, {}, {}),
    "server-error": ({"status", "schemathesis.not_a_server_error"}, {}, {}),
    "truncated": ({"json-body"}, {}, {}),
    "slow": ({"response-time"}, {"fault_delay": 0.15}, {"max_response_time": 0.05}),
    "bad-401": ({"schema"}, {}, {}),
    "missing-cache-headers": ({"headers"}, {}, {}),
    "garbled-rate-limit-headers": ({"headers", "schemathesis.response_headers_conformance"}, {}, {}),
    "rate-limit-headers-missing": ({"rate-limit"}, {"rate_limit": (2, 60.0)}, {"timeout": 5, "privileged": AUDITOR}),
    "no-auth": ({"status", "schemathesis.ignored_auth"}, {}, {}),
    "ignore-unknown-params": ({"status"}, {}, {}),
    "validate-before-auth": ({"status"}, {}, {}),
    "permission-403": ({"status", "schemathesis.status_code_conformance"}, {}, {}),
}


def test_every_fault_has_an_expectation_and_every_check_is_shown_failing() -> None:
    from rc_licenses_contract.gate.checks import CHECKS

    assert set(EXPECTED) == set(FAULTS)
    every_check = set(CHECKS)
    shown_failing = set().union(*(checks for checks, _, _ in EXPECTED.values()))
    assert shown_failing == every_check


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_every_fault_fails_the_gate_naming_the_check(fault: str) -> None:
    checks, mock_settings, gate_settings = EXPECTED[fault]
    config = MockConfig(root=REPO, fault=fault, **{"scenario": "enterprise", **mock_settings})
    with running_mock(config) as base:
        result = gate(base, **gate_settings)
    assert result.exit_code == 1, (fault, result.stop_reason, [(f.check, f.message) for f in result.findings])
    assert checks <= failed_checks(result), (fault, failed_checks(result))


@pytest.mark.parametrize("budget", [10, 14])
def test_every_request_is_counted_in_the_budget_schemathesis_probes_included(budget: int) -> None:
    from rc_licenses_contract.mock.app import create_app

    app = create_app(MockConfig(root=REPO))
    with running_mock(app=app) as base:
        result = gate(base, max_requests=budget)
    assert result.exit_code == 0
    assert [c.state for c in result.checks if c.id == "schemathesis.ignored_auth"] == ["passed"]
    assert app.state.mock.served == result.requests_sent + 1, "the server saw exactly the counted requests + /api/info"
    assert result.requests_sent <= budget


def test_drift_is_a_warning_without_strict() -> None:
    with running_mock(MockConfig(root=REPO, fault="extra-field")) as base:
        result = gate(base)
    assert result.exit_code == 0
    assert {f.check for f in result.warnings} == {"drift"}
    assert [c.state for c in result.checks if c.id == "drift"] == ["warned"]


# --- could not complete: exit 3 -----------------------------------------------------------------


def _users_without_bypass(tmp_path: Path) -> Path:
    data = json.loads((REPO / "contracts" / "mock" / "users.json").read_text())
    for user in data["users"]:
        user["permissions"] = [p for p in user["permissions"] if p != "api-bypass-rate-limit"]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(data))
    return path


def test_a_mock_that_always_answers_429_gives_exit_3_and_no_violation(tmp_path: Path) -> None:
    config = MockConfig(root=REPO, rate_limit=(0, 60.0), users_file=_users_without_bypass(tmp_path))
    with running_mock(config) as base:
        result = gate(base, timeout=5)
    assert result.exit_code == 3
    assert result.errors == []
    assert "rate limited" in (result.stop_reason or "") or "wait" in (result.stop_reason or "")
    assert result.not_checked and {c.state for c in result.checks if c.id == "rate-limit"} == {"passed"}


def test_budget_exhausted_reports_what_was_not_checked() -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        result = gate(base, max_requests=3)
    assert result.exit_code == 3
    assert result.requests_sent == 3
    assert "budget" in (result.stop_reason or "")
    assert any(item.startswith("interaction ") for item in result.not_checked)


def test_unreachable_server() -> None:
    result = gate(f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 3 and "connection refused" in (result.stop_reason or "")


def test_read_timeout_is_exit_3() -> None:
    with running_mock(MockConfig(root=REPO, fault="slow", fault_delay=1.0)) as base:
        result = gate(base, read_timeout=0.3)
    assert result.exit_code == 3 and "did not answer within" in (result.stop_reason or "")


def test_rejected_credentials_are_exit_3() -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        result = gate(base, Credentials("rc-demo-admin", "not-the-token"), None)
        assert result.exit_code == 3 and "credentials rejected" in (result.stop_reason or "")
        assert result.errors == []
        result = gate(base, ADMIN, Credentials("rc-demo-user", "not-the-token"))
    assert result.exit_code == 3 and result.errors == [] and result.stop_reason is None
    assert any("UNPRIVILEGED_AUTH_TOKEN" in item for item in result.not_checked)
    assert [i.state for i in result.interactions if i.caller == "unprivileged"] == ["not checked"]


@pytest.fixture
def tls_mock(tmp_path: Path) -> Iterator[str]:
    """The mock over HTTPS with a self-signed certificate, on 127.0.0.1."""
    import datetime as dt
    import gc
    import threading

    import uvicorn
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from rc_licenses_contract.mock.app import create_app

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(MockConfig(root=REPO)),
            host="127.0.0.1",
            port=port,
            log_level="error",
            lifespan="off",
            ssl_certfile=str(tmp_path / "cert.pem"),
            ssl_keyfile=str(tmp_path / "key.pem"),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"https://127.0.0.1:{port}"
    gc.collect()  # closes the finished gate's idle keep-alive socket, which the server's TLS shutdown waits on
    server.should_exit = True
    thread.join(5)


def test_tls_is_verified_unless_insecure(tls_mock: str, run_cli: RunCli) -> None:
    env = cli_env(ROCKETCHAT_AUTH_TOKEN=ADMIN.auth_token, ROCKETCHAT_USER_ID=ADMIN.user_id)
    done = run_cli("gate", "--base-url", tls_mock, env=env)
    assert done.returncode == 3 and "TLS failure" in done.stdout and "certificate verify failed" in done.stdout
    done = run_cli("gate", "--base-url", tls_mock, "--insecure", env=env)
    assert done.returncode == 0, done.stdout
    assert "warning: --insecure" in done.stderr


# --- the command: usage, reports, secrets -------------------------------------------------------


def test_usage_errors_exit_2(run_cli: RunCli) -> None:
    done = run_cli("gate")
    assert done.returncode == 2 and "no target" in done.stderr
    done = run_cli("gate", "--base-url", "ftp://example")
    assert done.returncode == 2 and "http(s) URL" in done.stderr
    done = run_cli("gate", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 2 and "no privileged credentials" in done.stderr
    env = cli_env(ROCKETCHAT_AUTH_TOKEN="only-the-token")
    done = run_cli("gate", "--base-url", "http://127.0.0.1:9", env=env)
    assert done.returncode == 2 and "need both" in done.stderr
    assert run_cli("gate", "--mock", "--scenario", "nope").returncode == 2
    assert run_cli("gate", "--max-requests", "0").returncode == 2


def test_gate_mock_reports_and_junit(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli("gate", "--mock", "--junit", "gate.xml", "--json", "gate.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "server version 8.8.1 (detected); profile 8" in done.stdout
    assert done.stdout.rstrip().endswith("PASSED: the contract holds; 0 warnings (exit 0)")
    suite = ET.parse(tmp_path / "gate.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    names = {case.get("name") for case in suite.iter("testcase")}
    assert {"status", "schema", "drift", "semantic.load-values", "schemathesis.ignored_auth"} <= names
    report = json.loads((tmp_path / "gate.json").read_text())
    assert report["exitCode"] == 0 and report["profile"] == "8" and report["requests"]["sent"] <= 500
    assert report["exploration"]["stopped"] == "finished"


def test_a_ctrl_c_that_a_callback_swallowed_still_stops_the_gate(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python raises KeyboardInterrupt where SIGINT lands; in a weakref or garbage-collector callback it only
    prints it ("Exception ignored in ..."). The gate went on to its end and said PASSED, exit 0."""
    from rc_licenses_contract.gate.session import GateSession
    from rc_licenses_contract.interrupts import check as check_interrupted

    real_request = GateSession._request
    sent: list[Any] = []
    landed: list[str] = []
    swallowed: list[Any] = []  # what sys.unraisablehook was given: printed as "Exception ignored" + a traceback

    class Thing:
        pass

    def in_callback(_: Any) -> None:
        landed.append("callback")
        signal.raise_signal(signal.SIGINT)

    def request(self: GateSession, *args: Any, **kwargs: Any) -> Any:
        sent.append(args[1])
        if len(sent) == 3:  # mid-run, the signal lands in a callback, as a finalizer or a gc hook would run
            thing = Thing()
            keep = weakref.ref(thing, in_callback)
            del thing
            assert keep() is None
        return real_request(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(GateSession, "_request", request)
        patched.setattr(sys, "unraisablehook", swallowed.append)
        done = run_cli("gate", "--mock")
        hook_after = sys.unraisablehook
    assert landed == ["callback"], "the signal landed in the callback"
    assert swallowed == [], "a noted Ctrl-C is not also printed as an ignored exception with its traceback"
    assert done.returncode == 130 and done.stderr.strip().endswith("interrupted"), done.stdout + done.stderr
    assert "PASSED" not in done.stdout
    assert len(sent) == 3, "no request after the interrupt"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "Python's handler is back"
    assert hook_after == swallowed.append, "the hook in place before is back"
    try:
        check_interrupted()
    except KeyboardInterrupt:
        pytest.fail("the note outlived the run: a later run in this process would stop at its first request")


def test_failure_report_has_everything_to_act_on(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli("gate", "--mock", "--fault", "wrong-type", "--junit", "gate.xml")
    assert done.returncode == 1
    out = done.stdout
    assert '[schema] "true" is not of type "boolean"' in out
    assert "GET /api/v1/licenses.info as privileged (privileged) -> 200" in out
    assert "at: /license/trial (type)" in out and 'value: "true"' in out
    assert 'curl -sS -i --retry 30 --retry-connrefused --retry-delay 1 -H "X-Auth-Token: demo-admin-token"' in out
    suite = ET.parse(tmp_path / "gate.xml").getroot().find("testsuite")
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]  # type: ignore[union-attr]
    assert "schema" in failing


CANARY_TOKEN = "canaryTok-7f3a9c1e2b4d"
CANARY_USER = "canaryUsr-51c8e0"


def test_secrets_never_appear_in_any_output(tmp_path: Path, run_cli: RunCli) -> None:
    """Canary credentials, a server that echoes them back, a secret given as a flag: not one byte leaks.
    (In-process: test_hostile.py runs the real entry point against an echoing server.)"""
    users = {
        "users": [
            {
                "name": "admin",
                "userId": CANARY_USER,
                "authToken": CANARY_TOKEN,
                "permissions": ["view-privileged-setting", "api-bypass-rate-limit"],
            },
            {"name": "user", "userId": CANARY_USER + "-u", "authToken": CANARY_TOKEN + "-u", "permissions": []},
        ]
    }
    (tmp_path / "users.json").write_text(json.dumps(users))
    workdir = tmp_path / "work"
    workdir.mkdir()
    config = MockConfig(root=REPO, fault="echo-credentials", users_file=tmp_path / "users.json")
    with running_mock(config) as base:
        env = cli_env(
            ROCKETCHAT_AUTH_TOKEN=CANARY_TOKEN,
            ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN=CANARY_TOKEN + "-u",
            ROCKETCHAT_UNPRIVILEGED_USER_ID=CANARY_USER + "-u",
        )
        args = ("gate", "--base-url", base, "--user-id", CANARY_USER, "--strict", "--junit", "gate.xml")
        done = run_cli(*args, "--json", "gate.json", env=env, cwd=workdir)
    assert done.returncode == 1, done.stdout
    assert "--user-id puts a secret in shell history" in done.stderr
    written = [done.stdout.encode(), done.stderr.encode()] + [p.read_bytes() for p in workdir.rglob("*") if p.is_file()]
    assert {p.name for p in workdir.iterdir()} == {"gate.xml", "gate.json"}, "no .hypothesis or .schemathesis"
    for blob in written:
        assert CANARY_TOKEN.encode() not in blob and CANARY_USER.encode() not in blob
    assert '"x-auth-token":"***"' in done.stdout, "the echoed secret was found and masked"


# --- a mock nobody here wrote ---------------------------------------------------------------------


def _prism() -> Path | None:
    binary = REPO / "tooling" / "node_modules" / ".bin" / "prism"
    return binary if binary.exists() and shutil.which("node") else None


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: Prism cannot run here")
def test_gate_against_prism_serving_our_spec(tmp_path: Path) -> None:
    """Prism answers from our spec's examples and validates requests by the spec alone. So we expect
    the gate to fail it, for exactly the ways a spec-driven mock differs from Rocket.Chat:
    - it cannot tell a wrong token from a right one (wrong-token gets 200: an auth bypass);
    - it lets an unknown query parameter through (200, where the server's additionalProperties: false says 400);
    - it ignores who asks and what loadValues says (an ordinary user gets the full license, loadValues=true
      gets no current values).
    What it does take from the spec holds: anonymous callers get 401, loadValues=yes gets 400, and the
    200 bodies (our own examples) keep the schema."""
    prism = _prism()
    if prism is None:
        pytest.fail("npm is here but tooling/node_modules is not: `make test` installs it (npm ci --prefix tooling)")
    port = free_port()
    process = subprocess.Popen(
        [str(prism), "mock", str(REPO / "openapi.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import socket

        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "Prism did not start"
                time.sleep(0.3)
        result = gate(f"http://127.0.0.1:{port}", max_requests=15, schemathesis=True)
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)
    assert result.exit_code == 1
    by_id = {i.id: i for i in result.interactions}
    assert (by_id["wrong-token"].status, by_id["wrong-token"].state) == (200, "failed")
    assert (by_id["unknown-parameter"].status, by_id["unknown-parameter"].state) == (200, "failed")
    assert (by_id["anonymous"].status, by_id["anonymous"].state) == (401, "ok")
    assert (by_id["load-values-yes"].status, by_id["load-values-yes"].state) == (400, "ok")
    assert {"status", "semantic.caller-shape", "semantic.load-values"} <= failed_checks(result)
    assert result.version_source == "unknown" and result.profile == "default", "Prism has no /api/info"
    schema_failures = [f for f in result.findings if f.check == "schema" and f.exchange and f.exchange.status == 200]
    assert schema_failures == [], "Prism serves our own examples, which keep the schema"


# --- safety promises of the gate's HTTP client ---------------------------------------------------


def test_only_get_to_the_documented_paths() -> None:
    from rc_licenses_contract.gate.session import GateSession, RequestRefused

    session = GateSession(("/api/v1/licenses.info", "/api/info"), max_requests=5, deadline=time.monotonic() + 5)
    for method, url in (
        ("POST", "http://127.0.0.1:9/api/v1/licenses.info"),
        ("GET", "http://127.0.0.1:9/api/v1/me"),
        ("DELETE", "http://127.0.0.1:9/api/info"),
    ):
        with pytest.raises(RequestRefused):
            session.request(method, url)
    assert session.sent == 0


def test_oversized_answers_stop_the_run() -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def huge(request: object) -> Response:
        return Response(b'{"pad": "' + b"x" * (6 * 1024 * 1024) + b'"}', media_type="application/json")

    app = Starlette(routes=[Route("/api/v1/licenses.info", huge), Route("/api/info", huge)])
    with running_mock(app=app) as base:
        result = gate(base)
    assert result.exit_code == 3 and "larger than 5 MB" in (result.stop_reason or "")


def test_rate_limit_option_paces_requests() -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        started = time.monotonic()
        result = gate(base, min_interval=0.25, schemathesis=False)
        elapsed = time.monotonic() - started
    assert result.exit_code == 0
    assert elapsed >= 0.25 * (result.requests_sent - 1), (elapsed, result.requests_sent)


def test_transport_failures_read_as_one_clear_line() -> None:
    from rc_licenses_contract.gate.run import _reason

    dns = OSError(
        "HTTPConnectionPool(host='chat.invalid', port=443): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'chat.invalid' ([Errno -2] Name or service not known)\"))"
    )
    assert _reason(dns) == "DNS lookup failed (unknown host)"
    assert _reason(OSError("... [Errno 111] Connection refused")) == "connection refused"


def test_a_workspace_under_a_sub_path() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from rc_licenses_contract.mock.app import create_app

    app = Starlette(routes=[Mount("/chat", app=create_app(MockConfig(root=REPO)))])
    with running_mock(app=app) as base:
        result = gate(base + "/chat/")
    assert result.exit_code == 0, (result.stop_reason, [(f.check, f.message) for f in result.findings])
    assert result.version_source == "detected"


def test_the_gate_entry_point_in_a_real_process(run_cli_process: RunCli) -> None:
    """The console entry point itself, and its exit codes: 0 on the faithful mock, 1 on a broken one, 2 on usage."""
    held = run_cli_process("gate", "--mock", "--no-schemathesis")
    assert held.returncode == 0, held.stdout + held.stderr
    assert "PASSED" in held.stdout
    broken = run_cli_process("gate", "--mock", "--no-schemathesis", "--fault", "wrong-type")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    usage = run_cli_process("gate", "--base-url", "http://127.0.0.1:99999")
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1, usage.stderr


def test_a_ctrl_c_while_a_report_is_written_leaves_the_previous_one_and_no_part_file(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is written beside its place and moved there whole; a Ctrl-C mid-write (KeyboardInterrupt
    is not an OSError) left its hidden `.part` file behind."""
    from rc_licenses_contract.commands.common import ReportFile

    (tmp_path / "gate.json").write_text("previous")

    def interrupted(self: ReportFile, text: str) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(ReportFile, "write", interrupted)
        done = run_cli("gate", "--mock", "--no-schemathesis", "--json", "gate.json")
    assert done.returncode == 130 and done.stderr.strip().endswith("interrupted"), done.stderr
    assert (tmp_path / "gate.json").read_text() == "previous"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".gate.json")) == []
