"""Findings name the schema location that judged them, as an absolute `URI#/pointer` (RFC 6901)."""

from __future__ import annotations

from typing import Any

from rc_licenses_contract.validation import locate

BASE = "file:///contract/schemas/body.json"
OTHER = "file:///contract/schemas/other.json"


def _schemas() -> dict[str, dict[str, Any]]:
    return {
        BASE: {"properties": {"": {"$ref": "other.json#/$defs/"}, "plain": {"$ref": "other.json#/$defs/item"}}},
        OTHER: {"$defs": {"": {"type": "string"}, "item": {"type": "integer"}}},
    }


def test_a_reference_ending_in_the_member_named_empty_is_followed_to_it() -> None:
    # python-jsonschema leaves "$ref" out of the path; jsonschema-rs keeps it: both land on the same place.
    assert locate(_schemas(), BASE, ["properties", "", "type"]) == f"{OTHER}#/$defs//type"
    assert locate(_schemas(), BASE, ["properties", "", "$ref", "type"]) == f"{OTHER}#/$defs//type"


def test_an_ordinary_reference_is_unchanged() -> None:
    assert locate(_schemas(), BASE, ["properties", "plain", "type"]) == f"{OTHER}#/$defs/item/type"
    assert locate(_schemas(), BASE, ["properties", "plain"]) == f"{BASE}#/properties/plain"
