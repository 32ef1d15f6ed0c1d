"""Code generators fed with our bundle, run as their users run them."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.loader import Contract
from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import running_mock

from .conftest import REPO

RESPONSE_TYPES = {
    "200": "LicensesInfoResponse",
    "400": "BadRequestError",
    "401": "UnauthorizedError",
    "429": "TooManyRequestsError",
}
NODE_BIN = REPO / "tooling" / "node_modules" / ".bin"
needs_node = pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None, reason="node/npm are not installed here"
)


def _tool(name: str) -> Path:
    tool = NODE_BIN / name
    if not tool.exists():
        pytest.fail(f"npm is here but {tool} is not: `make test` installs it (npm ci --prefix tooling)")
    return tool


def test_datamodel_code_generator_names_every_model_and_parses_every_example(
    tmp_path: Path, contract: Contract, bundle_file: Path
) -> None:
    bundle = bundle_file
    models = tmp_path / "licenses_models.py"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "datamodel-codegen"),
            "--input",
            str(bundle),
            "--input-file-type",
            "openapi",
            "--output",
            str(models),
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--target-python-version",
            "3.11",
            "--strict-types",
            "str",
            "int",
            "float",
            "bool",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    classes = {node.name for node in ast.walk(ast.parse(models.read_text())) if isinstance(node, ast.ClassDef)}
    assert set(contract.components) <= classes, sorted(set(contract.components) - classes)
    anonymous = [name for name in classes if re.fullmatch(r"InlineResponse\d*|Model\d*|Field\d+", name)]
    assert anonymous == []
    spec = importlib.util.spec_from_file_location("licenses_models", models)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["licenses_models"] = module
    try:
        spec.loader.exec_module(module)
        for example in contract.examples.values():
            getattr(module, RESPONSE_TYPES[example.status]).model_validate(example.value)
        broken: dict[str, Any] = json.loads(json.dumps(contract.examples["seed-trial-6x"].value))
        broken["license"]["trial"] = "no"
        with pytest.raises(Exception, match="trial"):
            module.LicensesInfoResponse.model_validate(broken)
    finally:
        sys.modules.pop("licenses_models", None)


@needs_node
def test_openapi_typescript_output_compiles_with_the_examples(
    tmp_path: Path, contract: Contract, bundle_file: Path
) -> None:
    bundle = bundle_file
    for where in (tmp_path, REPO):  # in a user's project, and in a checkout of this repository
        done = subprocess.run(
            [str(_tool("openapi-typescript")), str(bundle), "-o", str(tmp_path / "api.d.ts")],
            cwd=where,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    lines = ['import type { components } from "./api";', 'type S = components["schemas"];']
    for name, example in sorted(contract.examples.items()):
        variable = re.sub(r"\W", "_", name)
        lines.append(f'export const {variable}: S["{RESPONSE_TYPES[example.status]}"] = {json.dumps(example.value)};')
    (tmp_path / "examples.ts").write_text("\n".join(lines) + "\n")
    broken = json.loads(json.dumps(contract.examples["enterprise-8x"].value))
    broken["license"]["trial"] = "true"
    (tmp_path / "broken.ts").write_text(
        f'import type {{ components }} from "./api";\n'
        f'export const broken: components["schemas"]["LicensesInfoResponse"] = {json.dumps(broken, indent=2)};\n'
    )
    # The ES2020 library alone: without --lib, tsc also loads and checks the DOM's declarations (1.5 s of CPU).
    tsc = [
        str(_tool("tsc")),
        "--strict",
        "--noEmit",
        "--target",
        "es2020",
        "--lib",
        "es2020",
        "--moduleResolution",
        "node",
    ]
    # One compiler run for both files: tsc reports every file's errors, so the examples compile when
    # every error it reports is in broken.ts.
    bad = subprocess.run(
        [*tsc, str(tmp_path / "examples.ts"), str(tmp_path / "broken.ts")], capture_output=True, text=True, check=False
    )
    errors = re.findall(r"(?m)^(\S+?)\(\d+,\d+\): error (TS\d+)", bad.stdout)
    assert bad.returncode != 0 and errors, bad.stdout + bad.stderr
    assert {Path(file).name for file, _ in errors} == {"broken.ts"}, bad.stdout
    assert "TS2322" in {code for _, code in errors}, bad.stdout
    line = int(re.search(r"broken\.ts\((\d+),", bad.stdout).group(1))  # type: ignore[union-attr]
    assert '"trial": "true"' in (tmp_path / "broken.ts").read_text().splitlines()[line - 1], "tsc blames trial"


@needs_node
@pytest.mark.parametrize("target", ["openapi.yaml", "bundle"])
def test_redocly_reports_nothing(bundle_file: Path, target: str) -> None:
    document = REPO / "openapi.yaml" if target == "openapi.yaml" else bundle_file
    config = REPO / ("redocly.yaml" if target == "openapi.yaml" else "tooling/redocly-bundle.yaml")
    redocly_args = ["lint", str(document), "--config", str(config)]
    redocly = subprocess.run(
        [str(_tool("redocly")), *redocly_args], cwd=REPO, capture_output=True, text=True, check=False
    )
    output = redocly.stdout + redocly.stderr
    assert redocly.returncode == 0 and "Your API description is valid" in output, output
    assert not re.search(r"You have \d+ warning", output), output


@needs_node
def test_spectral_reports_nothing(bundle_file: Path) -> None:
    """One run for both documents (one ruleset): Spectral fails on a warning in either."""
    documents = [str(REPO / "openapi.yaml"), str(bundle_file)]
    spectral = subprocess.run(
        [str(_tool("spectral")), "lint", "--fail-severity", "warn", "-r", str(REPO / ".spectral.yaml"), *documents],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert spectral.returncode == 0 and "No results with a severity of 'warn' or higher" in spectral.stdout, (
        spectral.stdout + spectral.stderr
    )


def test_openapi_python_client_compiles_and_its_client_talks_to_the_mock(tmp_path: Path, bundle_file: Path) -> None:
    bundle = bundle_file
    package = tmp_path / "licenses_client"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(bundle),
            "--meta",
            "none",
            "--output-path",
            str(package),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for source in package.rglob("*.py"):  # every module compiles (an untyped optional `const: false` did not)
        compile(source.read_text(), str(source), "exec")
    script = """
import sys
from licenses_client import AuthenticatedClient
from licenses_client.api.licenses.licensesget_info import sync_detailed
from licenses_client.models import LicensesInfoResponse, UnauthorizedError

def client(user, token):
    return AuthenticatedClient(
        base_url=sys.argv[1], token=token, prefix="", auth_header_name="X-Auth-Token", headers={"X-User-Id": user}
    )

answer = sync_detailed(client=client("rc-demo-admin", "demo-admin-token"), load_values=True)
assert answer.status_code == 200 and isinstance(answer.parsed, LicensesInfoResponse), answer
assert answer.parsed.success is True and answer.parsed.license_.trial is not None
answer = sync_detailed(client=client("rc-demo-admin", "not-the-token"))
assert answer.status_code == 401 and isinstance(answer.parsed, UnauthorizedError), answer
assert answer.parsed.success is False
print("talked")
"""
    with running_mock(MockConfig(root=REPO)) as base:
        talked = subprocess.run(
            [sys.executable, "-c", script, base],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(tmp_path)},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    assert talked.returncode == 0 and "talked" in talked.stdout, talked.stdout + talked.stderr
