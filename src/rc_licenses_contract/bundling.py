"""One self-contained OpenAPI document from openapi.yaml, schemas/ and contracts/examples/.

Every schema file becomes `#/components/schemas/<Title>` (names and titles kept, `$id`/`$schema`
dropped since a `$id` inside a component would re-base the internal refs), every `$ref` becomes
internal, examples are inlined under `components/examples`, and an untyped `const` gets the `type` it
implies (code generators mishandle untyped constants). `dereference=True` also inlines
every schema `$ref`, for tools that handle `$ref` badly (the schemas have no cycles).
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ContractError
from .loader import Contract, join_uri, resolve_pointer

COMPONENT_PREFIX = "#/components/schemas/"


def _rewrite(node: Any, base: str, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("$id", "$schema"):
                continue
            if key == "$ref" and isinstance(value, str):
                # Relative to the schema file, `#/$defs/…` included: in the bundle it names the component.
                target, fragment = join_uri(base, value)
                if target not in names:
                    raise ContractError(base, f"$ref {value!r} names no schema file")
                out[key] = COMPONENT_PREFIX + names[target] + (f"/{fragment.lstrip('/')}" if fragment else "")
            else:
                out[key] = _rewrite(value, base, names)
        implied = _json_type(out["const"]) if "const" in out and "type" not in out else None
        if implied:
            # Same meaning, and generators see a typed property: openapi-python-client writes
            # `if success != Falseand ...` (a syntax error) for an optional, untyped `const: false`.
            out["type"] = implied
        return out
    if isinstance(node, list):
        return [_rewrite(value, base, names) for value in node]
    return node


def _json_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", type(None): "null"}.get(type(value))


def _inline(node: Any, document: dict[str, Any], depth: int = 0) -> Any:
    """Replace every local $ref with (a copy of) what it points to."""
    if depth > 64:
        raise ContractError("openapi.yaml", "a $ref cycle: cannot dereference")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target = _inline(resolve_pointer(document, ref[1:]), document, depth + 1)
            siblings = {k: _inline(v, document, depth) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings} if isinstance(target, dict) else target
        return {key: _inline(value, document, depth) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, document, depth) for value in node]
    return node


def bundle(contract: Contract, dereference: bool = False) -> dict[str, Any]:
    names = {uri: name for name, uri in contract.components.items()}
    document = copy.deepcopy(contract.openapi)
    components = document.setdefault("components", {})
    components["schemas"] = {
        name: _rewrite(contract.schemas[uri], uri, names) for name, uri in contract.components.items()
    }
    components["examples"] = {
        name: {
            key: value
            for key, value in (("summary", ex.summary), ("description", ex.description), ("value", ex.value))
            if value != ""
        }
        for name, ex in contract.examples.items()
    }
    if dereference:
        document = _inline(document, document)
    return document


def dump(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc, valid-type]
        pass

    def text(dumper: Any, value: str) -> Any:  # multi-line descriptions as readable | blocks
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return str(yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120))
