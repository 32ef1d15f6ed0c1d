"""Optional dependency groups: which command needs which extra, and a one-line message when one is missing.

The core install (`pip install rc-licenses-contract`) carries the library, `validate`, `lint` and
`bundle`. The gate and the mock pull in heavier stacks, installed as extras.
"""

from __future__ import annotations

import importlib.util

# extra name -> the top-level modules it provides (from pyproject.toml's optional-dependencies)
EXTRAS: dict[str, tuple[str, ...]] = {
    "gate": ("schemathesis", "hypothesis", "requests"),
    "mock": ("starlette", "uvicorn"),
}


def missing_modules(extra: str) -> list[str]:
    return [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]


def missing_extra(extras: tuple[str, ...] | list[str], what: str) -> str | None:
    """A one-line message naming the first extra `what` needs but is not installed, else None."""
    for extra in extras:
        absent = missing_modules(extra)
        if absent:
            return (
                f"{what} needs the '{extra}' extra ({', '.join(absent)} not installed): "
                f"pip install 'rc-licenses-contract[{extra}]'"
            )
    return None
