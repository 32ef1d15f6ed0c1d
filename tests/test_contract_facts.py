"""Endpoint facts come from the contract files: header names, query parameters, the version rule.

Renaming a header or moving the version rule in the files changes what the mock sends and what the
gate asks for, with no code edited.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import requests

from rc_licenses_contract.gate.checks import Exchange
from rc_licenses_contract.gate.describe import reproduce_line
from rc_licenses_contract.gate.run import Credentials, GateOptions, run_gate
from rc_licenses_contract.lint import lint
from rc_licenses_contract.loader import Contract, RateLimitHeaders, build_contract
from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import running_mock

from .conftest import cli_env

ADMIN = Credentials("rc-demo-admin", "demo-admin-token")
USER = Credentials("rc-demo-user", "demo-user-token")  # rate limited: the admin may bypass the limiter


def test_the_shipped_contract_names_the_facts(contract: Contract) -> None:
    assert contract.auth_headers == {"authToken": "X-Auth-Token", "userId": "X-User-Id"}
    assert contract.credential_headers("u", "t") == {"X-User-Id": "u", "X-Auth-Token": "t"}
    assert contract.rate_limit_headers() == RateLimitHeaders(
        "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"
    )
    assert contract.boolean_parameters() == ("loadValues",)
    assert contract.profile("8").all_headers == {"Cache-Control": "no-store", "Pragma": "no-cache"}
    versions = {"6.13.1": "default", "7.10.4": "default", "8.8.1": "8", "10": "8", None: "default", "x.1": "default"}
    assert {version: contract.profile_for_version(version) for version in versions} == versions


def renamed_contract(root: Path) -> Contract:
    """The contract with the token header, the rate-limit headers and the 8.x rule (now from 7) renamed."""
    openapi = root / "openapi.yaml"
    text = openapi.read_text(encoding="utf-8")
    openapi.write_text(text.replace("name: X-Auth-Token", "name: X-Api-Token").replace("X-RateLimit-", "RateLimit-"))
    profiles_file = root / "contracts" / "profiles.json"
    profiles = json.loads(profiles_file.read_text(encoding="utf-8"))
    profiles["profiles"]["8"]["fromMajor"] = 7
    profiles_file.write_text(json.dumps(profiles), encoding="utf-8")
    return build_contract(root)


def test_renamed_facts_reach_the_mock_and_the_gate(contract_copy: Path) -> None:
    contract = renamed_contract(contract_copy)
    assert contract.auth_headers["authToken"] == "X-Api-Token"
    assert contract.rate_limit_headers().names == ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    assert contract.profile_for_version("7.10.4") == "8"

    config = MockConfig(root=contract_copy, server_version="7", rate_limit=(50, 60.0))
    with running_mock(config) as base:
        url = base + contract.path
        renamed = requests.get(url, headers={"X-User-Id": USER.user_id, "X-Api-Token": USER.auth_token}, timeout=10)
        assert renamed.status_code == 200
        assert renamed.headers["RateLimit-Remaining"].isdigit()
        assert "X-RateLimit-Remaining" not in renamed.headers
        assert renamed.headers["Cache-Control"] == "no-store", "7.x now falls under the 8 profile"
        old_name = requests.get(url, headers={"X-User-Id": USER.user_id, "X-Auth-Token": USER.auth_token}, timeout=10)
        assert old_name.status_code == 401

        options = GateOptions(base_url=base, privileged=ADMIN, unprivileged=None, root=contract_copy, timeout=30.0)
        options.schemathesis = False
        result = run_gate(options)
        # The reproduce line names the renamed header too, and runs as printed against the same mock.
        asked = Exchange("privileged", "privileged", "GET", contract.path, "", 200, {}, b"{}", 0.0)
        line = reproduce_line(result, asked)
        assert '-H "X-Api-Token: $ROCKETCHAT_AUTH_TOKEN" -H "X-User-Id: $ROCKETCHAT_USER_ID"' in line
        env = cli_env(ROCKETCHAT_AUTH_TOKEN=USER.auth_token, ROCKETCHAT_USER_ID=USER.user_id)
        ran = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=30, env=env, check=False)
        assert ran.stdout.startswith("HTTP/1.1 200"), ran.stdout + ran.stderr
    assert result.server_version == "7.10.4"
    assert result.profile == "8", "the version rule is read from profiles.json"
    assert result.stop_reason is None, "the gate sent the credentials under the renamed header"
    privileged = [i.status for i in result.interactions if i.caller == "privileged"]
    assert privileged and 401 not in privileged and 200 in privileged


def lint_with_profiles(root: Path, change: dict[str, Any]) -> list[str]:
    profiles_file = root / "contracts" / "profiles.json"
    profiles = json.loads(profiles_file.read_text(encoding="utf-8"))
    for name, entry in change.items():
        profiles["profiles"].setdefault(name, {}).update(entry)
    profiles_file.write_text(json.dumps(profiles), encoding="utf-8")
    return [str(problem) for problem in lint(root).problems]


def test_lint_refuses_an_ambiguous_version_rule(contract_copy: Path) -> None:
    problems = lint_with_profiles(contract_copy, {"8-again": {"description": "a second 8.x profile", "fromMajor": 8}})
    assert any("/profiles/8-again/fromMajor" in text and "ambiguous" in text for text in problems), problems


def test_lint_refuses_a_version_rule_that_is_not_a_number(contract_copy: Path) -> None:
    problems = lint_with_profiles(contract_copy, {"default": {"fromMajor": "6"}})
    assert any("/profiles/default/fromMajor" in text and "profiles.schema.json" in text for text in problems), problems


# Where a header name may still be typed in src/: a help example beside README's, and HTTP's own header.
TYPED_ON_PURPOSE = {("cli/mock.py", "X-User-Id"), ("cli/mock.py", "X-Auth-Token"), ("gate/session.py", "Retry-After")}


def typed_header_names(package: Path, names: set[str]) -> set[tuple[str, str]]:
    """(module, name) for every string in code (docstrings and comments left out) that types a header name."""
    import ast

    found = set()
    for module in sorted(package.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found |= {(module.relative_to(package).as_posix(), n) for n in names if n.lower() in node.value.lower()}
    return found


def test_header_names_are_read_from_the_contract_not_typed(contract: Contract) -> None:
    names = {*contract.auth_headers.values(), *contract.rate_limit_headers().names, "X-RateLimit-", "Retry-After"}
    package = Path(__file__).parent.parent / "src" / "rc_licenses_contract"
    assert typed_header_names(package, names) == TYPED_ON_PURPOSE


def test_the_typed_header_scan_finds_a_typed_name(tmp_path: Path) -> None:
    (tmp_path / "typed.py").write_text('"""X-Auth-Token in a docstring is fine."""\nHEADER = "x-auth-token: {}"\n')
    assert typed_header_names(tmp_path, {"X-Auth-Token"}) == {("typed.py", "X-Auth-Token")}
