"""The contract's own data files — interactions, profiles, scenarios, mock users — checked against their
schemas (beside them in `contracts/`) and against each other, so a typo'd caller fails `lint`, not the gate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ContractError
from .jsonio import read_json
from .loader import Contract, resolve_data

# data file (glob, relative to contracts/) -> its schema (relative to contracts/)
DATA_SCHEMAS: tuple[tuple[str, str], ...] = (
    ("interactions.json", "interactions.schema.json"),
    ("profiles.json", "profiles.schema.json"),
    ("mock/users.json", "users.schema.json"),
    ("scenarios/*.json", "scenario.schema.json"),
)

Located = tuple[str, str]  # (file::/pointer, message)


def data_problems(contract: Contract) -> Iterator[Located]:
    """Every data file against its schema; files that pass are then cross-checked."""
    from jsonschema import Draft202012Validator

    folder = contract.contracts_dir
    for pattern, schema_name in DATA_SCHEMAS:
        try:
            validator = Draft202012Validator(read_json(folder / schema_name))
        except ContractError as exc:
            yield exc.location, exc.message
            continue
        for path in sorted(folder.glob(pattern)):
            try:
                data = read_json(path)
            except ContractError as exc:
                yield exc.location, exc.message
                continue
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            for error in errors:
                where = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
                yield f"{path}::{where}", f"breaks {schema_name}: {error.message}"
            if not errors:
                yield from _CROSS_CHECKS[schema_name](contract, path, data)


def checked_data(contract: Contract, path: Path) -> Any:
    """A data file the gate or the mock runs on, held to its schema first: a file `lint` would reject is one
    ContractError naming the place, not a crash halfway through a run."""
    from fnmatch import fnmatch

    from jsonschema import Draft202012Validator

    data = read_json(path)
    relative = path.relative_to(contract.contracts_dir).as_posix()
    schema_name = next((schema for pattern, schema in DATA_SCHEMAS if fnmatch(relative, pattern)), None)
    if schema_name is None:
        return data
    validator = Draft202012Validator(read_json(contract.contracts_dir / schema_name))
    error = min(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path], default=None)
    if error is not None:
        where = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
        raise ContractError(f"{path}::{where}", f"breaks {schema_name}: {error.message}")
    return data


def _duplicates(path: Path, items: list[dict[str, Any]], key: str, collection: str) -> Iterator[Located]:
    for value, count in Counter(item[key] for item in items).items():
        if count > 1:
            yield f"{path}::/{collection}", f"{key} {value!r} is used {count} times"


def _interactions(contract: Contract, path: Path, data: dict[str, Any]) -> Iterator[Located]:
    yield from _duplicates(path, data["interactions"], "id", "interactions")
    for index, item in enumerate(data["interactions"]):
        if str(item["status"]) not in contract.responses:
            yield f"{path}::/interactions/{index}/status", f"{item['status']} is not a documented response"


def _profiles(contract: Contract, path: Path, data: dict[str, Any]) -> Iterator[Located]:
    for name, profile in data["profiles"].items():
        for component, properties in (profile.get("require") or {}).items():
            where = f"{path}::/profiles/{name}/require/{component}"
            uri = contract.components.get(component)
            if uri is None:
                yield where, f"no component schema {component!r}"
                continue
            declared = contract.schemas[uri].get("properties") or {}
            for prop in properties:
                if prop not in declared:
                    yield where, f"{component} declares no property {prop!r}"
        for status in profile.get("headers") or {}:
            if status not in contract.responses:
                yield f"{path}::/profiles/{name}/headers/{status}", f"{status} is not a documented response"
    # The version rule picks the profile with the highest fromMajor at or below a server's major: one each.
    by_major: dict[int, str] = {}
    for name, profile in data["profiles"].items():
        major = profile.get("fromMajor")
        if isinstance(major, int) and major in by_major:
            where = f"{path}::/profiles/{name}/fromMajor"
            yield where, f"fromMajor {major} is also profile {by_major[major]!r}'s: the version rule would be ambiguous"
        elif isinstance(major, int):
            by_major[major] = name


def _users(contract: Contract, path: Path, data: dict[str, Any]) -> Iterator[Located]:
    yield from _duplicates(path, data["users"], "name", "users")
    yield from _duplicates(path, data["users"], "userId", "users")


def _scenario(contract: Contract, path: Path, data: dict[str, Any]) -> Iterator[Located]:
    from .cases import apply_patch
    from .validation import get_engine

    engine = get_engine(contract, "default")
    try:
        resolved = resolve_data(data, path)
        license_ = resolved["license"]
        if license_ is not None and resolved.get("patch"):
            license_ = apply_patch(license_, resolved["patch"])
    except ContractError as exc:
        yield exc.location, exc.message
        return
    for key, component, value in (
        ("license", "LicenseV3", license_),
        ("announcement", "CloudSyncAnnouncement", resolved.get("announcement")),
    ):
        if value is None or component not in contract.components:
            continue
        for finding in engine.findings(value, contract.components[component]):
            yield f"{path}::/{key}{finding.pointer}", f"not a valid {component}: {finding.message}"


_CROSS_CHECKS = {
    "interactions.schema.json": _interactions,
    "profiles.schema.json": _profiles,
    "users.schema.json": _users,
    "scenario.schema.json": _scenario,
}
