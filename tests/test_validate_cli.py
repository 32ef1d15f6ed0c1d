"""`rc-licenses-contract validate`, run as a subprocess on real files made in temp dirs."""

from __future__ import annotations

import base64
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.loader import Contract

from .conftest import REPO, RunCli, cli_env


@pytest.fixture
def seed(contract: Contract) -> dict[str, Any]:
    return copy.deepcopy(contract.examples["seed-trial-6x"].value)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def broken(seed: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(seed)
    body["license"]["trial"] = "yes"
    return body


def har_entry(url: str, status: int, body: str | None, *, base64_body: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"mimeType": "application/json", "size": len(body or "")}
    if body is not None:
        content["text"] = base64.b64encode(body.encode()).decode() if base64_body else body
        if base64_body:
            content["encoding"] = "base64"
    return {
        "startedDateTime": "2026-11-29T10:00:00.000Z",
        "time": 12,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": []},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "content": content},
    }


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr


# --- input kinds ---------------------------------------------------------------------------------


def test_single_valid_file(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "body.json").write_text(json.dumps(seed, indent=2))
    done = run_cli("validate", "body.json")
    assert done.returncode == 0, done.stdout
    assert "passed: 1 records, 1 valid, 0 invalid" in done.stdout


def test_invalid_file_is_located_by_pointer_and_keyword(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "bad.json").write_text(json.dumps(broken(seed)))
    done = run_cli("validate", "bad.json")
    assert done.returncode == 1
    assert 'error: bad.json::/license/trial: "yes" is not of type "boolean" [type]' in done.stdout


def test_best_match_for_any_of(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    seed["license"]["activeModules"][2] = "time-travel"
    (tmp_path / "bad.json").write_text(json.dumps(seed))
    done = run_cli("validate", "bad.json")
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "/license/activeModules/2" in line)
    assert "best match" in line and "[anyOf]" in line


def test_folder_is_searched_recursively(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    nested = tmp_path / "captures" / "2026" / "11"
    nested.mkdir(parents=True)
    (nested / "a.json").write_text(json.dumps(seed))
    (nested / "b.jsonl").write_text(compact(seed) + "\n" + compact(broken(seed)) + "\n")
    (tmp_path / "captures" / "c.har").write_text(
        json.dumps(
            {"log": {"version": "1.2", "entries": [har_entry("https://x/api/v1/licenses.info", 200, compact(seed))]}}
        )
    )
    (nested / "notes.txt").write_text("not a capture")
    done = run_cli("validate", "captures")
    assert done.returncode == 1
    assert "failed: 4 records, 3 valid, 1 invalid" in done.stdout
    assert f"{Path('captures/2026/11/b.jsonl')}:2::/license/trial" in done.stdout


def test_json_lines_name_the_line(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    lines = [compact(seed), compact(seed), '{"license": {', "", compact(broken(seed)), "  ", compact(seed)]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n")
    done = run_cli("validate", "dump.jsonl")
    assert done.returncode == 1
    assert "unreadable: dump.jsonl:3: invalid JSON at column" in done.stdout
    assert "error: dump.jsonl:5::/license/trial" in done.stdout
    assert "5 records, 3 valid, 1 invalid, 1 unreadable, 2 skipped" in done.stdout


def test_crlf_json_lines(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "dump.jsonl").write_bytes((compact(seed) + "\r\n" + compact(broken(seed)) + "\r\n").encode())
    done = run_cli("validate", "dump.jsonl")
    assert "error: dump.jsonl:2::/license/trial" in done.stdout
    assert "2 records, 1 valid, 1 invalid, 0 unreadable" in done.stdout


def test_standard_input_json_jsonl_and_har(run_cli: RunCli, seed: dict[str, Any]) -> None:
    done = run_cli("validate", "-", input=json.dumps(seed, indent=2))
    assert done.returncode == 0 and "1 records, 1 valid" in done.stdout
    done = run_cli("validate", "-", input=compact(seed) + "\n" + compact(broken(seed)) + "\n")
    assert done.returncode == 1 and "-:2::/license/trial" in done.stdout
    har = {"log": {"entries": [har_entry("http://h/api/v1/licenses.info", 200, compact(seed))]}}
    done = run_cli("validate", "-", input=json.dumps(har))
    assert done.returncode == 0 and "-#entry0[status=200]" not in done.stdout and "1 records, 1 valid" in done.stdout


def test_standard_input_named_twice_is_read_once_like_a_file(run_cli: RunCli, seed: dict[str, Any]) -> None:
    """`validate - -`: one content, one record and a note, as for a file named twice (a second read found
    nothing and failed the run with an "empty input" record)."""
    done = run_cli("validate", "-", "-", input=json.dumps(seed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "1 records, 1 valid" in done.stdout and "note: -: standard input named more than once; read once" in done.stdout
    )


def test_har_capture(run_cli: RunCli, tmp_path: Path, contract: Contract, seed: dict[str, Any]) -> None:
    unauthorized = contract.examples["unauthorized-8x"].value
    entries = [
        har_entry(
            "https://chat.example.com/api/v1/licenses.info?loadValues=true", 200, compact(seed), base64_body=True
        ),
        har_entry("https://chat.example.com/api/v1/me", 200, "{}"),
        har_entry("https://chat.example.com/api/v1/licenses.info", 401, compact(unauthorized)),
        har_entry("https://chat.example.com/api/v1/licenses.info?loadValues=yes", 400, '{"success": true}'),
        har_entry("https://chat.example.com/sockjs/info", 200, "{}"),
        har_entry("https://chat.example.com/api/v1/licenses.info", 500, "<html>oops</html>"),
        har_entry("https://chat.example.com/api/v1/licenses.info", 0, None),
        har_entry("https://chat.example.com/api/v1/licenses.info", 200, None),
    ]
    (tmp_path / "session.har").write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    done = run_cli("validate", "session.har")
    out = done.stdout
    assert done.returncode == 1
    assert "session.har#entry3[status=400,loadValues=yes]::(root)" in out  # 400 schema: errorType missing
    assert "session.har#entry3[status=400,loadValues=yes]::/success" in out
    assert "session.har#entry5[status=500]::(root): status 500 is not a documented response" in out
    assert "unreadable: session.har#entry6[status=0]: no response recorded" in out
    assert "unreadable: session.har#entry7[status=200]: response body not captured" in out
    assert "entry0" not in out and "entry2" not in out  # the valid 200 (base64) and the valid 401
    assert "6 records, 2 valid, 2 invalid, 2 unreadable, 2 skipped" in out


def test_har_results_show_query_and_status_in_json(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    entry = har_entry("https://x/api/v1/licenses.info?loadValues=true", 200, compact(seed))
    (tmp_path / "one.har").write_text(json.dumps({"log": {"entries": [entry]}}))
    done = run_cli("validate", "--format", "json", "one.har")
    [record] = json.loads(done.stdout)["records"]
    assert record["status"] == 200 and record["query"] == "loadValues=true" and record["state"] == "valid"


def test_response_option_for_bare_bodies(run_cli: RunCli, tmp_path: Path, contract: Contract) -> None:
    (tmp_path / "401.json").write_text(json.dumps(contract.examples["unauthorized-6x"].value))
    assert run_cli("validate", "--response", "401", "401.json").returncode == 0
    done = run_cli("validate", "401.json")
    assert done.returncode == 1 and '(root): "license" is a required property' in done.stdout


# --- bad input: one clear line each, the run goes on --------------------------------------------


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("invalid.json", b'{\n  "license": {,\n}', "invalid JSON at line 2 column 15"),
    ("empty.json", b"", "empty file"),
    ("latin1.json", '{"license": "caf\u00e9"}'.encode("latin-1"), "not valid UTF-8: byte 0xe9"),
    ("bom.json", b"\xef\xbb\xbf{}", "byte-order mark"),
    ("nan.json", b'{"license": NaN, "success": true}', "NaN is not valid JSON"),
    ("inf.json", b'{"success": Infinity}', "Infinity is not valid JSON"),
    ("dupe.json", b'{"success": true, "success": false}', "duplicate key 'success'"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("not-a-capture.har", b'{"log": {"pages": []}}', "not a HAR file: no log.entries list"),
    ("broken.har", b"<html>", "not a HAR file: invalid JSON"),
]


def test_every_bad_input_gets_one_clear_line(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data, _ in BAD_INPUTS:
        (folder / name).write_bytes(data)
    (folder / "good.json").write_text(json.dumps(seed))
    (folder / "array.json").write_text("[]")
    (folder / "scalar.json").write_text("42")
    (folder / "huge.json").write_text('{"license": {"limits": {}, "trial": 1' + "0" * 400 + "}}")
    (folder / "overflow.json").write_text('{"success": 1e400, "license": {}}')
    (folder / "dangling.json").symlink_to(folder / "gone.json")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "socket.json"))
    try:
        done = run_cli("validate", str(folder / "socket.json"), "in")
    finally:
        sock.close()
    no_traceback(done)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    for name, _, message in BAD_INPUTS:
        matching = [line for line in lines if f"{name}" in line and line.startswith("unreadable")]
        assert len(matching) == 1, (name, lines)
        assert message in matching[0], matching[0]
    assert any('array.json::(root): [] is not of type "object"' in line for line in lines)
    assert any('scalar.json::(root): 42 is not of type "object"' in line for line in lines)
    assert any(line.startswith("error: ") and "huge.json" in line and "/license/trial" in line for line in lines)
    assert any(line.startswith("error: ") and "overflow.json::/success" in line for line in lines)
    assert any("dangling.json: broken symbolic link" in line for line in lines)
    assert any("socket.json: not a regular file" in line for line in lines)
    summary = lines[-1]
    assert "1 valid" in summary, summary  # the good file was still checked


def test_unreadable_file(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    target = tmp_path / "secret.json"
    if os.geteuid() == 0:
        # root reads any file; reading /proc/self/mem at offset 0 fails with an I/O error instead
        target.symlink_to("/proc/self/mem")
        expected = "secret.json: cannot read: Input/output error"
    else:
        target.write_text(json.dumps(seed))
        target.chmod(0)
        expected = "secret.json: cannot read: Permission denied"
    (tmp_path / "good.json").write_text(json.dumps(seed))
    done = run_cli("validate", "secret.json", "good.json")
    no_traceback(done)
    assert done.returncode == 1
    assert f"unreadable: {expected}" in done.stdout
    assert "2 records, 1 valid, 0 invalid, 1 unreadable" in done.stdout


def test_large_json_lines_streams_in_chunks_with_right_line_numbers(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    """Several 8 MB chunks, across processes: line numbers stay exact and memory stays flat."""
    good = compact(seed).encode()
    bad = compact(broken(seed)).encode()
    count = 12_000  # about 35 MB: five chunks
    bad_lines = {3, 5_001, 11_999}
    with (tmp_path / "big.jsonl").open("wb") as handle:
        for number in range(1, count + 1):
            handle.write((bad if number in bad_lines else good) + b"\n")
    for jobs in ("1", "2"):
        command = [sys.executable, "-m", "rc_licenses_contract", "validate", "--jobs", jobs, "big.jsonl"]
        code, peak_kb, out = run_measuring_peak_memory(command, tmp_path)
        assert code == 1
        reported = sorted(int(line.split(":")[2]) for line in out.splitlines() if line.startswith("error:"))
        assert reported == sorted(bad_lines), out
        assert f"{count} records, {count - 3} valid, 3 invalid" in out
        assert peak_kb < 200 * 1024, f"peak {peak_kb / 1024:.0f} MB with --jobs {jobs}"


PEAK_HELPER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(f'peak-kb {usage.ru_maxrss} exit {os.waitstatus_to_exitcode(status)}', file=sys.stderr)\n"
)


def run_measuring_peak_memory(command: list[str], cwd: Path) -> tuple[int, int, str]:
    """Exit code, peak RSS (kB) of the command's process tree, stdout.

    Measured from a small helper: a child forked straight from this (large) pytest process would start
    with pytest's memory as its high-water mark.
    """
    done = subprocess.run(
        [sys.executable, "-c", PEAK_HELPER, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=cli_env(),
    )
    marker = done.stderr.strip().splitlines()[-1].split()
    return int(marker[3]), int(marker[1]), done.stdout


# --- formats, options, exit codes -------------------------------------------------------------


def test_junit_report_parses_with_a_test_case_per_record(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    seed_warned = copy.deepcopy(seed)
    seed_warned["license"]["x\x01y"] = "<&>"
    lines = [compact(seed), compact(broken(seed)), "{oops", compact(seed_warned)]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n")
    done = run_cli("validate", "--format", "junit", "--output", "report.xml", "dump.jsonl")
    assert done.returncode == 1
    assert "report written to report.xml" in done.stderr
    root = ET.parse(tmp_path / "report.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [f"dump.jsonl:{n}" for n in (1, 2, 3, 4)]
    assert cases[1].find("failure") is not None and "/license/trial" in (cases[1].find("failure").text or "")  # type: ignore[union-attr]
    assert cases[2].find("error") is not None
    assert "undocumented property" in (cases[3].findtext("system-out") or "")


def test_json_report_structure(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "a.json").write_text(json.dumps(broken(seed)))
    (tmp_path / "b.json").write_text(json.dumps(seed))
    done = run_cli("validate", "--format", "json", "a.json", "b.json")
    report = json.loads(done.stdout)
    assert report["options"] == {"profile": "default", "strict": False, "response": "200", "engine": "rs"}
    assert [r["state"] for r in report["records"]] == ["invalid", "valid"]
    error = report["records"][0]["errors"][0]
    assert error["pointer"] == "/license/trial" and error["keyword"] == "type"
    assert error["schemaLocation"].endswith("license-info.json#/properties/trial/type")
    assert report["summary"]["records"] == 2 and report["summary"]["passed"] is False


def test_profiles_and_strict(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any], contract: Contract) -> None:
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    assert run_cli("validate", "seed.json").returncode == 0
    done = run_cli("validate", "--profile", "8", "seed.json")
    assert done.returncode == 1 and '"externalModules" is a required property' in done.stdout
    (tmp_path / "e8.json").write_text(json.dumps(contract.examples["enterprise-8x"].value))
    assert run_cli("validate", "--profile", "8", "e8.json").returncode == 0
    seed["license"]["license"]["information"]["region"] = "eu"
    (tmp_path / "extra.json").write_text(json.dumps(seed))
    relaxed = run_cli("validate", "extra.json")
    assert relaxed.returncode == 0 and "warning: extra.json::/license/license/information/region" in relaxed.stdout
    strict = run_cli("validate", "--strict", "extra.json")
    assert strict.returncode == 1 and "error: extra.json::/license/license/information/region" in strict.stdout
    quiet = run_cli("validate", "-q", "extra.json")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_max_errors_verbose_engine_and_color(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    for key in ("trial", "tags", "limits"):
        seed["license"][key] = "wrong"
    (tmp_path / "bad.json").write_text(json.dumps(seed))
    assert run_cli("validate", "bad.json").stdout.count("error:") == 3
    assert run_cli("validate", "--max-errors", "1", "bad.json").stdout.count("error:") == 1
    reference = run_cli("validate", "--engine", "jsonschema", "bad.json")
    assert reference.returncode == 1 and reference.stdout.count("error:") == 3
    (tmp_path / "ok.json").write_text(
        json.dumps(broken(broken(seed)) | {"license": seed["license"] | {"trial": True, "tags": [], "limits": {}}})
    )
    verbose = run_cli("validate", "-v", "ok.json")
    assert "ok: ok.json" in verbose.stdout
    colored = run_cli("validate", "--color", "always", "bad.json")
    assert "\x1b[31;1merror\x1b[0m" in colored.stdout
    assert "\x1b[" not in run_cli("validate", "bad.json").stdout  # not a terminal, and NO_COLOR is set


def test_exit_codes(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("validate", "missing.json").returncode == 2
    assert "missing.json: no such file or directory" in run_cli("validate", "missing.json").stderr
    assert run_cli("validate", "--format", "yaml", "x").returncode == 2
    assert run_cli("validate", "--jobs", "0", "x").returncode == 2
    assert run_cli("validate").returncode == 2
    (tmp_path / "empty").mkdir()
    done = run_cli("validate", "empty")
    assert done.returncode == 1 and "no records read" in done.stderr
    no_traceback(done)


def test_validate_does_not_import_heavy_modules(tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "body.json").write_text(json.dumps(seed))
    code = (
        "import sys\nfrom rc_licenses_contract.cli import main\n"
        "code = main(['validate', '-q', 'body.json'])\n"
        "heavy = ('schemathesis', 'hypothesis', 'uvicorn', 'starlette', 'fsspec', 'dask', 'zstandard')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr


def _stderr_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "rc_licenses_contract", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    stdout, _ = process.communicate(timeout=60)
    return process.returncode, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only(tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "dump.jsonl").write_text((compact(seed) + "\n") * 3000)
    env = {k: v for k, v in cli_env().items() if k != "CI"}
    code, stdout, terminal = _stderr_on_a_terminal(["validate", "dump.jsonl"], tmp_path, env)
    assert code == 0 and "3000 valid" in stdout
    assert "] " in terminal and " MB" in terminal and "\r" in terminal, repr(terminal)
    assert "[" not in stdout, "the bar never goes to the report"
    code, _, terminal = _stderr_on_a_terminal(["validate", "dump.jsonl"], tmp_path, {**env, "CI": "true"})
    assert code == 0 and terminal.strip() == "", "no bar in CI"
    code, _, terminal = _stderr_on_a_terminal(["validate", "-q", "dump.jsonl"], tmp_path, env)
    assert terminal.strip() == "", "no bar with --quiet"


def test_a_closed_pipe_ends_quietly(tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "dump.jsonl").write_text((compact(broken(seed)) + "\n") * 20000)
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m rc_licenses_contract validate dump.jsonl | head -1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=cli_env(),
        check=False,
        timeout=120,
    )
    assert done.stdout.startswith("error: dump.jsonl:1::/license/trial")
    assert done.stderr == "", done.stderr


def test_internal_errors_are_one_redacted_line(tmp_path: Path) -> None:
    code = (
        "import sys\nimport rc_licenses_contract.commands as commands\n"
        "def broken(args):\n    raise RuntimeError('boom near canary-secret-123 and more\\nsecond line')\n"
        "commands.run_lint = broken\n"
        "from rc_licenses_contract.cli import main\nsys.exit(main(['lint']))\n"
    )
    env = cli_env(ROCKETCHAT_AUTH_TOKEN="canary-secret-123")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 70
    assert done.stderr.count("\n") == 1 and "internal error: RuntimeError: boom near *** and more" in done.stderr
    assert "canary-secret-123" not in done.stderr and "Traceback" not in done.stderr
    debug = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "RC_LICENSES_CONTRACT_DEBUG": "1"},
    )
    assert "Traceback" in debug.stderr


def test_input_format_choices_come_from_the_registry() -> None:
    from rc_licenses_contract.capture.formats import FORMATS
    from rc_licenses_contract.cli import build_parser

    parser = build_parser()
    validate = parser._subparsers._group_actions[0].choices["validate"]  # type: ignore[union-attr,index]
    [action] = [a for a in validate._actions if a.dest == "input_format"]
    assert list(action.choices) == ["auto", *FORMATS]
    assert set(FORMATS) == {"json", "jsonl", "har"}


def test_ctrl_c_in_a_terminal_stops_parallel_workers_without_a_traceback(tmp_path: Path) -> None:
    """A terminal's Ctrl-C goes to the whole process group: the `--jobs` workers too. Each printed its own
    KeyboardInterrupt traceback (the pool's idle workers, waiting for work) around "interrupted"; the
    parent alone handles it and ends the pool."""
    body = json.dumps(json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text()))
    process = subprocess.Popen(
        [sys.executable, "-m", "rc_licenses_contract", "validate", "-q", "--jobs", "2", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a shell's foreground job has it
    )
    assert process.stdin is not None
    lines = (body + "\n").encode() * (25 * 1024 * 1024 // (len(body) + 1))  # 8 MB chunks: a pool past 16 MB
    process.stdin.write(lines)
    process.stdin.flush()  # stdin stays open: the workers wait for the next chunk
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 30
    while len(children.read_text().split()) < 2:
        assert time.monotonic() < deadline, "the pool did not start"
        time.sleep(0.05)
    time.sleep(0.3)  # the workers are waiting for work
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err.decode()
    assert err.decode().strip() == "interrupted"
    assert_no_process_left(process.pid, 10)


def assert_no_process_left(group: int, seconds: float) -> None:
    """Every process of the group (the command's workers included) ends within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, "a worker outlived the command"
        time.sleep(0.05)
