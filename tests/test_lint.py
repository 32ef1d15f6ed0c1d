"""`rc-licenses-contract lint`, run as a subprocess on the shipped contract and on broken copies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rc_licenses_contract.jsonio import read_yaml

from .conftest import RunCli


def _edit_json(path: Path, edit: object) -> None:
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data, indent=2))


def test_lint_passes_on_the_shipped_contract(run_cli: RunCli) -> None:
    done = run_cli("lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok" in done.stdout and "cases checked" in done.stdout


def test_invalid_keyword_in_a_nested_schema_file(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["properties"]["color"]["minLength"] = "three"

    _edit_json(contract_copy / "schemas" / "license-tag.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(r"license-tag\.json:\d+:\d+::/properties/color/minLength: not a valid 2020-12 schema", done.stdout)
    assert "Traceback" not in done.stdout + done.stderr


def test_unresolvable_ref(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["properties"]["invalidBehavior"]["$ref"] = "license-behaviour.json"

    _edit_json(contract_copy / "schemas" / "license-valid-period.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(
        r"license-valid-period\.json:\d+:\d+::/properties/invalidBehavior: \$ref 'license-behaviour\.json' "
        "does not resolve",
        done.stdout,
    )


def test_example_that_violates_its_schema(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["value"]["license"]["trial"] = "yes"

    _edit_json(contract_copy / "contracts" / "examples" / "unprivileged-8x.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(
        r"unprivileged-8x\.json:\d+:\d+::/value/license/trial: example 'unprivileged-8x' \(200\)", done.stdout
    )


def test_case_file_that_breaks_the_case_schema(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["cases"][2]["response"] = "418"
        d["cases"][3]["expected"] = True

    _edit_json(contract_copy / "contracts" / "cases" / "strict.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(r"strict\.json:\d+:\d+::/cases/2/response: breaks the case schema", done.stdout)
    assert re.search(r"strict\.json:\d+:\d+::/cases/3: breaks the case schema", done.stdout)
    # the other case files are still checked
    assert "cases checked" in done.stderr and " 0 cases" not in done.stderr


def test_case_whose_expectation_is_wrong(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["cases"][0]["valid"] = False
        d["cases"][0]["errors"] = ["/license"]

    _edit_json(contract_copy / "contracts" / "cases" / "examples.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(r"examples\.json:\d+:\d+::/cases/0: the docs page's example body is valid", done.stdout)
    assert "expected invalid, got no errors" in done.stdout


def test_broken_json_names_line_and_column(run_cli: RunCli, contract_copy: Path) -> None:
    (contract_copy / "schemas" / "limit-usage.json").write_text('{\n  "title": "LimitUsage",\n  oops\n}\n')
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "limit-usage.json:3:3: invalid JSON" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_schema_not_listed_under_components(run_cli: RunCli, contract_copy: Path) -> None:
    text = (contract_copy / "openapi.yaml").read_text()
    text = text.replace("    UiKitBlock:\n      $ref: './schemas/ui-kit-block.json'\n", "")
    (contract_copy / "openapi.yaml").write_text(text)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "ui-kit-block.json:1:1: schema is not listed under components/schemas" in done.stdout


def test_invalid_openapi_document(run_cli: RunCli, contract_copy: Path) -> None:
    text = (contract_copy / "openapi.yaml").read_text().replace("      in: query\n", "      in: body\n")
    (contract_copy / "openapi.yaml").write_text(text)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "openapi.yaml" in done.stdout


def test_usage_errors_exit_2(run_cli_process: RunCli, tmp_path: Path) -> None:
    done = run_cli_process("lint", "--no-such-option")
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr
    done = run_cli_process("lint", "--root", str(tmp_path))
    assert done.returncode == 2 and "no openapi.yaml here" in done.stderr
    done = run_cli_process()
    assert done.returncode == 2


def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_every_problem_has_a_line_column_and_an_escaped_pointer(run_cli: RunCli, contract_copy: Path) -> None:
    """Not only parse errors: spec, schema and case problems point at the line of the offending node."""
    spec = contract_copy / "openapi.yaml"
    text = spec.read_text()
    summary = next(line for line in text.splitlines() if line.startswith("      summary: "))
    spec.write_text(text.replace(summary, "      summary: 5", 1))

    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["properties"]["color"]["minLength"] = "three"

    _edit_json(contract_copy / "schemas" / "license-tag.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    # every problem located in a file (not the folder-level "not checked" note) carries line and column
    problems = [line for line in done.stdout.splitlines() if re.match(r"\S+\.(json|yaml)\b", line)]
    assert problems and all(re.match(r"\S+\.(json|yaml):\d+:\d+(::/\S*)?: ", line) for line in problems), problems
    line = _line_of(spec, "summary: 5")
    assert f"openapi.yaml:{line}:7::/paths/~1api~1v1~1licenses.info/get/summary: 5 is not of type" in done.stdout
    line = _line_of(contract_copy / "schemas" / "license-tag.json", '"minLength"')
    assert f"license-tag.json:{line}:" in done.stdout


def test_schema_identifiers_stay_resolvable_offline(run_cli: RunCli, contract_copy: Path) -> None:
    def absolute_id(d: dict) -> None:  # type: ignore[type-arg]
        d["$id"] = "https://example.com/schemas/license-tag.json"

    def entry_point_id(d: dict) -> None:  # type: ignore[type-arg]
        d["$id"] = "unauthorized-error.json"

    def no_id(d: dict) -> None:  # type: ignore[type-arg]
        del d["$id"]

    _edit_json(contract_copy / "schemas" / "license-tag.json", absolute_id)
    _edit_json(contract_copy / "schemas" / "unauthorized-error.json", entry_point_id)
    _edit_json(contract_copy / "schemas" / "limit-usage.json", no_id)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert re.search(r"license-tag\.json:\d+:\d+::/\$id: \$id must be 'license-tag.json'", done.stdout)
    assert re.search(r"unauthorized-error\.json:\d+:\d+::/\$id: an entry-point schema", done.stdout)
    assert re.search(r"limit-usage\.json:1:1::/: \$id must be 'limit-usage.json'", done.stdout)


OPERATION = ("paths", "/api/v1/licenses.info", "get")
MISSHAPEN: dict[str, tuple[str, tuple[str, ...], object, str]] = {
    "paths-array": ("openapi.yaml", ("paths",), [1], "/paths: must be an object"),
    "responses-array": ("openapi.yaml", (*OPERATION, "responses"), [1], "/responses: must be an object"),
    "response-number": ("openapi.yaml", (*OPERATION, "responses", "200"), 5, "/responses/200: must be an object"),
    "content-array": ("openapi.yaml", (*OPERATION, "responses", "200", "content"), [1], "/content: must be an"),
    "components-array": ("openapi.yaml", ("components",), [1], "/components: must be an object"),
    "examples-array": ("openapi.yaml", ("components", "examples"), [1], "/components/examples: must be an"),
    "security-number": ("openapi.yaml", ("components", "securitySchemes"), 3, "security schemes"),
    "parameters-number": ("openapi.yaml", (*OPERATION, "parameters"), 3, "parameters"),
    "profiles-array": ("contracts/profiles.json", ("profiles",), [1], "/profiles: must be an object"),
    "profile-number": ("contracts/profiles.json", ("profiles", "8"), 5, "/profiles/8: must be an object"),
    "from-major-text": ("contracts/profiles.json", ("profiles", "8", "fromMajor"), "8", "/fromMajor: must be a"),
    "headers-array": ("contracts/profiles.json", ("profiles", "8", "headers"), [1], "/headers: must be an object"),
}


@pytest.mark.parametrize("case", MISSHAPEN, ids=list(MISSHAPEN))
def test_a_misshapen_contract_is_a_located_problem_for_every_command(
    run_cli: RunCli, contract_copy: Path, case: str
) -> None:
    """A `--root` contract with a list where an object belongs: lint reports it; every other command says so
    in one line and exits 2 (it was an internal error, exit 70, in lint too)."""
    import yaml

    file, where, value, expected = MISSHAPEN[case]
    path = contract_copy / file
    document = read_yaml(path) if file.endswith(".yaml") else json.loads(path.read_text())
    node = document
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    path.write_text(yaml.safe_dump(document) if file.endswith(".yaml") else json.dumps(document))
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1, done.stderr
    assert expected in done.stdout, done.stdout
    for command in (["bundle"], ["gate", "--mock", "--no-schemathesis"]):
        done = run_cli(*command, "--root", str(contract_copy))
        assert done.returncode == 2, (command, done.stderr)
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, (command, done.stderr)
