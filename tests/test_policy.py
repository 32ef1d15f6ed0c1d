"""The strictness policy closes objects without changing what their conditionals mean."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from rc_licenses_contract.policy import close_objects

DECLARED_BY_DEPENDENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"behavior": {"type": "string"}},
    "dependentSchemas": {"behavior": {"properties": {"modules": {"type": "array"}}}},
}
DECLARED_BY_IF_THEN: dict[str, Any] = {
    "type": "object",
    "properties": {"behavior": {"type": "string"}},
    "if": {"properties": {"behavior": {"const": "disable_modules"}}},
    "then": {"properties": {"modules": {"type": "array"}}},
}
NESTED_DEPENDENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"behavior": {"type": "string"}},
    "allOf": [{"dependentSchemas": {"behavior": {"properties": {"modules": {"type": "array"}}}}}],
}


@pytest.mark.parametrize(
    "schema",
    [DECLARED_BY_DEPENDENT_SCHEMA, DECLARED_BY_IF_THEN, NESTED_DEPENDENT_SCHEMA],
    ids=["dependentSchemas", "if-then", "dependentSchemas-in-allOf"],
)
def test_a_property_declared_only_in_a_conditional_is_documented(schema: dict[str, Any]) -> None:
    closed = copy.deepcopy(schema)
    close_objects(closed)
    validator = Draft202012Validator(closed)
    assert validator.is_valid({"behavior": "disable_modules", "modules": []})
    undocumented = list(validator.iter_errors({"behavior": "disable_modules", "modules": [], "other": 1}))
    assert [error.validator for error in undocumented] in (["additionalProperties"], ["unevaluatedProperties"])


def test_a_plain_object_is_closed_with_additional_properties() -> None:
    closed: dict[str, Any] = {"type": "object", "properties": {"a": {}}}
    close_objects(closed)
    assert closed["additionalProperties"] is False
