"""A hypothesis strategy that builds payloads from our schemas: mostly valid, with deliberate noise.

It understands the keywords the contract uses ($ref, type, properties, required, items, enum,
const, anyOf, pattern, format) and, with some probability at each node, breaks the rules: drops a
required property, adds an undocumented one, or puts a value of the wrong type.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rc_licenses_contract.loader import Contract, join_uri

TIMESTAMPS = ["2024-03-17T00:51:43.529361607Z", "2024-03-10T00:00:00Z", "2025-01-01T12:00:00+02:00", "yesterday"]
NOISE = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.just([]), st.just({}))


_BUILT: dict[tuple[int, str, float], tuple[Contract, st.SearchStrategy[Any]]] = {}


def payloads(contract: Contract, schema_uri: str, noise: float = 0.08) -> st.SearchStrategy[Any]:
    """Built once per schema and noise: building costs more than drawing (each `st.composite` reads its
    function's source), and tests draw a strategy inside every example."""
    key = (id(contract), schema_uri, noise)
    if key not in _BUILT:  # the contract is kept beside its strategy, so its id is not reused
        _BUILT[key] = (contract, _node(contract, schema_uri, contract.schemas[schema_uri], noise, depth=0))
    return _BUILT[key][1]


def _node(contract: Contract, base: str, schema: Any, noise: float, depth: int) -> st.SearchStrategy[Any]:
    if schema is True or not isinstance(schema, dict):
        return NOISE
    if "$ref" in schema:
        uri, _ = join_uri(base, schema["$ref"])
        return _node(contract, uri, contract.schemas[uri], noise, depth)
    if "const" in schema:
        strategy: st.SearchStrategy[Any] = st.just(schema["const"])
    elif "enum" in schema:
        strategy = st.sampled_from(schema["enum"] + ["not-in-enum"]) if noise else st.sampled_from(schema["enum"])
    elif "anyOf" in schema:
        strategy = st.one_of([_node(contract, base, sub, noise, depth) for sub in schema["anyOf"]])
    elif schema.get("type") == "object":
        strategy = _object(contract, base, schema, noise, depth)
    elif schema.get("type") == "array":
        strategy = st.lists(_node(contract, base, schema.get("items", True), noise, depth + 1), max_size=3)
    elif schema.get("type") == "string":
        if schema.get("format") == "date-time":
            strategy = st.sampled_from(TIMESTAMPS)
        elif "pattern" in schema:
            valid = ["chat.rocket.whatsapp", "a.b"]
            strategy = st.sampled_from([*valid, "nodot", "trailing."] if noise else valid)
        else:
            strategy = st.text(max_size=8)
    elif schema.get("type") == "integer":
        strategy = st.integers(-3, 1000)
    elif schema.get("type") == "number":
        strategy = st.one_of(st.integers(-3, 100), st.floats(-3, 100, allow_nan=False))
    elif schema.get("type") == "boolean":
        strategy = st.booleans()
    else:
        strategy = NOISE
    if noise and depth > 0:
        return st.one_of(strategy, NOISE) if noise > 0.5 else _sometimes(strategy, noise)
    return strategy


def _sometimes(strategy: st.SearchStrategy[Any], noise: float) -> st.SearchStrategy[Any]:
    return st.floats(0, 1).flatmap(lambda roll: NOISE if roll < noise else strategy)


def _object(contract: Contract, base: str, schema: dict[str, Any], noise: float, depth: int) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    if depth > 6:
        return st.just({})
    members = {
        name: _node(contract, base, sub, noise, depth + 1)
        for name, sub in properties.items()
        if sub != {"not": {}} and not (isinstance(sub, dict) and "not" in sub and len(sub) <= 2)
    }

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, strategy in members.items():
            keep = name in required or draw(st.booleans())
            if name in required and noise and draw(st.floats(0, 1)) < noise:
                keep = False
            if keep:
                result[name] = draw(strategy)
        if not noise:
            _repair(result, schema, members, draw)
        if noise and draw(st.floats(0, 1)) < noise:
            result[draw(st.sampled_from(["debug", "x-extra", "a/b"]))] = draw(NOISE)
        return result

    return build()


def _repair(result: dict[str, Any], schema: dict[str, Any], members: dict[str, Any], draw: st.DrawFn) -> None:
    """Without noise, honour the cross-property rules so that most payloads are valid."""
    for name, needed in schema.get("dependentRequired", {}).items():
        if name in result:
            for other in needed:
                if other not in result:
                    result[other] = draw(members[other])
    alternatives = [sub.get("required", []) for sub in schema.get("anyOf", []) if set(sub) == {"required"}]
    if alternatives and not any(all(n in result for n in alt) for alt in alternatives):
        for name in alternatives[0]:
            result[name] = draw(members[name])
    if "if" in schema and isinstance(result.get("module"), str):  # core vs external module flag
        if "." in result["module"]:
            result["external"] = True
        else:
            result.pop("external", None)
    if schema.get("if", {}).get("required") and result.get(schema["if"]["required"][0]) == "disable_modules":
        result["modules"] = []
