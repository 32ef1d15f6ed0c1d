"""`validate` never loses data and never passes silently: hostile inputs, folders, outputs and streams.

Each case runs the real CLI and asserts the exit code, that the report exists and parses, and that no input
was touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from .conftest import RunCli, cli_env
from .test_validate_cli import broken, compact, har_entry, no_traceback, run_measuring_peak_memory, seed

__all__ = ["seed"]  # the fixture, shared with test_validate_cli

URL = "https://chat.example.com/api/v1/licenses.info"


def fingerprints(folder: Path) -> dict[str, str]:
    """Every file's content hash, keyed by path: proof afterwards that nothing was modified."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_untouched(before: dict[str, str], folder: Path, *reports: str) -> None:
    """Every input as it was; the only new files are the named reports."""
    after = {k: v for k, v in fingerprints(folder).items() if Path(k).name not in reports}
    assert after == before


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line]
    assert len(lines) == 1, lines
    return lines[0]


# --- the report never overwrites an input, and is never read back as one ---------------------------


def test_report_that_is_an_input_is_refused_before_anything_is_written(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    captures = tmp_path / "captures"
    captures.mkdir()
    (captures / "a.json").write_text(json.dumps(seed))
    (captures / "b.jsonl").write_text(compact(seed) + "\n")
    (tmp_path / "link.json").symlink_to(captures / "a.json")
    os.link(captures / "b.jsonl", tmp_path / "hard.jsonl")
    before = fingerprints(tmp_path)
    attempts = [
        ("captures/a.json", "captures/a.json"),  # the same path
        ("captures/a.json", "link.json"),  # through a symbolic link
        ("link.json", "captures/a.json"),
        ("captures/b.jsonl", "hard.jsonl"),  # a hard link: the same inode
        ("captures", "captures/b.jsonl"),  # a file found inside an input folder
        ("captures", "./captures/../captures/a.json"),
    ]
    for path, output in attempts:
        for report_format in ("text", "json", "junit"):
            done = run_cli("validate", "--format", report_format, "-o", output, path)
            assert done.returncode == 2, (path, output, done.stdout, done.stderr)
            assert "would overwrite an input" in one_line(done.stderr)
            assert done.stdout == ""
            assert fingerprints(tmp_path) == before, (path, output)


def test_report_written_inside_a_validated_folder_is_not_read_back(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    captures = tmp_path / "captures"
    captures.mkdir()
    (captures / "a.json").write_text(json.dumps(seed))
    (captures / "b.json").write_text(json.dumps(broken(seed)))
    before = fingerprints(captures)
    done = run_cli("validate", "--format", "json", "-o", "captures/report.json", "captures")
    assert done.returncode == 1, done.stderr
    report = json.loads((captures / "report.json").read_text())
    assert [Path(r["source"]).name for r in report["records"]] == ["a.json", "b.json"]
    assert report["summary"]["records"] == 2
    assert_untouched(before, captures, "report.json")
    after = fingerprints(captures)
    # Asked again, the old report is now one of the inputs: refused, and left as it was.
    again = run_cli("validate", "--format", "json", "-o", "captures/report.json", "captures")
    assert again.returncode == 2 and "would overwrite an input" in again.stderr
    assert fingerprints(captures) == after


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_unwritable_report_targets_are_usage_errors(
    run_cli_process: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    # A real process: a failed write to /dev/full must leave nothing behind but the one line and exit 2.
    run_cli = run_cli_process
    (tmp_path / "dump.jsonl").write_text((compact(broken(seed)) + "\n") * 500)
    (tmp_path / "folder").mkdir()
    for target, reason in (
        ("/dev/full", "No space left on device"),
        ("folder", "is a folder"),
        ("missing/report.json", "No such file or directory"),
    ):
        for report_format in ("text", "json", "junit"):
            done = run_cli("validate", "--format", report_format, "-o", target, "dump.jsonl")
            no_traceback(done)
            assert done.returncode == 2, (target, done.stderr)
            line = one_line(done.stderr)
            assert line.startswith(f"error: {target}") and reason in line, line
    assert (tmp_path / "folder").is_dir() and not list((tmp_path / "folder").iterdir())


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_report_that_cannot_be_written_is_closed_in_process(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    # In-process, an unclosed report file would surface as a ResourceWarning (warnings are errors here).
    (tmp_path / "dump.jsonl").write_text((compact(broken(seed)) + "\n") * 500)
    done = run_cli("validate", "--format", "json", "-o", "/dev/full", "dump.jsonl")
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr).startswith("error: /dev/full")


@pytest.mark.parametrize("report_format", ["text", "json", "junit"])
def test_a_run_that_fails_after_the_report_is_opened_keeps_the_previous_report(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any], report_format: str
) -> None:
    """The report is opened before the contract loads: a run that then fails leaves the last report whole,
    never an empty or half-written one in its place, and no working file beside it."""
    (tmp_path / "body.json").write_text(compact(seed))
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report.out").write_text("the previous report\n")
    done = run_cli(
        "validate", "--format", report_format, "--root", "no-such-contract", "-o", "reports/report.out", "body.json"
    )
    assert done.returncode == 2 and "no-such-contract" in one_line(done.stderr)
    assert (tmp_path / "reports" / "report.out").read_text() == "the previous report\n"
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["report.out"]
    done = run_cli("validate", "--format", report_format, "-o", "reports/report.out", "body.json")
    assert done.returncode == 0, done.stderr
    assert "the previous report" not in (tmp_path / "reports" / "report.out").read_text()
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["report.out"]


# --- folders: every oddity is one line, nothing read twice, nothing lost silently -------------------


def test_symlinked_folders_are_followed_once_and_loops_stop(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    root = tmp_path / "captures"
    (root / "real" / "deeper").mkdir(parents=True)
    (root / "real" / "a.json").write_text(json.dumps(seed))
    (root / "real" / "deeper" / "b.jsonl").write_text(compact(seed) + "\n" + compact(broken(seed)) + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "c.json").write_text(json.dumps(seed))
    (root / "linked").symlink_to(outside)  # a link to a folder outside: followed
    (root / "real" / "deeper" / "loop").symlink_to(root)  # back to an ancestor: a loop
    (root / "zz-again").symlink_to(root / "real")  # the same folder a second time: read once
    (root / "self").symlink_to(".")
    before = fingerprints(tmp_path)
    done = run_cli("validate", "--format", "json", "-o", "report.json", "captures", timeout=60)
    no_traceback(done)
    assert done.returncode == 1  # the broken record in b.jsonl
    report = json.loads((tmp_path / "report.json").read_text())
    sources = sorted(Path(r["source"]).name for r in report["records"])
    assert sources == ["a.json", "b.jsonl", "b.jsonl", "c.json"], sources  # each file once (b has 2 records)
    notes = report["notes"]
    assert any("linked: symbolic link to a folder; followed" in n for n in notes), notes
    assert any("loop: symbolic link loop" in n and "not followed" in n for n in notes), notes
    assert any("zz-again: the same folder as" in n and "read once" in n for n in notes), notes
    assert any("self: symbolic link loop" in n for n in notes), notes
    assert_untouched(before, tmp_path, "report.json")
    text = run_cli("validate", "captures")
    assert text.returncode == 1
    assert sum(line.startswith("note: ") for line in text.stdout.splitlines()) == len(notes)


def _without_root_powers(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as root without the capabilities that let root read any folder (or as the user it is)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder unreadable")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "rc_licenses_contract", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=False,
    )


def test_unreadable_subfolder_is_one_line_and_the_run_fails(tmp_path: Path, seed: dict[str, Any]) -> None:
    root = tmp_path / "captures"
    (root / "closed").mkdir(parents=True)
    (root / "closed" / "hidden.json").write_text(json.dumps(seed))
    (root / "open.json").write_text(json.dumps(seed))
    (root / "closed").chmod(0)
    try:
        done = _without_root_powers(["validate", "captures"], tmp_path)
    finally:
        (root / "closed").chmod(0o755)
    no_traceback(done)
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if "closed" in line]
    assert line == f"unreadable: {Path('captures/closed')}: cannot read folder: Permission denied"
    assert done.stdout.splitlines()[-1].startswith("failed: 2 records, 1 valid, 0 invalid, 1 unreadable")
    assert "passed" not in done.stdout


# --- one hostile record is one finding; the run goes on ----------------------------------------------


def hostile_lines(seed: dict[str, Any]) -> list[tuple[bytes, str | None]]:
    """(line, the words its one finding must contain; None for a valid line)."""
    good = compact(seed).encode()
    body = compact(seed)
    digits = "1" + "0" * 10_000
    return [
        (good, None),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # deeper than any parser's limit
        (b"[" * 100_000, "nested too deeply"),  # deep and unterminated
        # 300 levels: past orjson's writer and jsonschema-rs' limit, within the standard library's parser
        (body.replace('"trial":true', '"trial":' + "[" * 300 + "]" * 300, 1).encode(), "[type]|nested too deeply"),
        (body.replace('"trial":true', '"trial":' + "[" * 1000 + "]" * 1000, 1).encode(), "nested too deeply"),
        (body.replace('"Enterprise trial"', '"x\\ud800y"').encode(), "lone UTF-16 surrogate escape \\ud800"),
        (body.replace('"tags":[', '"\\udc00":1,"tags":[').encode(), "lone UTF-16 surrogate"),
        (body.replace('"max":235', f'"max":{digits}', 1).encode(), None),  # any size is valid there
        (body.replace('"max":235', f'"max":-{digits}', 1).encode(), "is less than the minimum of -1"),
        (good, None),
    ]


@pytest.mark.parametrize("engine", ["rs", "jsonschema"])
def test_hostile_json_lines_are_one_finding_each(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any], engine: str
) -> None:
    cases = hostile_lines(seed)
    (tmp_path / "dump.jsonl").write_bytes(b"\n".join(line for line, _ in cases) + b"\n")
    before = fingerprints(tmp_path)
    done = run_cli("validate", "--engine", engine, "--format", "json", "-o", "report.json", "dump.jsonl")
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    by_line = {record["line"]: record for record in report["records"]}
    for number, (_, expected) in enumerate(cases, 1):
        record = by_line[number]
        if expected is None:
            assert record["state"] == "valid", record
            continue
        texts = [record["problem"] or ""] + [e["message"] + f" [{e['keyword']}]" for e in record["errors"]]
        assert record["state"] in ("invalid", "unreadable"), record
        assert len(texts) - (record["problem"] is None) == 1, record  # one finding
        assert any(choice in text for text in texts for choice in expected.split("|")), (number, texts)
        assert all(len(text) < 600 for text in texts), "values quoted in findings are cut"
    summary = report["summary"]
    assert summary["records"] == len(cases) and summary["valid"] == 3
    assert "set_int_max_str_digits" not in (tmp_path / "report.json").read_text() + done.stderr
    assert_untouched(before, tmp_path, "report.json")


def test_a_ten_thousand_digit_integer_is_read_exactly(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    digits = "1" + "0" * 9_998 + "7"
    # The wrong type, quoted exactly (then cut) in the finding:
    (tmp_path / "big.json").write_text(compact(seed).replace('"trial":true', f'"trial":{digits}', 1))
    done = run_cli("validate", "big.json")
    no_traceback(done)
    assert done.returncode == 1
    [line] = [line for line in done.stdout.splitlines() if line.startswith("error:")]
    assert line.startswith("error: big.json::/license/license/information/trial: 1000000000")
    assert line.endswith('0007 is not of type "boolean" [type]') and "characters cut)" in line
    assert "set_int_max_str_digits" not in done.stdout + done.stderr
    (tmp_path / "big.json").write_text(compact(seed).replace('"max":235', f'"max":{digits}', 1))
    assert run_cli("validate", "big.json").returncode == 0


def test_hostile_har_captures_are_one_finding_per_entry(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    good = har_entry(URL, 200, compact(seed))
    odd: list[Any] = [
        "an entry that is a string",
        42,
        None,
        {"request": ["not", "an", "object"]},
        {"request": {"url": 17}},
        har_entry("http://[::1/api/v1/licenses.info", 200, compact(seed)),  # malformed URL
        har_entry(URL, True, compact(seed)),
        har_entry(URL, "200", compact(seed)),  # type: ignore[arg-type]
        har_entry(URL, 99999, compact(seed)),
        {"request": {"url": URL}, "response": []},
        {"request": {"url": URL}, "response": {"status": 200, "content": "text"}},
        har_entry(URL, 200, "!!!", base64_body=False) | {},
        har_entry(URL, 200, compact(seed).replace('"Enterprise trial"', '"\\ud800"')),  # escaped in the body
        har_entry(URL, 200, "\ud800"),  # a lone surrogate in the HAR's own string
        good,
    ]
    odd[11]["response"]["content"] |= {"encoding": "base64"}
    log = {"log": {"version": "1.2", "entries": [good, *odd]}}
    (tmp_path / "odd.har").write_text(json.dumps(log))
    for name, document in (("list.har", {"log": []}), ("string.har", {"log": "x"}), ("array.har", [1, 2])):
        (tmp_path / name).write_text(json.dumps(document))
    (tmp_path / "deep.har").write_text('{"log": {"entries": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    before = fingerprints(tmp_path)
    done = run_cli(
        "validate",
        "--format",
        "json",
        "-o",
        "report.json",
        "odd.har",
        "list.har",
        "string.har",
        "array.har",
        "deep.har",
    )
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    records = report["records"]
    entries = {r["entry"]: r for r in records if r["source"] == "odd.har"}
    assert entries[0]["state"] == "valid" and entries[len(odd)]["state"] == "valid"
    for index in range(1, len(odd)):
        record = entries[index]
        assert record["state"] in ("unreadable", "invalid"), (index, record)
        assert (record["problem"] is not None) + len(record["errors"]) == 1, (index, record)
    problems = {index: entries[index]["problem"] for index in entries}
    assert problems[6] and problems[6].startswith("malformed request.url")
    assert problems[7] == problems[8] == problems[9] == "response.status is not an HTTP status code"
    assert "lone UTF-16 surrogate" in (problems[13] or "") and "lone UTF-16 surrogate" in (problems[14] or "")
    files = {r["source"]: r["problem"] for r in records if r["source"] != "odd.har"}
    assert files["list.har"] == files["string.har"] == "not a HAR file: log is not an object"
    assert files["array.har"] == "not a HAR file: no log.entries list"
    assert "nested too deeply" in files["deep.har"]
    assert report["summary"]["passed"] is False
    text = run_cli("validate", "odd.har")
    assert "\ud800" not in text.stdout and "odd.har#entry" in text.stdout
    assert_untouched(before, tmp_path, "report.json")


# --- streams: standard input and process substitution, at flat memory -------------------------------


def test_standard_input_is_streamed_at_flat_memory(tmp_path: Path, seed: dict[str, Any]) -> None:
    good = compact(seed).encode()
    bad = compact(broken(seed)).encode()
    count = 12_000  # about 35 MB: several chunks
    bad_lines = {2, 6_001, 11_999}
    with (tmp_path / "big.jsonl").open("wb") as handle:
        for number in range(1, count + 1):
            handle.write((bad if number in bad_lines else good) + b"\n")
    for jobs in ("1", "2"):
        command = ["bash", "-c", f"{sys.executable} -m rc_licenses_contract validate --jobs {jobs} - < big.jsonl"]
        code, peak_kb, out = run_measuring_peak_memory(command, tmp_path)
        assert code == 1
        reported = sorted(int(line.split(":")[2]) for line in out.splitlines() if line.startswith("error:"))
        assert reported == sorted(bad_lines), out[:500]
        assert f"{count} records, {count - 3} valid, 3 invalid" in out
        assert peak_kb < 200 * 1024, f"peak {peak_kb / 1024:.0f} MB with --jobs {jobs}"


def test_process_substitution_and_pipes(tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "dump.jsonl").write_text(compact(seed) + "\n" + compact(broken(seed)) + "\n")
    (tmp_path / "session.har").write_text(
        json.dumps({"log": {"entries": [har_entry(URL, 200, compact(broken(seed)))]}}, indent=2)
    )
    (tmp_path / "body.json").write_text(json.dumps(seed, indent=2))
    script = f"{sys.executable} -m rc_licenses_contract validate <(cat dump.jsonl) <(cat session.har) <(cat body.json)"
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=cli_env(), timeout=60, check=False
    )
    no_traceback(done)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, done.stdout
    assert ":2::/license/trial" in errors[0] and errors[0].startswith("error: /dev/fd/")
    assert "#entry0[status=200]::/license/trial" in errors[1]
    assert "failed: 4 records, 2 valid, 2 invalid" in done.stdout


# --- escaping: names and values never reach a terminal raw; reports stay well-formed -----------------


def test_hostile_names_and_values_are_escaped(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    forged = broken(seed)
    forged["license"]["\x1b[32mPASSED\x1b[0m\n"] = "\u202e\x07"
    forged["license"]["trial"] = "\x1b]0;title\x07\r\nok: all passed"
    file_names = [b"plain.json", b"ansi\x1b[31m-\n-name.json", b"latin1-\xe9\xff.json"]
    for name in file_names:
        Path(os.fsdecode(os.fsencode(folder) + b"/" + name)).write_bytes(json.dumps(forged).encode())
    before = fingerprints(tmp_path)
    text = run_cli("validate", "in")
    no_traceback(text)
    assert text.returncode == 1
    for control in ("\x1b", "\x07", "\r", "\u202e"):
        assert control not in text.stdout + text.stderr
    lines = text.stdout.splitlines()
    known = ("error: ", "warning: ", "failed: ", "distinct violations: ", "undocumented properties (drift): ", "  ")
    assert all(line.startswith(known) for line in lines), lines  # no forged line of its own
    assert any("ansi\\x1b[31m-\\x0a-name.json" in line for line in lines)
    assert any("latin1-\\udce9\\udcff.json" in line for line in lines)
    for report_format, report_name in (("json", "report.json"), ("junit", "report.xml")):
        done = run_cli("validate", "--format", report_format, "-o", report_name, "in")
        assert done.returncode == 1, done.stderr
        no_traceback(done)
        if report_format == "json":
            report = json.loads((tmp_path / report_name).read_text(encoding="utf-8"))
            assert report["summary"]["records"] == 3
            assert any("\\udcff" in r["source"] for r in report["records"])
        else:
            suite = ET.parse(tmp_path / report_name).getroot().find("testsuite")
            assert suite is not None and suite.get("tests") == "3"
    assert_untouched(before, tmp_path, "report.json", "report.xml")
