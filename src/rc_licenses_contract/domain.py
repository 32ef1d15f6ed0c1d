"""Facts about licenses.info that both the mock (which produces bodies) and the gate (which judges them) use.

Kept in one place so that the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

LIMIT_KINDS = ("activeUsers", "guestUsers", "roomsPerGuest", "privateApps", "marketplaceApps", "monthlyActiveContacts")
# roomsPerGuest is a per-guest limit, never among the workspace-wide effective limits.
GLOBAL_KINDS = tuple(kind for kind in LIMIT_KINDS if kind != "roomsPerGuest")
UNLICENSED_MAX = {"privateApps": 3, "marketplaceApps": 5}  # every other kind: -1 (unlimited)


def max_limit(license_: dict[str, Any] | None, kind: str) -> int | float:
    """The effective max of a kind: without a valid license the defaults, else the lowest max among the
    license's rules for it (-1 when it has none). Tolerates malformed rules, as the gate reads server output."""
    if license_ is None:
        return UNLICENSED_MAX.get(kind, -1)
    limits = license_.get("limits")
    rules = limits.get(kind) if isinstance(limits, dict) else None
    maxima = [
        rule["max"]
        for rule in rules or []
        if isinstance(rule, dict) and isinstance(rule.get("max"), (int, float)) and not isinstance(rule["max"], bool)
    ]
    return min(maxima, default=-1)
