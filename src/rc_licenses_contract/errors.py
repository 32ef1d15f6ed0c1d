"""Exceptions that carry a located, one-line message for the user."""

from __future__ import annotations


class ContractError(Exception):
    """The contract files (openapi.yaml, schemas/, contracts/) are missing or broken."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class UsageError(Exception):
    """The user asked for something that cannot be done (exit code 2)."""


def not_one_of(where: str, value: str, known: list[str]) -> str | None:
    """The one-line refusal of a name the contract does not declare (a profile, a status), or None if it does."""
    return None if value in known else f"{where}: {value!r} is not one of {', '.join(known)}"
