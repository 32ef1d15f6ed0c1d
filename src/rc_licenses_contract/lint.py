"""`lint`: the contract is internally consistent and every example and case holds as declared."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract_data import data_problems
from .errors import ContractError
from .jsonio import read_json, read_yaml
from .loader import (
    Contract,
    build_contract,
    escape,
    file_uri,
    iter_refs,
    join_uri,
    read_schema_files,
    resolve_pointer,
)
from .policy import UNDOCUMENTED_KEYWORDS

REQUIRED_SCHEMA_KEYS = ("$schema", "title", "description", "required")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


LOCATED = re.compile(r":\d+:\d+$")
POSITIONED_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """`file[:line:col][::/json/pointer]`; a JSON or YAML file always gets a line and column."""

    location: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "location", _place(self.location))

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def pointer_of(parts: Iterable[object]) -> str:
    return "".join(f"/{escape(str(part))}" for part in parts) or "/"


@functools.lru_cache(maxsize=512)
def _positions(path: str) -> dict[str, tuple[int, int]]:
    """JSON pointer -> (line, column) for every node of a JSON or YAML file; a member points at its key."""
    import yaml

    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # unreadable: the reader's own error already carries the line and column
    positions: dict[str, tuple[int, int]] = {}

    def walk(node: Any, pointer: str) -> None:
        positions.setdefault(pointer, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{pointer}/{escape(str(key.value))}"
                positions[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{pointer}/{index}")

    if root is not None:
        walk(root, "")
    return positions


def _place(location: str) -> str:
    """Add `:line:col` to a location in a JSON or YAML file: the pointer's node, else its nearest ancestor."""
    file, separator, pointer = location.partition("::")
    if LOCATED.search(file) or not file.endswith(POSITIONED_SUFFIXES):
        return location
    positions = _positions(file)
    if not positions:
        return location
    node = "" if pointer in ("", "/") else pointer
    while node and node not in positions:
        node = node.rsplit("/", 1)[0]
    line, column = positions.get(node, (1, 1))
    return f"{file}:{line}:{column}{separator}{pointer}"


@dataclass
class LintResult:
    root: Path
    problems: list[Problem]
    checked: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems


def _openapi_problems(root: Path) -> Iterator[Problem]:
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    path = root / "openapi.yaml"
    try:
        spec = read_yaml(path)
    except ContractError as exc:
        yield Problem(exc.location, exc.message)
        return
    try:
        validate_spec(spec, base_uri=file_uri(path))
    except OpenAPIValidationError as exc:
        where = pointer_of(getattr(exc, "path", []) or [])
        yield Problem(f"{path}::{where}", str(getattr(exc, "message", exc)).splitlines()[0])
    except Exception as exc:  # a broken external file surfaces as a resolver error
        yield Problem(str(path), f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def _schema_problems(root: Path) -> Iterator[Problem]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    folder = root / "schemas"
    referenced = _referenced_files(folder)
    for path in sorted(folder.glob("*.json")):
        try:
            schema = read_json(path)
        except ContractError as exc:
            yield Problem(exc.location, exc.message)
            continue
        if not isinstance(schema, dict):
            yield Problem(str(path), "a schema file must hold a JSON object")
            continue
        for key in REQUIRED_SCHEMA_KEYS:
            if key not in schema:
                yield Problem(f"{path}::/", f"missing {key!r}")
        if schema.get("$schema") not in (None, DRAFT_2020_12):
            yield Problem(f"{path}::/$schema", f"must be {DRAFT_2020_12}")
        yield from _id_problems(path, schema, referenced)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            yield Problem(f"{path}::{pointer_of(exc.absolute_path)}", f"not a valid 2020-12 schema: {exc.message}")
        for pointer, _ in _reserved_keywords(schema):
            yield Problem(
                f"{path}::{pointer}",
                "additionalProperties/unevaluatedProperties false is reserved for the strictness policy; "
                "forbid a named property with `not: {}` instead",
            )


def _referenced_files(folder: Path) -> set[str]:
    """Names of the schema files some other schema file refers to."""
    names: set[str] = set()
    for path in folder.glob("*.json"):
        try:
            schema = read_json(path)
        except ContractError:
            continue  # reported per file
        for _, ref in iter_refs(schema):
            target = ref.split("#", 1)[0]
            if target and "/" not in target and target != path.name:
                names.add(target)
    return names


def _id_problems(path: Path, schema: dict[str, Any], referenced: set[str]) -> Iterator[Problem]:
    """Identifiers that let every tool resolve our refs offline (README, "Identifiers").

    A schema other schemas refer to carries its file name as `$id` (ajv-cli keys schemas by `$id`);
    an entry point carries none, so tools take the file's own location as the base of its refs
    (check-jsonschema resolves a relative root `$id` against the working directory instead).
    """
    schema_id = schema.get("$id")
    if path.name in referenced and schema_id != path.name:
        where = "/$id" if schema_id is not None else "/"
        yield Problem(f"{path}::{where}", f"$id must be {path.name!r} (its file name)")
    elif path.name not in referenced and schema_id is not None:
        yield Problem(f"{path}::/$id", "an entry-point schema (referred to by no schema) carries no $id")


def _reserved_keywords(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for keyword in UNDOCUMENTED_KEYWORDS:
            if node.get(keyword) is False:
                yield f"{pointer}/{keyword}", node
        for key, value in node.items():
            yield from _reserved_keywords(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _reserved_keywords(value, f"{pointer}/{index}")


def _ref_problems(root: Path) -> Iterator[Problem]:
    try:
        schemas, files = read_schema_files(root)
    except ContractError:
        return  # already reported per file
    for uri, schema in schemas.items():
        for pointer, ref in iter_refs(schema):
            target, fragment = join_uri(uri, ref)
            if target not in schemas:
                yield Problem(f"{files[uri]}::{pointer}", f"$ref {ref!r} does not resolve (no such schema file)")
                continue
            try:
                resolve_pointer(schemas[target], fragment)
            except (KeyError, IndexError, ValueError, TypeError):
                yield Problem(f"{files[uri]}::{pointer}", f"$ref {ref!r}: fragment does not resolve")
    try:
        openapi = read_yaml(root / "openapi.yaml")
    except ContractError:
        return
    for pointer, ref in iter_refs(openapi):
        if ref.startswith("#"):
            try:
                resolve_pointer(openapi, ref[1:])
            except (KeyError, IndexError, ValueError, TypeError):
                yield Problem(f"{root / 'openapi.yaml'}::{pointer}", f"$ref {ref!r} does not resolve")
        elif not (root / ref.split("#", 1)[0]).is_file():
            yield Problem(f"{root / 'openapi.yaml'}::{pointer}", f"$ref {ref!r}: no such file")
    components = openapi.get("components") if isinstance(openapi, dict) else None
    listing = components.get("schemas") if isinstance(components, dict) else None  # wrong shapes: loader's line
    listed = {
        (root / str(entry.get("$ref", ""))).resolve()
        for entry in (listing.values() if isinstance(listing, dict) else [])
        if isinstance(entry, dict)
    }
    for path in files.values():
        if path.resolve() not in listed:
            yield Problem(str(path), "schema is not listed under components/schemas in openapi.yaml")


def _example_and_case_problems(contract: Contract, checked: dict[str, int]) -> Iterator[Problem]:
    from .cases import case_files, load_cases, run_case
    from .validation import validate

    for example in contract.examples.values():
        checked["examples"] += 1
        result = validate(example.value, example.status, contract=contract)
        inline = example.source == contract.openapi_file
        prefix = f"/components/examples/{escape(example.name)}/value" if inline else "/value"
        for finding in result.errors + result.warnings:
            yield Problem(
                f"{example.source}::{prefix}{finding.pointer}",
                f"example {example.name!r} ({example.status}): {finding.message}",
            )
    case_schema_path = contract.contracts_dir / "case.schema.json"
    try:
        case_schema = read_json(case_schema_path)
    except ContractError as exc:
        yield Problem(exc.location, exc.message)
        return
    from jsonschema import Draft202012Validator

    checker = Draft202012Validator(case_schema)
    good_files: list[Path] = []
    for path in case_files(contract):
        try:
            data = read_json(path)
        except ContractError as exc:
            yield Problem(exc.location, exc.message)
            continue
        errors = sorted(checker.iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in errors:
            yield Problem(f"{path}::{pointer_of(error.absolute_path)}", f"breaks the case schema: {error.message}")
        if not errors:
            good_files.append(path)
    for case in load_cases(contract, good_files):
        checked["cases"] += 1
        try:
            _, problems = run_case(contract, case)
        except ContractError as exc:
            yield Problem(exc.location, exc.message)
            continue
        for problem in problems:
            yield Problem(case.location, f"{case.description}: {problem}")


def lint(root: Path) -> LintResult:
    checked = {"schemas": len(list((root / "schemas").glob("*.json"))), "examples": 0, "cases": 0}
    problems = [*_openapi_problems(root), *_schema_problems(root), *_ref_problems(root)]
    try:
        contract = build_contract(root)
    except ContractError as exc:
        # the loader names files relative to the contract folder ("contracts/profiles.json")
        location = exc.location if Path(exc.location.split("::", 1)[0]).is_absolute() else f"{root}/{exc.location}"
        problems.append(Problem(location, exc.message))
        return LintResult(root, problems, checked)
    try:
        problems.extend(_example_and_case_problems(contract, checked))
        problems.extend(Problem(location, message) for location, message in data_problems(contract))
    except Exception as exc:  # a schema the engine cannot compile; its cause is reported above
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.append(Problem(str(root / "schemas"), f"examples and cases not checked: {first_line}"))
    return LintResult(root, problems, checked)
