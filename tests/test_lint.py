"""`rc-licenses-contract lint`, run as a subprocess on the shipped contract and on broken copies."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "license-tag.json::/properties/color/minLength: not a valid 2020-12 schema" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_unresolvable_ref(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["properties"]["invalidBehavior"]["$ref"] = "license-behaviour.json"

    _edit_json(contract_copy / "schemas" / "license-valid-period.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert (
        "license-valid-period.json::/properties/invalidBehavior: $ref 'license-behaviour.json' does not resolve"
        in done.stdout
    )


def test_example_that_violates_its_schema(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["value"]["license"]["trial"] = "yes"

    _edit_json(contract_copy / "contracts" / "examples" / "unprivileged-8x.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "unprivileged-8x.json::/value/license/trial: example 'unprivileged-8x' (200)" in done.stdout


def test_case_file_that_breaks_the_case_schema(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["cases"][2]["response"] = "418"
        d["cases"][3]["expected"] = True

    _edit_json(contract_copy / "contracts" / "cases" / "strict.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "strict.json::/cases/2/response: breaks the case schema" in done.stdout
    assert "strict.json::/cases/3: breaks the case schema" in done.stdout
    # the other case files are still checked
    assert "cases checked" in done.stderr and " 0 cases" not in done.stderr


def test_case_whose_expectation_is_wrong(run_cli: RunCli, contract_copy: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["cases"][0]["valid"] = False
        d["cases"][0]["errors"] = ["/license"]

    _edit_json(contract_copy / "contracts" / "cases" / "examples.json", edit)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "examples.json::/cases/0: the docs page's example body is valid" in done.stdout
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
    assert "ui-kit-block.json: schema is not listed under components/schemas" in done.stdout


def test_invalid_openapi_document(run_cli: RunCli, contract_copy: Path) -> None:
    text = (contract_copy / "openapi.yaml").read_text().replace("      in: query\n", "      in: body\n")
    (contract_copy / "openapi.yaml").write_text(text)
    done = run_cli("lint", "--root", str(contract_copy))
    assert done.returncode == 1
    assert "openapi.yaml" in done.stdout


def test_usage_errors_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli("lint", "--no-such-option")
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr
    done = run_cli("lint", "--root", str(tmp_path))
    assert done.returncode == 2 and "no openapi.yaml here" in done.stderr
    done = run_cli()
    assert done.returncode == 2
