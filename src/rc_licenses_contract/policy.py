"""Profiles and strictness as policies over the one set of schema files.

Nothing here copies a schema file: the loaded schemas are transformed in memory.
- A profile adds required property names to named component schemas.
- Every object schema that declares `properties` and says nothing about extra properties is closed,
  so undocumented properties surface at every depth. It gets `additionalProperties: false` when that
  is equivalent (its conditionals name no property outside `properties`; 2.5x faster in
  jsonschema-rs), else `unevaluatedProperties: false`. Source schemas may use neither with `false`
  (lint enforces it), so every such error means "undocumented". Whether those are warnings or errors
  is decided after validation (see validation.py): one compiled validator serves both modes.
"""

from __future__ import annotations

import copy
from typing import Any

from .loader import Contract, Profile

UNDOCUMENTED_KEYWORDS = ("additionalProperties", "unevaluatedProperties")
_CONDITIONALS = ("if", "then", "else", "not", "allOf", "anyOf", "oneOf")
# Positions whose subschemas describe values; conditionals (if/then/else/not/anyOf...) are left
# alone, closing them would change what they match.
_VALUE_POSITIONS = ("properties", "patternProperties", "$defs")
_SINGLE_VALUE_POSITIONS = ("items", "additionalProperties", "contains")


def close_objects(node: Any) -> None:
    if not isinstance(node, dict):
        return
    if (
        node.get("type") == "object"
        and "properties" in node
        and not any(keyword in node for keyword in UNDOCUMENTED_KEYWORDS)
    ):
        declared = set(node["properties"])
        simple = "$ref" not in node and "patternProperties" not in node
        if simple and _named_in_conditionals(node) <= declared:
            node["additionalProperties"] = False
        else:
            node["unevaluatedProperties"] = False
    for key in _VALUE_POSITIONS:
        for child in (node.get(key) or {}).values():
            close_objects(child)
    for key in _SINGLE_VALUE_POSITIONS:
        close_objects(node.get(key))
    for child in node.get("prefixItems") or []:
        close_objects(child)


def _conditional_subschemas(node: dict[str, Any]) -> list[Any]:
    # dependentSchemas maps property names to subschemas: its values are the conditionals, not itself.
    return [node.get(key) for key in _CONDITIONALS] + list((node.get("dependentSchemas") or {}).values())


def _named_in_conditionals(node: dict[str, Any]) -> set[str]:
    names: set[str] = set()

    def collect(sub: Any) -> None:
        if isinstance(sub, list):
            for item in sub:
                collect(item)
        elif isinstance(sub, dict):
            names.update(sub.get("properties") or {})
            collect(_conditional_subschemas(sub))

    collect(_conditional_subschemas(node))
    return names


def apply_policy(contract: Contract, profile: Profile) -> dict[str, dict[str, Any]]:
    """Return the contract's schemas ($id -> schema) with the profile and the closure applied."""
    extra_required = {contract.components[name]: names for name, names in profile.require.items()}
    result: dict[str, dict[str, Any]] = {}
    for uri, schema in contract.schemas.items():
        transformed = copy.deepcopy(schema)
        extra = extra_required.get(uri, [])
        if extra:
            required = list(transformed.get("required", []))
            transformed["required"] = required + [name for name in extra if name not in required]
        close_objects(transformed)
        result[uri] = transformed
    return result


def policy_schemas(contract: Contract, profile_name: str) -> dict[str, dict[str, Any]]:
    profile = contract.profile(profile_name)
    schemas: dict[str, dict[str, Any]] = contract.cached(
        ("policy", profile_name), lambda: apply_policy(contract, profile)
    )
    return schemas
