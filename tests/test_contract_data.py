"""Lints of the contract data itself, in the spirit of JSON-Schema-Test-Suite's sanity checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from rc_licenses_contract.cases import case_payload, load_cases
from rc_licenses_contract.loader import Contract, resolve_pointer
from rc_licenses_contract.validation import validate

from .conftest import REPO, SEED_PAGE

SCHEMA_FILES = sorted((REPO / "schemas").glob("*.json"))


def test_case_files_follow_the_case_schema() -> None:
    checker = Draft202012Validator(json.loads((REPO / "contracts" / "case.schema.json").read_text()))
    Draft202012Validator.check_schema(checker.schema)
    for path in sorted((REPO / "contracts" / "cases").glob("*.json")):
        errors = [e.message for e in checker.iter_errors(json.loads(path.read_text()))]
        assert not errors, f"{path.name}: {errors}"


def test_case_descriptions_are_unique(contract: Contract) -> None:
    seen: dict[str, str] = {}
    for case in load_cases(contract):
        key = case.description
        assert key not in seen, f"{case.location} repeats {seen[key]}"
        seen[key] = case.location


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=[p.name for p in SCHEMA_FILES])
def test_schema_file_is_a_named_type(path: Path) -> None:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema.get("$id", path.name) == path.name, "identified by its file: relative refs resolve offline"
    assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", schema["title"]), "titles are type names"
    assert len(schema["description"]) > 20
    assert isinstance(schema["required"], list)


def test_every_schema_is_a_component(contract: Contract) -> None:
    assert set(contract.components.values()) == set(contract.schemas)
    for name, uri in contract.components.items():
        assert contract.schemas[uri]["title"] == name, "component names are the schema titles"


def test_the_seed_example_is_the_docs_page_verbatim(contract: Contract) -> None:
    text = SEED_PAGE.read_text(encoding="utf-8")
    start = text.index("{", text.index("Success Example"))
    body, _ = json.JSONDecoder().raw_decode(text[start:])
    assert contract.examples["seed-trial-6x"].value == body
    assert validate(body).valid


def _required_pairs(contract: Contract) -> set[tuple[str, str]]:
    return {(uri, name) for uri, schema in contract.schemas.items() for name in schema.get("required", [])}


def test_every_required_field_has_a_case(contract: Contract) -> None:
    """Each (schema, required property) pair is removed by some case and reported at the parent."""
    covered: set[tuple[str, str]] = set()
    for case in load_cases(contract):
        if case.data["valid"] or case.profile != "default":
            continue
        removed = [op["path"] for op in case.data.get("patch", []) if op["op"] == "remove"]
        if len(removed) != 1:
            continue
        result = validate(case_payload(contract, case), case.response, contract=contract)
        for finding in result.errors:
            if finding.keyword == "required":
                name = removed[0].rsplit("/", 1)[1]
                covered.add((finding.schema_location.split("#")[0], name))
    missing = _required_pairs(contract) - covered
    assert not missing, f"required fields without a case: {sorted(missing)}"


def test_every_enum_value_is_accepted_by_some_case(contract: Contract) -> None:
    """Every value of every small enum is used by a valid case or example."""
    used: set[str] = set()

    def strings(node: object) -> None:
        if isinstance(node, str):
            used.add(node)
        elif isinstance(node, dict):
            for v in node.values():
                strings(v)
        elif isinstance(node, list):
            for v in node:
                strings(v)

    for case in load_cases(contract):
        if case.data["valid"]:
            strings(case_payload(contract, case))
    for uri, schema in contract.schemas.items():
        for pointer in _enum_pointers(schema):
            values = resolve_pointer(schema, pointer)
            missing = [v for v in values if v not in used]
            assert not missing, f"{uri}#{pointer}: no valid case uses {missing}"


def _enum_pointers(node: object, pointer: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum":
                found.append(f"{pointer}/enum")
            else:
                found.extend(_enum_pointers(value, f"{pointer}/{key}"))
    return found


def test_json_pointers_resolve_as_rfc_6901_says() -> None:
    """RFC 6901's own examples (section 5): "/" is the member named "", not the whole document."""
    document = {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, 'k"l': 6, " ": 7}
    document["m~n"] = 8
    expected = {"": document, "/foo": ["bar", "baz"], "/foo/0": "bar", "/": 0, "/a~1b": 1, "/c%d": 2, "/e^f": 3}
    expected.update({"/g|h": 4, "/i\\j": 5, '/k"l': 6, "/ ": 7, "/m~0n": 8})
    for pointer, value in expected.items():
        assert resolve_pointer(document, pointer) == value, pointer
    assert resolve_pointer({"": {"": 9}}, "//") == 9
    with pytest.raises(ValueError):
        resolve_pointer(document, "foo")
