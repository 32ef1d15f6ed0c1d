"""Defaults from `[tool.rc-licenses-contract]` in the nearest pyproject.toml; command-line flags override them.

[tool.rc-licenses-contract]
profile = "8"                     # validate, gate
strict = true                     # validate, gate
budget = 20                       # gate --max-requests
junit = "reports/gate.xml"        # gate --junit (relative to the pyproject.toml)
json = "reports/gate.json"        # gate --json
color = "never"                   # every command
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import UsageError

SECTION = "tool.rc-licenses-contract"
COLORS = ("auto", "always", "never")
COMMANDS = ("lint", "validate", "mock", "gate", "bundle")


def _choice(options: tuple[str, ...]) -> Callable[[Any, Path], Any]:
    def check(value: Any, base: Path) -> Any:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, not {value!r}")
        return value

    return check


def _name(value: Any, base: Path) -> str:
    # Which names exist is the contract's to say (contracts/profiles.json); the command checks it.
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a name, not {value!r}")
    return value


def _bool(value: Any, base: Path) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _positive(value: Any, base: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number of 1 or more, not {value!r}")
    return value


def _path(value: Any, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a file path, not {value!r}")
    return base / value


# key -> (how to check it, the commands it applies to, the argument it sets there)
KEYS: dict[str, tuple[Callable[[Any, Path], Any], tuple[str, ...], str]] = {
    "profile": (_name, ("validate", "gate"), "profile"),
    "strict": (_bool, ("validate", "gate"), "strict"),
    "budget": (_positive, ("gate",), "max_requests"),
    "junit": (_path, ("gate",), "junit"),
    "json": (_path, ("gate",), "json"),
    "color": (_choice(COLORS), COMMANDS, "color"),
}


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def command_defaults(start: Path | None = None) -> dict[str, dict[str, Any]]:
    """command -> {argument: default} from the nearest pyproject.toml; UsageError names a bad key."""
    path = find_pyproject(start or Path.cwd())
    if path is None:
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):  # someone else's pyproject.toml may hold anything
        raise UsageError(f"{path}: [tool] must be a table")
    section = tool.get("rc-licenses-contract", {})
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [{SECTION}] must be a table")
    defaults: dict[str, dict[str, Any]] = {}
    for key, value in section.items():
        if key not in KEYS:
            raise UsageError(f"{path}: [{SECTION}] unknown key {key!r} (known: {', '.join(KEYS)})")
        check, commands, argument = KEYS[key]
        try:
            checked = check(value, path.parent)
        except ValueError as exc:
            raise UsageError(f"{path}: [{SECTION}] {key} {exc}") from None
        for command in commands:
            defaults.setdefault(command, {})[argument] = checked
    return defaults
