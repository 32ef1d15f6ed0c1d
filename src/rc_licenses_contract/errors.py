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
