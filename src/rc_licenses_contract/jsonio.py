"""Reading JSON and YAML files with located, one-line errors."""

from __future__ import annotations

import decimal
import json
from pathlib import Path
from typing import Any

from .errors import ContractError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _exact_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # longer than sys.get_int_max_str_digits(): exact all the same, never that message
        return int(decimal.Decimal(text))


def loads_strict(text: str) -> Any:
    """Parse JSON text strictly: no NaN/Infinity, no duplicate keys; integers of any length kept exact."""
    return json.loads(
        text, object_pairs_hook=_object_without_duplicates, parse_constant=_reject_constant, parse_int=_exact_int
    )


def read_json(path: Path) -> Any:
    """Read a JSON file; raise ContractError naming the file, line and column on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(str(path), f"cannot read: {exc}") from None
    try:
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"{path}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise ContractError(str(path), f"invalid JSON: {exc}") from None


def read_yaml(path: Path) -> Any:
    """Read a YAML file; raise ContractError naming the file and line on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(str(path), f"cannot read: {exc}") from None
    import yaml  # here: `validate` reads no YAML and starts faster without it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ContractError(where, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ContractError(str(path), f"invalid YAML: {exc}") from None
