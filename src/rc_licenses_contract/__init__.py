"""Contract kit for Rocket.Chat's GET /api/v1/licenses.info."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Finding", "ValidationResult", "__version__", "load_contract", "validate"]

if TYPE_CHECKING:
    from .loader import load_contract
    from .validation import Finding, ValidationResult, validate


def __getattr__(name: str) -> Any:
    # Lazy, so `import rc_licenses_contract` stays cheap for the CLI.
    if name in ("Finding", "ValidationResult", "validate"):
        from . import validation

        return getattr(validation, name)
    if name == "load_contract":
        from .loader import load_contract

        return load_contract
    raise AttributeError(name)
