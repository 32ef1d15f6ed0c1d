"""The library API: rc_licenses_contract.validate() and its result."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import rc_licenses_contract as rc
from rc_licenses_contract.errors import ContractError
from rc_licenses_contract.loader import Contract


def test_validate_returns_located_errors(contract: Contract) -> None:
    body = copy.deepcopy(contract.examples["seed-trial-6x"].value)
    body["license"]["license"]["validation"]["serverUrls"][0]["type"] = "ip"
    result = rc.validate(body)
    assert not result.valid
    [error] = result.errors
    assert error.pointer == "/license/license/validation/serverUrls/0/type"
    assert error.keyword == "enum"
    assert error.schema_location.endswith("/schemas/license-server-url.json#/properties/type/enum")
    assert result.to_dict()["errors"][0]["schemaLocation"] == error.schema_location


@pytest.mark.parametrize("engine", ["rs", "jsonschema"])
def test_warnings_and_strict(contract: Contract, engine: str) -> None:
    body = copy.deepcopy(contract.examples["enterprise-8x"].value)
    body["license"]["license"]["information"]["grantedTo"]["phone"] = "+1 555"
    relaxed = rc.validate(body, engine=engine)
    assert relaxed.valid
    assert [w.pointer for w in relaxed.warnings] == ["/license/license/information/grantedTo/phone"]
    strict = rc.validate(body, strict=True, engine=engine)
    assert not strict.valid and strict.errors[0].keyword == "additionalProperties"


def test_profiles_are_policies_over_the_same_files(contract: Contract) -> None:
    from rc_licenses_contract.policy import policy_schemas

    default = policy_schemas(contract, "default")
    eight = policy_schemas(contract, "8")
    info = contract.components["LicenseInfo"]
    assert "hasValidLicense" not in default[info]["required"]
    assert "hasValidLicense" in eight[info]["required"]
    assert "hasValidLicense" not in contract.schemas[info]["required"], "the source schema is untouched"
    assert set(default) == set(eight) == set(contract.schemas)


def test_unknown_response_or_profile_is_a_contract_error(contract: Contract) -> None:
    with pytest.raises(ContractError, match="no response '418'"):
        rc.validate({}, "418")
    with pytest.raises(ContractError, match="no profile '9'"):
        rc.validate({}, profile="9")


def test_closure_uses_unevaluated_properties_when_a_conditional_adds_properties() -> None:
    from rc_licenses_contract.policy import close_objects

    simple: dict[str, Any] = {"type": "object", "properties": {"a": {}}, "if": {"properties": {"a": {"const": 1}}}}
    close_objects(simple)
    assert simple["additionalProperties"] is False
    conditional: dict[str, Any] = {"type": "object", "properties": {"a": {}}, "then": {"properties": {"b": {}}}}
    close_objects(conditional)
    assert conditional["unevaluatedProperties"] is False and "additionalProperties" not in conditional
    free: dict[str, Any] = {"type": "object", "properties": {"a": {}}, "additionalProperties": True}
    close_objects(free)
    assert "unevaluatedProperties" not in free


@pytest.mark.parametrize("engine", ["rs", "jsonschema"])
def test_undocumented_properties_under_unevaluated_closure(engine: str, tmp_path: object) -> None:
    """Both closure keywords report one warning per undocumented key, at the key."""
    from rc_licenses_contract.policy import close_objects
    from rc_licenses_contract.validation import PythonEngine, RustEngine

    uri = "https://example.test/schemas/x.json"
    schema: dict[str, Any] = {
        "$id": uri,
        "type": "object",
        "properties": {"kind": {"type": "string"}},
        "if": {"properties": {"kind": {"const": "x"}}},
        "then": {"properties": {"extra": {"type": "integer"}}},
    }
    close_objects(schema)
    assert schema["unevaluatedProperties"] is False
    built = RustEngine({uri: schema}) if engine == "rs" else PythonEngine({uri: schema})
    findings = built.findings({"kind": "x", "extra": 1, "foo": 1, "bar/baz": 2}, uri)
    assert sorted(f.pointer for f in findings) == ["/bar~1baz", "/foo"]
    assert {f.keyword for f in findings} == {"unevaluatedProperties"}
