"""The endpoint facts the code needs by name, read from openapi.yaml: who the caller is and how its
secret travels (the security schemes), the rate limiter's headers (on the 429 response) and the query
parameters. The loader calls these once; everything else asks the Contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ContractError

Json = Any
# The security schemes (components/securitySchemes) that name the caller and carry its secret.
USER_ID_SCHEME, TOKEN_SCHEME = "userId", "authToken"
RATE_LIMITED = "429"  # HTTP's Too Many Requests: its response declares the rate limiter's headers


@dataclass(frozen=True)
class RateLimitHeaders:
    """The rate limiter's headers, as the contract names them on the 429 response."""

    limit: str
    remaining: str
    reset: str

    @property
    def names(self) -> tuple[str, str, str]:
        return (self.limit, self.remaining, self.reset)


def read_auth_headers(openapi: dict[str, Json]) -> dict[str, str]:
    schemes = (openapi.get("components") or {}).get("securitySchemes") or {}
    headers = {
        name: scheme["name"]
        for name, scheme in schemes.items()
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") == "header"
    }
    for name in (USER_ID_SCHEME, TOKEN_SCHEME):
        if not isinstance(headers.get(name), str):
            raise ContractError(f"openapi.yaml::/components/securitySchemes/{name}", "missing apiKey header scheme")
    return headers


def read_rate_limit_headers(operation: dict[str, Json], where: str) -> RateLimitHeaders | None:
    """Limit, remaining and reset, told apart by the ending of their names (the X-RateLimit-* family)."""
    declared = ((operation.get("responses") or {}).get(RATE_LIMITED) or {}).get("headers") or {}
    if not declared:
        return None
    roles: dict[str, str] = {}
    for name in declared:
        for role in ("limit", "remaining", "reset"):
            if str(name).lower().endswith(role):
                roles[role] = str(name)
    missing = [role for role in ("limit", "remaining", "reset") if role not in roles]
    if missing:
        location = f"openapi.yaml::{where}/responses/{RATE_LIMITED}/headers"
        raise ContractError(location, f"no header for the rate limit's {', '.join(missing)}")
    return RateLimitHeaders(roles["limit"], roles["remaining"], roles["reset"])


def read_query_parameters(
    openapi: dict[str, Json], operation: dict[str, Json], where: str, resolve: Callable[[Json, str], Json]
) -> dict[str, dict[str, Json]]:
    """Query parameter name -> schema; `resolve(document, pointer)` follows a local $ref."""
    parameters: dict[str, dict[str, Json]] = {}
    for index, entry in enumerate(operation.get("parameters") or []):
        ref = entry.get("$ref") if isinstance(entry, dict) else None
        if isinstance(ref, str):
            try:
                entry = resolve(openapi, ref[1:]) if ref.startswith("#/") else None
            except (KeyError, IndexError, ValueError, TypeError):
                entry = None
            if entry is None:
                raise ContractError(f"openapi.yaml::{where}/parameters/{index}", f"$ref {ref!r} does not resolve")
        if isinstance(entry, dict) and entry.get("in") == "query" and isinstance(entry.get("name"), str):
            schema = entry.get("schema")
            parameters[entry["name"]] = schema if isinstance(schema, dict) else {}
    return parameters
