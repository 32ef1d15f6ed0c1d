"""What a Rocket.Chat server computes for licenses.info, from a workspace scenario.

Follows ee/packages/license's getInfo: the caller's permissions shape the body, an expired or
invalid license is reported like none, and the server version decides which members exist.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cases import apply_patch
from ..contract_data import checked_data
from ..domain import GLOBAL_KINDS, LIMIT_KINDS, NO_GUEST_ROOMS, disabled_modules, is_external, max_limit, prevented
from ..errors import ContractError
from ..jsonio import read_json
from ..loader import Contract, resolve_data

VERSIONS = ("6", "7", "8")
PRIVILEGED, MANAGE_CLOUD, BYPASS = "view-privileged-setting", "manage-cloud", "api-bypass-rate-limit"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    license: dict[str, Any] | None
    valid: bool
    usage: dict[str, int]
    announcement: dict[str, Any] | None = None

    @property
    def has_valid_license(self) -> bool:
        return self.license is not None and self.valid


@dataclass(frozen=True)
class User:
    name: str
    user_id: str
    auth_token: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def load_scenarios(contract: Contract) -> dict[str, Scenario]:
    scenarios: dict[str, Scenario] = {}
    for path in sorted((contract.contracts_dir / "scenarios").glob("*.json")):
        data = resolve_data(checked_data(contract, path), path)
        license_ = data.get("license")
        if license_ is not None and data.get("patch"):
            license_ = apply_patch(license_, data["patch"])
        scenarios[path.stem] = Scenario(
            name=path.stem,
            description=data.get("description", ""),
            license=license_,
            valid=bool(data.get("valid", True)),
            usage={kind: int(data.get("usage", {}).get(kind, 0)) for kind in GLOBAL_KINDS},
            announcement=data.get("announcement"),
        )
    if not scenarios:
        raise ContractError(str(contract.contracts_dir / "scenarios"), "no scenarios")
    return scenarios


def load_users(path: Path) -> dict[tuple[str, str], User]:
    """Users keyed by (X-User-Id, X-Auth-Token). Every field is checked: a missing or mistyped one is an
    error naming it, never a user whose token is the text "None"."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise ContractError(f"{path}::/users", 'expected {"users": [ ... ]}, a list of users')
    users: dict[tuple[str, str], User] = {}
    for index, entry in enumerate(data["users"]):
        where = f"{path}::/users/{index}"
        if not isinstance(entry, dict):
            raise ContractError(where, "a user is an object with name, userId and authToken")
        for key in ("name", "userId", "authToken"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                found = "missing" if key not in entry else "empty" if isinstance(value, str) else _json_type(value)
                raise ContractError(f"{where}/{key}", f"{key} must be a non-empty string, not {found}")
        permissions = entry.get("permissions", [])
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise ContractError(f"{where}/permissions", "permissions must be a list of strings")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ContractError(f"{where}/description", "description must be a string")
        user = User(entry["name"], entry["userId"], entry["authToken"], frozenset(permissions), description)
        if (user.user_id, user.auth_token) in users:
            raise ContractError(where, "the same userId and authToken as an earlier user")
        users[(user.user_id, user.auth_token)] = user
    if not users:
        raise ContractError(str(path), "no users")
    return users


def _json_type(value: Any) -> str:
    """A value's type as JSON names it (null, boolean, number, ...)."""
    names = {type(None): "null", bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}
    return names.get(type(value), "string")


def license_info(
    scenario: Scenario, version: str, user: User, load_values: bool, usage: dict[str, int] | None = None
) -> dict[str, Any]:
    """The 200 body the given server version sends this caller."""
    usage = usage or scenario.usage
    license_ = scenario.license if scenario.has_valid_license else None
    privileged = user.can(PRIVILEGED)
    granted = [m["module"] for m in (license_ or {}).get("grantedModules", [])]
    off = disabled_modules(license_, usage) if license_ else set()
    info: dict[str, Any] = {}
    if license_ is not None and privileged:
        info["license"] = copy.deepcopy(license_)
    info["activeModules"] = [module for module in granted if module not in off]
    if version != "6":
        # From the granted modules, not the active ones: a switched-off external module stays listed.
        info["externalModules"] = [{"module": module, "external": True} for module in granted if is_external(module)]
    counts = {**usage, "roomsPerGuest": NO_GUEST_ROOMS}
    info["preventedActions"] = {kind: bool(prevented(license_, kind, counts[kind])) for kind in LIMIT_KINDS}
    limits: dict[str, Any] = {}
    if privileged:
        for kind in GLOBAL_KINDS:
            limits[kind] = {"max": max_limit(license_, kind)}
            if load_values:
                limits[kind]["value"] = usage[kind]
    info["limits"] = limits
    info["tags"] = copy.deepcopy((license_ or {}).get("information", {}).get("tags", []))
    info["trial"] = bool((license_ or {}).get("information", {}).get("trial", False))
    if version == "8":
        info["hasValidLicense"] = license_ is not None
    body: dict[str, Any] = {"license": info, "success": True}
    if version != "6" and scenario.announcement is not None and user.can(MANAGE_CLOUD):
        body["cloudSyncAnnouncement"] = copy.deepcopy(scenario.announcement)
    return body


UNAUTHORIZED_MESSAGE = "You must be logged in to do this."


def unauthorized_body(version: str) -> dict[str, Any]:
    if version == "6":
        return {"status": "error", "message": UNAUTHORIZED_MESSAGE}
    return {"success": False, "status": "error", "message": UNAUTHORIZED_MESSAGE, "error": UNAUTHORIZED_MESSAGE}


UNPARSABLE_QUERY = "Invalid query parameters"  # 8.x router: a query string it cannot parse at all


def bad_request_body(version: str, reason: str) -> dict[str, Any]:
    """The 400: the typed route (8.x) sends ajv's words and `error-invalid-params`; addRoute (6.x, 7.x)
    throws Meteor.Error('invalid-params', …), which adds the `[invalid-params]` suffix."""
    if reason == UNPARSABLE_QUERY:
        return {"success": False, "error": reason}
    if version == "8":
        return {"success": False, "error": reason, "errorType": "error-invalid-params"}
    return {"success": False, "error": f"{reason} [invalid-params]", "errorType": "invalid-params"}


def too_many_requests_body(wait_seconds: int) -> dict[str, Any]:
    return {
        "success": False,
        "error": "Error, too many requests. Please slow down. You must wait "
        f"{wait_seconds} seconds before trying this endpoint again. [error-too-many-requests]",
    }
