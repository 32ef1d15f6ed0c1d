"""Defaults from [tool.rc-licenses-contract], --color everywhere, and the one-line 'extra missing' error."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rc_licenses_contract import extras

from .conftest import REPO, RunCli, cli_env

COMMANDS = ["lint", "validate", "mock", "gate", "bundle"]


def _drift_body(tmp_path: Path) -> Path:
    body = json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text())["value"]
    body["license"]["debug"] = True  # undocumented: a warning, an error under strict
    target = tmp_path / "drift.json"
    target.write_text(json.dumps(body))
    return target


def test_pyproject_defaults_apply_and_flags_override_them(run_cli: RunCli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.rc-licenses-contract]\nstrict = true\n')
    body = _drift_body(tmp_path)
    assert run_cli("validate", str(body), cwd=tmp_path).returncode == 0, "no pyproject here: not strict"
    assert run_cli("validate", str(body), cwd=project / "sub").returncode == 1, "found in a parent folder"
    assert run_cli("validate", "--no-strict", str(body), cwd=project).returncode == 0, "the flag wins"


def test_pyproject_report_paths_profile_and_budget_drive_the_gate(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.rc-licenses-contract]\n"
        'profile = "8"\nbudget = 12\njunit = "reports/gate.xml"\njson = "reports/gate.json"\ncolor = "always"\n'
    )
    (tmp_path / "reports").mkdir()
    done = run_cli("gate", "--mock", "--no-schemathesis", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b[32m" in done.stdout, "color = always from the file, NO_COLOR notwithstanding"
    report = json.loads((tmp_path / "reports" / "gate.json").read_text())
    assert report["profile"] == "8" and report["requests"]["budget"] == 12
    assert ET.parse(tmp_path / "reports" / "gate.xml").getroot().tag == "testsuites"
    done = run_cli("gate", "--mock", "--no-schemathesis", "--max-requests", "13", "--color", "never", cwd=tmp_path)
    assert json.loads((tmp_path / "reports" / "gate.json").read_text())["requests"]["budget"] == 13
    assert "\x1b[" not in done.stdout


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("budgte = 3", "unknown key 'budgte'"),
        ("budget = 0", "budget must be a whole number of 1 or more, not 0"),
        ("profile = 9", "profile must be a name, not 9"),
        ('strict = "yes"', "strict must be true or false"),
        ("color = [", "invalid TOML"),
    ],
)
def test_a_bad_key_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path, section: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.rc-licenses-contract]\n{section}\n")
    done = run_cli("lint", cwd=tmp_path)
    assert done.returncode == 2
    assert expected in done.stderr and "pyproject.toml" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_color(command: str) -> None:
    from rc_licenses_contract.cli import build_parser

    for choice in ("auto", "always", "never"):
        args = build_parser().parse_args([command, "--color", choice, *(["x.json"] if command == "validate" else [])])
        assert args.color == choice
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args([command, "--color", "sometimes"])
    assert stopped.value.code == 2


def test_color_follows_no_color_and_force_color(run_cli: RunCli, tmp_path: Path) -> None:
    def verdict(**env: str) -> str:
        done = run_cli("lint", env={**cli_env(), **env} if env else None)
        assert done.returncode == 0
        return done.stdout

    assert "\x1b[" not in verdict(), "a pipe, NO_COLOR: plain"
    plain = {k: v for k, v in cli_env().items() if k != "NO_COLOR"}
    assert "\x1b[32mok" in run_cli("lint", env={**plain, "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in run_cli("lint", env={**plain, "FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" not in run_cli("lint", env=plain).stdout, "not a terminal"
    assert "\x1b[32mok" in run_cli("lint", "--color", "always").stdout, "the flag beats NO_COLOR"


@pytest.mark.parametrize(("argv", "extra"), [(["gate", "--mock"], "gate"), (["mock"], "mock")])
def test_a_missing_extra_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], extra: str
) -> None:
    """In-process with the extra's module hidden; tests/test_packaging.py does it for real in a core-only venv."""
    from rc_licenses_contract.cli import main

    monkeypatch.setitem(extras.EXTRAS, extra, ("rc_licenses_contract_no_such_module",))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"needs the '{extra}' extra" in err and f"pip install 'rc-licenses-contract[{extra}]'" in err


@pytest.mark.parametrize("document", ['tool = "x"\n', "tool = [1]\n", '[tool]\n"rc-licenses-contract" = 3\n'])
def test_a_tool_table_of_the_wrong_type_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path, document: str) -> None:
    """Someone else's pyproject.toml may hold anything: a `tool` that is no table is a usage error, not a crash."""
    (tmp_path / "pyproject.toml").write_text(document)
    done = run_cli("lint", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pyproject.toml" in done.stderr and "must be a table" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_profiles_are_the_contracts_to_name(run_cli: RunCli, tmp_path: Path, contract_copy: Path) -> None:
    """`--profile` and the config's `profile` take the profiles contracts/profiles.json declares, and only those."""
    body = tmp_path / "body.json"
    example = json.loads((REPO / "contracts" / "examples" / "seed-trial-6x.json").read_text(encoding="utf-8"))
    body.write_text(json.dumps(example["value"]), encoding="utf-8")
    for command in (["validate", str(body)], ["gate", "--mock", "--no-schemathesis"]):
        done = run_cli(*command, "--profile", "9", cwd=tmp_path)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.strip() == "error: --profile: '9' is not one of default, 8 (contracts/profiles.json)"
    (tmp_path / "pyproject.toml").write_text('[tool.rc-licenses-contract]\nprofile = "7"\n')
    done = run_cli("validate", str(body), cwd=tmp_path)
    assert done.returncode == 2 and "'7' is not one of default, 8" in done.stderr
    # A contract that declares a profile 7 offers it, from the file and from the flag.
    profiles_file = contract_copy / "contracts" / "profiles.json"
    profiles = json.loads(profiles_file.read_text(encoding="utf-8"))
    profiles["profiles"]["7"] = {"fromMajor": 7, "description": "Rocket.Chat 7.x, as a test names it."}
    profiles_file.write_text(json.dumps(profiles), encoding="utf-8")
    done = run_cli("validate", "--root", str(contract_copy), str(body), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("validate", "--root", str(contract_copy), "--profile", "8", str(body), cwd=tmp_path)
    assert done.returncode in (0, 1) and "is not one of" not in done.stderr


def test_a_response_openapi_yaml_does_not_declare_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text("{}", encoding="utf-8")
    done = run_cli("validate", "--response", "500", str(body), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == "error: --response: '500' is not one of 200, 400, 401, 429 (openapi.yaml)"
    done = run_cli("validate", "--response", "401", str(body), cwd=tmp_path)
    assert done.returncode == 1 and '"status" is a required property' in done.stdout + done.stderr
