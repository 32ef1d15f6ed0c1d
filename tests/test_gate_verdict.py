"""The gate's verdict: checks that know when they apply, exploration that says what it did, one finding
per defect, reproduce lines that run, CI-native output, --wait-for, and snapshots of the text report."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from rc_licenses_contract.gate.checks import CHECKS
from rc_licenses_contract.gate.report import json_report, junit_report, reproduce_line, text_report
from rc_licenses_contract.gate.result import Credentials, GateOptions, GateResult
from rc_licenses_contract.gate.run import run_gate
from rc_licenses_contract.gate.secrets import Redactor
from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import free_port, running_mock

from .conftest import REPO, RunCli, RunPytest, cli_env, in_process_runner

ADMIN = Credentials("rc-demo-admin", "demo-admin-token")
USER = Credentials("rc-demo-user", "demo-user-token")
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_SNAPSHOTS = os.environ.get("RC_UPDATE_SNAPSHOTS") == "1"
NO_SECRETS = Redactor([])
# Dozens of gate runs on one contract: Schemathesis generates its seeded queries once (see the fixture).
pytestmark = pytest.mark.usefixtures("generation_drawn_once")


def gate(base: str, **settings: object) -> GateResult:
    options = GateOptions(base_url=base, privileged=ADMIN, unprivileged=USER, root=REPO, timeout=60.0)
    for name, value in settings.items():
        setattr(options, name, value)
    return run_gate(options)


def states(result: GateResult) -> dict[str, str]:
    return {c.id: c.state for c in result.checks}


# --- checks know when they apply --------------------------------------------------------------------


def test_a_check_with_nothing_to_look_at_is_not_applicable_never_passed() -> None:
    """Community on 6.x: no nested license (no license at all) and no externalModules (6.x has none)."""
    with running_mock(MockConfig(root=REPO, scenario="community", server_version="6")) as base:
        result = gate(base)
    assert result.exit_code == 0, [f.message for f in result.findings]
    by_id = {c.id: c for c in result.checks}
    for check_id in ("semantic.license-consistency", "semantic.external-modules", "rate-limit"):
        assert by_id[check_id].state == "not applicable" and by_id[check_id].examined == 0
        assert by_id[check_id].note.startswith("no ") and by_id[check_id].note.endswith("in this run")
    assert "nested license" in by_id["semantic.license-consistency"].note
    assert "externalModules" in by_id["semantic.external-modules"].note
    # No-license defaults do apply here, and every PASS says how many answers it looked at.
    assert by_id["semantic.no-license-defaults"].state == "passed"
    assert all(c.examined > 0 for c in result.checks if c.state == "passed")
    assert by_id["status"].examined >= 8

    text = text_report(result, NO_SECRETS)
    assert re.search(r"n/a  semantic\.external-modules +Every external module", text)
    assert re.search(r"PASS status +\d+ answers  Status code", text)
    document = json.loads(json_report(result, NO_SECRETS))
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["semantic.external-modules"]["state"] == "not applicable"
    assert checks["status"]["examined"] == by_id["status"].examined
    suite = ET.fromstring(junit_report(result, NO_SECRETS)).find("testsuite")
    assert suite is not None
    skipped = {
        case.get("name"): str(case.find("skipped").get("message"))  # type: ignore[union-attr]
        for case in suite.iter("testcase")
        if case.find("skipped") is not None
    }
    assert skipped["semantic.external-modules"].startswith("not applicable: no 200 answers")
    assert suite.get("failures") == "0"


def test_with_enterprise_on_8_the_same_checks_do_apply_and_catch_their_fault() -> None:
    with running_mock(MockConfig(root=REPO, scenario="enterprise", fault="external-not-active")) as base:
        result = gate(base)
    assert states(result)["semantic.external-modules"] == "failed"
    assert states(result)["semantic.license-consistency"] == "passed"


def test_one_registry_is_read_by_the_plugin_and_lists_ours_and_schemathesis() -> None:
    from rc_licenses_contract.pytest_plugin import _check_ids

    assert _check_ids() == list(CHECKS)
    engines = {c.engine for c in CHECKS.values()}
    assert engines == {"gate", "schemathesis"}
    # No second list: Schemathesis' check names appear in the module that registers them only.
    gate_dir = REPO / "src" / "rc_licenses_contract"
    registering = gate_dir / "gate" / "checks" / "st_checks.py"
    assert "response_schema_conformance" in registering.read_text()
    for path in gate_dir.rglob("*.py"):
        if path != registering:
            assert "response_schema_conformance" not in path.read_text(), path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_gate_modules_have_no_import_cycle() -> None:
    gate_dir = REPO / "src" / "rc_licenses_contract" / "gate"
    assert "run" not in _imports(gate_dir / "st.py") and "run" not in _imports(gate_dir / "report.py")
    checks = sorted((gate_dir / "checks").glob("*.py"))
    assert len(checks) > 1
    for module in checks:
        assert not {"run", "st", "report", "explore", "transport"} & _imports(module), module
    assert not {"run", "st", "report"} & _imports(gate_dir / "result.py")


# --- exploration ------------------------------------------------------------------------------------


def test_a_budget_cut_exploration_is_reported_and_not_a_failure_by_default() -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        result = gate(base)  # the gentle default: 10 requests, 8 of them for the interaction contract
    with running_mock(MockConfig(root=REPO)) as base:  # a fresh rate-limit window
        strict = gate(base, exploration_must_finish=True)
    exploration = result.exploration
    assert exploration.stopped == "budget" and exploration.cut_short
    assert exploration.not_made > 0 and exploration.generated["negative query"] > 0
    assert result.exit_code == 0 and result.requests_sent == 10
    text = text_report(result, NO_SECRETS)
    assert "exploration CUT SHORT by the request budget" in text
    assert "planned requests not made (reported, not a failure" in text
    assert text.rstrip().endswith("PASSED: the contract holds (exploration cut short, see above); 0 warnings (exit 0)")
    assert strict.exit_code == 3 and "exploration cut short" in (strict.incomplete_reason or "")


def test_auth_probes_cut_by_the_budget_are_not_checked_never_passed() -> None:
    with running_mock(MockConfig(root=REPO)) as base:
        result = gate(base, max_requests=9)  # the interaction contract takes 8; the probes need 2 more
    ignored_auth = result.outcome("schemathesis.ignored_auth")
    assert (ignored_auth.state, ignored_auth.examined) == ("not checked", 0)
    assert ignored_auth.note.startswith("exploration cut short before it finished: request budget of 9")
    assert result.exploration.stopped == "budget" and result.exit_code == 0


def test_gate_mock_explores_for_real(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli("gate", "--mock", "--json", "gate.json")
    assert done.returncode == 0, done.stdout
    exploration = json.loads((tmp_path / "gate.json").read_text())["exploration"]
    assert exploration["stopped"] == "finished"
    assert sum(exploration["generated"].values()) >= 100
    assert exploration["generated"]["positive"] > 0 and exploration["generated"]["negative query"] > 0
    assert exploration["sent"]["negative query"] >= 20 and exploration["sent"]["positive"] >= 1
    assert exploration["sent"]["auth probes"] >= 2
    assert "exploration finished: Schemathesis generated" in done.stdout


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("ignore-unknown-params", (200, 400)), ("validate-before-auth", (400, 401))],
)
def test_generated_invalid_queries_must_get_400_and_401_first(fault: str, expected: tuple[int, int]) -> None:
    got, wanted = expected
    with running_mock(MockConfig(root=REPO, fault=fault)) as base:
        result = gate(base, max_requests=200, examples=40)
    assert result.exit_code == 1
    [finding] = [f for f in result.findings if f.check == "status"]
    assert finding.message == f"got {got}, not the status the contract expects"
    assert {(e.status, e.expected_status) for e in finding.occurrences} == {(got, wanted)}
    kinds = {e.kind for e in finding.occurrences}
    assert "negative query" in kinds, "exploration found it too, not only the interaction contract"
    assert f"-> {got} (expected {wanted})" in text_report(result, NO_SECRETS)


# --- one defect, one finding --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wrong_type_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:  # type: ignore[type-arg]
    workdir = tmp_path_factory.mktemp("wrong-type")
    done = in_process_runner(workdir)("gate", "--mock", "--fault", "wrong-type", "--json", "g.json")
    return done, json.loads((workdir / "g.json").read_text())


def test_one_wrong_field_is_one_schema_finding_with_all_its_occurrences(
    wrong_type_run: tuple[subprocess.CompletedProcess[str], dict],  # type: ignore[type-arg]
) -> None:
    done, document = wrong_type_run
    assert done.returncode == 1
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    schema = [f for f in errors if f["check"] == "schema"]
    semantic = [f for f in errors if f["check"].startswith("semantic.")]
    assert len(schema) == 1 and len(semantic) <= 1 and len(errors) == len(schema) + len(semantic)
    [finding] = schema
    assert (finding["pointer"], finding["keyword"], finding["value"]) == ("/license/trial", "type", '"true"')
    assert finding["alsoSeenBy"] == ["schemathesis.response_schema_conformance"]
    callers = {(o["caller"], o["query"]) for o in finding["occurrences"]}
    assert {("privileged", ""), ("privileged", "loadValues=true"), ("unprivileged", "")} <= callers
    assert len(finding["occurrences"]) >= 4, "generated positive cases saw it too"
    assert document["defects"] == len(errors)
    assert f"FAILED: {len(errors)} defects (seen" in done.stdout
    # Values as JSON, never Python repr, messages included.
    assert semantic[0]["message"] == 'trial is "true" but the license says true'
    assert "True" not in done.stdout and "'true'" not in done.stdout
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["schemathesis.response_schema_conformance"]["state"] == "failed"
    assert checks["schemathesis.response_schema_conformance"]["note"] == "same defect as schema"


def test_a_printed_reproduce_line_runs_as_printed(
    wrong_type_run: tuple[subprocess.CompletedProcess[str], dict],  # type: ignore[type-arg]
) -> None:
    done, _ = wrong_type_run
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("reproduce: "))
    command = line.strip().removeprefix("reproduce: ")
    assert command.startswith("rc-licenses-contract mock --scenario enterprise-trial --server-version 8 --fault")
    assert "--seed 0" in command and "demo-admin-token" in command
    env = cli_env(RC_MOCK_PORT=str(free_port()))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ran = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=90, env=env, check=False)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("HTTP/1.1 200") and '"trial":"true"' in ran.stdout


def test_reproduce_lines_for_a_workspace_use_variables_never_values() -> None:
    with running_mock(MockConfig(root=REPO, fault="wrong-type")) as base:
        result = gate(base)
    finding = next(f for f in result.findings if f.check == "schema")
    assert finding.exchange is not None
    line = reproduce_line(result, finding.exchange)
    assert '-H "X-Auth-Token: $ROCKETCHAT_AUTH_TOKEN" -H "X-User-Id: $ROCKETCHAT_USER_ID"' in line
    assert ADMIN.auth_token not in line and ADMIN.user_id not in line


# --- the text report --------------------------------------------------------------------------------


def _normalised(text: str) -> str:
    """Ports, times, and the counts that move with the number of distinct negative queries drawn.

    Hypothesis mixes constants from local (here: editable-installed) source code into what it generates,
    so any edit to the package can change how many distinct invalid queries a seed yields. Everything
    else in the report is stable and stays in the snapshot.
    """
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"replay cache; [\d.]+ s", "replay cache; T s", text)
    text = re.sub(r"requests: \d+ of budget", "requests: NN of budget", text)
    text = re.sub(r"\d+ negative quer", "NN negative quer", text)
    return re.sub(r"\b(\d{2,}) answers", lambda number: "N" * len(number[1]) + " answers", text)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("gate-pass-community-6.txt", ["--scenario", "community", "--server-version", "6"]),
        ("gate-fail-wrong-type.txt", ["--fault", "wrong-type"]),
    ],
)
def test_text_report_snapshot(run_cli: RunCli, name: str, args: list[str]) -> None:
    """The whole report, to keep it readable (RC_UPDATE_SNAPSHOTS=1 rewrites them after a wanted change)."""
    done = run_cli("gate", "--mock", *args)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    text = _normalised(done.stdout)
    path = SNAPSHOTS / name
    if UPDATE_SNAPSHOTS:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert text.count("\nlegend: ") == 1
    assert "::error" not in text and "::warning" not in text, "no workflow commands outside GitHub Actions"


def test_an_incomplete_run_says_why_first(run_cli: RunCli) -> None:
    env = cli_env(ROCKETCHAT_AUTH_TOKEN="a-token", ROCKETCHAT_USER_ID="a-user")
    done = run_cli("gate", "--base-url", f"http://127.0.0.1:{free_port()}", env=env)
    assert done.returncode == 3
    first = done.stdout.splitlines()[0]
    assert first.startswith("INCOMPLETE: cannot reach http://127.0.0.1:") and "connection refused" in first
    assert f"none could run ({len(CHECKS)} checks): the run stopped first" in done.stdout
    assert len(done.stdout.splitlines()) < 20, "no rows of empty checks"


def test_gate_help_groups_its_options(run_cli: RunCli) -> None:
    done = run_cli("gate", "--help")
    assert done.returncode == 0
    headings = [line for line in done.stdout.splitlines() if line and not line.startswith(" ") and line.endswith(":")]
    assert {"target and callers:", "budget and pacing:", "reports:", "mock-only (with --mock):"} <= set(headings)
    assert "with --mock: the version the mock acts as" in done.stdout
    assert "Without --mock: take this as the" in done.stdout
    assert max(len(line) for line in done.stdout.split("environment:")[0].splitlines()) <= 100


# --- --wait-for ---------------------------------------------------------------------------------------


@pytest.fixture
def late_server() -> Iterator[str]:
    """The mock, listening only 1 s after the test starts, on a port chosen now (--wait-for asks again after
    0.2, 0.6 and 1.4 s)."""
    port = free_port()
    stop = threading.Event()

    def serve() -> None:
        time.sleep(1.0)
        with running_mock(MockConfig(root=REPO), port=port):
            stop.wait(60)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    thread.join(15)


def test_wait_for_retries_until_a_late_server_answers(late_server: str) -> None:
    result = gate(late_server, wait_for=20.0)
    assert result.exit_code == 0, result.incomplete_reason
    assert 1.0 <= result.waited < 20.0
    assert f"waited {result.waited:.1f} s for the workspace to answer" in text_report(result, NO_SECRETS)


def test_wait_for_gives_up_and_says_how_long_it_waited() -> None:
    started = time.monotonic()
    result = gate(f"http://127.0.0.1:{free_port()}", wait_for=1.0)
    assert result.exit_code == 3 and time.monotonic() - started < 10
    assert "connection refused" in (result.stop_reason or "") and "--wait-for" in (result.stop_reason or "")


# --- CI-native output -----------------------------------------------------------------------------------


def test_workflow_commands_are_escaped() -> None:
    from rc_licenses_contract.github import cell, command

    line = command("error", "50% done\r\nsecond line ::warning::x", file="a,b:c.json", line=3, title="t: x")
    assert line == "::error file=a%2Cb%3Ac.json,line=3,title=t%3A x::50%25 done\\x0d%0Asecond line ::warning::x"
    assert "\n" not in line and "\r" not in line
    assert command("warning", "bell\x07 and \u202e") == "::warning::bell\\x07 and \\u202e"
    assert cell("a|b <img src=x> `c`\nd") == "a&#124;b &lt;img src=x&gt; &#96;c&#96; d"
    assert cell("![i](https://t.example/i.png) [go](https://t.example)") == (
        "!&#91;i&#93;(https://t.example/i.png) &#91;go&#93;(https://t.example)"
    )


def test_gate_in_github_actions_annotates_and_writes_a_step_summary(run_cli: RunCli, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    done = run_cli("gate", "--mock", "--fault", "wrong-type", env=env)
    assert done.returncode == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert any(
        line.startswith('::error title=licenses.info contract%3A schema::[schema] "true" is not of type "boolean"%0A')
        for line in annotations
    ), annotations
    assert all(line.startswith(("::error ", "::warning ")) for line in annotations)
    markdown = summary.read_text()
    assert markdown.startswith("## licenses.info contract gate: FAILED: 2 defects")
    assert "| FAIL | `schema` |" in markdown and "| n/a | `rate-limit` |" in markdown
    assert "- **schema** at `/license/trial`" in markdown


def test_validate_in_github_actions_annotates_with_file_and_line(run_cli: RunCli, tmp_path: Path) -> None:
    good = json.loads((REPO / "contracts" / "examples" / "seed-trial-6x.json").read_text())
    good = good.get("value", good)
    bad = json.loads(json.dumps(good))
    bad["license"]["trial"] = "yes"
    (tmp_path / "dump.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    summary = tmp_path / "summary.md"
    env = cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    done = run_cli("validate", "dump.jsonl", env=env)
    assert done.returncode == 1
    assert (
        '::error file=dump.jsonl,line=2,title=licenses.info contract%3A violation::/license/trial: "yes" is not of '
        'type "boolean" [type]'
    ) in done.stdout
    assert "line=1" not in done.stdout
    assert summary.read_text().startswith("## licenses.info contract: captured bodies failed")
    as_json = run_cli("validate", "--format", "json", "--github", "dump.jsonl")
    json.loads(as_json.stdout)  # the annotations went to stderr, the report stays JSON
    assert "::error file=dump.jsonl,line=2" in as_json.stderr


# --- the pytest plugin ----------------------------------------------------------------------------------


def test_pytest_plugin_makes_an_item_of_every_registered_check(run_pytest: tuple[Path, RunPytest]) -> None:
    folder, run = run_pytest
    (folder / "test_nothing.py").write_text("")
    with running_mock(MockConfig(root=REPO, scenario="community", server_version="6")) as base:
        env = cli_env(ROCKETCHAT_AUTH_TOKEN=ADMIN.auth_token, ROCKETCHAT_USER_ID=ADMIN.user_id)
        done = run("-rs", "-v", "-p", "no:cacheprovider", "--rc-base-url", base, env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    shown = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("rc-licenses-contract::")}
    # pytest shows the dots of an item's name as "::" in verbose lines.
    expected = {"rc-licenses-contract::" + check_id.replace(".", "::") for check_id in [*CHECKS, "run-complete"]}
    assert shown == expected
    assert "rc-licenses-contract::status PASSED" in done.stdout
    assert "rc-licenses-contract::semantic::external-modules SKIPPED" in done.stdout
    assert "not applicable: no 200 answers with a non-empty license.externalModules" in done.stdout


def test_text_a_server_sends_is_inert_in_every_report() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def licenses(request: Request) -> Response:
        if not request.headers.get("x-auth-token"):
            return JSONResponse({"status": "error", "message": "You must be logged in to do this."}, 401)
        return JSONResponse({"success": True, "license": {"trial": "\x1b[32mPASSED\x00\u202e"}})

    app = Starlette(routes=[Route("/api/v1/licenses.info", licenses)])
    with running_mock(app=app) as base:
        result = gate(base, schemathesis=False)
    assert result.exit_code == 1
    text = text_report(result, NO_SECRETS)
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert 'value: "\\u001b[32mPASSED\\u0000\\u202e"' in text  # JSON escapes, and the escaper's for the rest
    suite = ET.fromstring(junit_report(result, NO_SECRETS)).find("testsuite")  # parses: no raw controls
    assert suite is not None and int(suite.get("failures") or 0) >= 1


@pytest.mark.parametrize(("counts_401s", "sampled"), [(False, 5), (True, 1)])
def test_invalid_queries_sampled_anonymously_spare_a_rate_limited_window(counts_401s: bool, sampled: int) -> None:
    """When 401s carry no X-RateLimit-* (Rocket.Chat never counts them), five invalid queries are also
    asked anonymously; a server whose 401s are counted (X-RateLimit-* on them) gets one, sparing its window."""
    from starlette.types import Message, Receive, Scope, Send

    from rc_licenses_contract.mock.app import create_app

    inner = create_app(MockConfig(root=REPO))
    anonymous_queries: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        anonymous = b"x-auth-token" not in headers and b"x-user-id" not in headers
        if scope["type"] == "http" and anonymous and scope["query_string"] and scope["path"].endswith(".info"):
            anonymous_queries.append(scope["query_string"].decode())

        async def send_counting_401s(message: Message) -> None:
            if counts_401s and message["type"] == "http.response.start" and message["status"] == 401:
                reset = str(int(time.time() * 1000) + 60_000).encode()
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (b"x-ratelimit-limit", b"10"),
                        (b"x-ratelimit-remaining", b"9"),
                        (b"x-ratelimit-reset", reset),
                    ],
                }
            await send(message)

        await inner(scope, receive, send_counting_401s)

    with running_mock(app=app) as base:
        result = gate(base, max_requests=200, examples=40)
    assert result.exit_code == 0 and result.exploration.stopped == "finished"
    assert len(anonymous_queries) == 1 + sampled, anonymous_queries  # the interaction contract's own, + samples


def test_wait_for_against_a_server_that_never_answers_names_wait_for_not_timeout() -> None:
    """A server that accepts and never answers: the wait ends at --wait-for, and the reason says so."""
    from .hostile import Conn, HostileServer, Request

    def silent(request: Request, conn: Conn) -> None:
        conn.wait(30)

    with HostileServer(silent, max_seconds=30).running() as server:
        started = time.monotonic()
        result = gate(server.base, wait_for=1.0, timeout=30.0)
    assert result.exit_code == 3 and time.monotonic() - started < 5
    reason = result.stop_reason or ""
    assert "did not come up" in reason and "--wait-for" in reason, reason
    assert "--timeout" not in reason, reason


def test_timeout_bounds_case_generation_too() -> None:
    """--timeout is the whole run's wall clock: Hypothesis drawing thousands of cases stops there as well (it
    ran on for minutes), and the exploration says it was cut short by the time."""
    with running_mock(MockConfig(root=REPO)) as base:
        started = time.monotonic()
        result = gate(base, examples=2000, timeout=1.5, max_requests=50)
        took = time.monotonic() - started
    assert took < 1.5 + 3.0, f"took {took:.1f} s with --timeout 1.5"
    assert result.stop_reason is None, result.stop_reason
    assert result.exploration.stopped == "time", result.exploration
    assert "generated" in result.exploration.detail


def test_response_time_counts_to_the_last_byte_of_the_body() -> None:
    """Headers at once, then a body trickled over a second: the answer is slow (requests' own clock stops at
    the headers, so the check passed it)."""
    from .hostile import Conn, HostileServer, Request, version_info

    body = json.dumps({"status": "error", "message": "You must be logged in to do this."}).encode()

    def trickle(request: Request, conn: Conn) -> None:
        if version_info(request, conn):
            return
        conn.send(b"HTTP/1.1 401 X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), len(body) // 5 + 1):
            conn.send(body[start : start + len(body) // 5 + 1])
            conn.wait(0.25)

    with HostileServer(trickle, max_seconds=20).running() as server:
        result = gate(server.base, schemathesis=False, max_requests=1, max_response_time=0.5)
    assert result.outcome("response-time").state == "failed", result.outcome("response-time")
    slow = next(f for f in result.findings if f.check == "response-time")
    assert float(json.loads(slow.value).split()[0]) >= 1.0, slow.value


def test_cookies_a_server_sets_are_never_sent_back_and_never_stop_the_auth_probes() -> None:
    """A load balancer's cookies (two Set-Cookie headers): the anonymous caller stays anonymous (requests'
    cookie jar sent them on every later request), and Schemathesis' auth probes run (its client stopped
    with StopIteration on the merged header: the check was a warning, never run)."""
    from .hostile import Conn, HostileServer, Request, json_response, version_info

    cookies: list[str | None] = []

    def handler(request: Request, conn: Conn) -> None:
        cookies.append(request.headers.get("cookie"))
        if version_info(request, conn):
            return
        if request.headers.get("x-auth-token") == ADMIN.auth_token:
            answer = json_response(200, {"success": True, "license": {}})
        else:
            answer = json_response(401, {"status": "error", "message": "You must be logged in to do this."})
        conn.send(answer.replace(b"\r\n\r\n", b"\r\nSet-Cookie: lb=a1\r\nSet-Cookie: lbcors=a1\r\n\r\n", 1))

    with HostileServer(handler, max_seconds=30).running() as server:
        result = gate(server.base, max_requests=14)
    assert set(cookies) == {None}, set(cookies)
    assert result.outcome("schemathesis.ignored_auth").state == "passed", result.outcome("schemathesis.ignored_auth")


def test_the_auth_probes_planned_are_the_ones_schemathesis_sends() -> None:
    """Schemathesis' auth-bypass check asks once without credentials and once per security-scheme header:
    the plan counts them from the contract, and the run made exactly that many."""
    from rc_licenses_contract.gate.result import AUTH_PROBES
    from rc_licenses_contract.loader import load_contract

    headers = load_contract(REPO).auth_headers
    with running_mock(MockConfig(root=REPO)) as base:
        result = gate(base)  # the probes come first: the default budget has room for them
    exploration = result.exploration
    assert exploration.planned[AUTH_PROBES] == 1 + len(headers) == 3
    assert exploration.made[AUTH_PROBES] == exploration.planned[AUTH_PROBES], exploration
