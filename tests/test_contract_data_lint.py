"""Every data file under contracts/ has a schema, and lint checks it and its cross-references."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.contract_data import DATA_SCHEMAS
from rc_licenses_contract.lint import lint

from .conftest import REPO

Edit = Callable[[Any], None]


def _set(path: list[str | int], value: Any) -> Edit:
    def edit(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[path[-1]] = value

    return edit


def _append_copy(collection: str, index: int) -> Edit:
    return lambda data: data[collection].append(dict(data[collection][index]))


BROKEN: list[tuple[str, str, Edit, str]] = [
    (
        "a typo'd caller",
        "interactions.json",
        _set(["interactions", 2, "caller"], "privilegd"),
        "interactions.json::/interactions/2/caller: breaks interactions.schema.json",
    ),
    (
        "an undocumented status",
        "interactions.json",
        _set(["interactions", 0, "status"], 403),
        "interactions.json::/interactions/0/status",
    ),
    (
        "a repeated interaction id",
        "interactions.json",
        _append_copy("interactions", 0),
        "interactions.json::/interactions: id 'anonymous' is used 2 times",
    ),
    (
        "a user without a token",
        "mock/users.json",
        lambda data: data["users"][0].pop("authToken"),
        "users.json::/users/0: breaks users.schema.json: 'authToken' is a required property",
    ),
    (
        "a user whose token is not a string",
        "mock/users.json",
        _set(["users", 1, "authToken"], None),
        "users.json::/users/1/authToken: breaks users.schema.json",
    ),
    (
        "two users with one name",
        "mock/users.json",
        _append_copy("users", 2),
        "users.json::/users: name 'user' is used 2 times",
    ),
    (
        "a profile that requires a property no schema declares",
        "profiles.json",
        _set(["profiles", "8", "require", "LicenseInfo"], ["externalModules", "hasValidLicence"]),
        "profiles.json::/profiles/8/require/LicenseInfo: LicenseInfo declares no property 'hasValidLicence'",
    ),
    (
        "a profile that names no component",
        "profiles.json",
        _set(["profiles", "8", "require", "LicenceInfo"], ["trial"]),
        "profiles.json: profile '8' names unknown schema 'LicenceInfo'",
    ),
    (
        "a scenario whose license breaks the schema",
        "scenarios/offline-reseller.json",
        _set(["license", "information", "grantedBy", "method"], "gift"),
        "offline-reseller.json::/license/information/grantedBy/method: not a valid LicenseV3",
    ),
    (
        "a scenario with an unknown usage kind",
        "scenarios/community.json",
        _set(["usage", "activeUser"], 3),
        "community.json::/usage: breaks scenario.schema.json",
    ),
]


@pytest.mark.parametrize(("what", "file", "edit", "expected"), BROKEN, ids=[case[0] for case in BROKEN])
def test_lint_names_the_broken_data(contract_copy: Path, what: str, file: str, edit: Edit, expected: str) -> None:
    path = contract_copy / "contracts" / file
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    result = lint(contract_copy)
    assert not result.ok, what
    # every problem names the line and column of its node; the expectation leaves them out
    located = [str(problem) for problem in result.problems if re.search(r"\.json:\d+:\d+(::/|: )", str(problem))]
    unlocated = [re.sub(r"(\.json):\d+:\d+(?=::/|: )", r"\1", text) for text in located]
    assert any(expected in text for text in unlocated), [str(p) for p in result.problems]


def test_every_data_file_has_a_schema() -> None:
    folder = REPO / "contracts"
    covered = {path for pattern, _ in DATA_SCHEMAS for path in folder.glob(pattern)}
    schemas = {folder / schema for _, schema in DATA_SCHEMAS} | {folder / "case.schema.json"}
    cases = set((folder / "cases").glob("*.json"))  # checked against case.schema.json
    examples = set((folder / "examples").glob("*.json"))  # checked as OpenAPI examples
    assert set(folder.rglob("*.json")) - covered - schemas - cases - examples == set()
