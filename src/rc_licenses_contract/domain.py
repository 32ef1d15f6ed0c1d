"""Facts about licenses.info that both the mock (which produces bodies) and the gate (which judges them) use.

Kept in one place so that the two cannot drift apart. The rules follow ee/packages/license/src/:
`validation/validateLicenseLimits.ts` (which rules count, when a limit is reached),
`validation/validateDefaultLimits.ts` (the rules without a valid license), `modules.ts` (external modules
come from the granted ones) and `license.ts` (modules switched off by `disable_modules`).

Every function tolerates malformed input: the gate reads what a server sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

LIMIT_KINDS = ("activeUsers", "guestUsers", "roomsPerGuest", "privateApps", "marketplaceApps", "monthlyActiveContacts")
# roomsPerGuest is a per-guest limit, never among the workspace-wide effective limits.
GLOBAL_KINDS = tuple(kind for kind in LIMIT_KINDS if kind != "roomsPerGuest")
UNLICENSED_MAX = {"privateApps": 3, "marketplaceApps": 5}  # every other kind: -1 (unlimited)
# Without a valid license the server checks these rules (validateDefaultLimits) and no others.
UNLICENSED_RULES: dict[str, list[dict[str, Any]]] = {
    kind: [{"max": maximum, "behavior": "prevent_action"}] for kind, maximum in UNLICENSED_MAX.items()
}
# The workspace-wide map of prevented actions asks the roomsPerGuest counter without a guest: it counts 0.
NO_GUEST_ROOMS = 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rules(license_: dict[str, Any] | None, kind: str) -> list[dict[str, Any]]:
    """The well-formed rules of a kind: the license's, or the defaults without a valid license."""
    if license_ is None:
        return UNLICENSED_RULES.get(kind, [])
    limits = license_.get("limits")
    listed = limits.get(kind) if isinstance(limits, dict) else None
    return (
        [rule for rule in listed if isinstance(rule, dict) and _number(rule.get("max"))]
        if isinstance(listed, list)
        else []
    )


def max_limit(license_: dict[str, Any] | None, kind: str) -> int | float:
    """The effective max of a kind: without a valid license the defaults, else the lowest max among the
    license's rules for it (-1 when it has none)."""
    if license_ is None:
        return UNLICENSED_MAX.get(kind, -1)
    return min((rule["max"] for rule in rules(license_, kind)), default=-1)


def limit_reached(rule: dict[str, Any], value: int | float) -> bool:
    """Upstream's test: a negative max is unlimited; prevent_action is reached when the current value
    reaches the max, every other behaviour when the value exceeds it."""
    maximum = rule["max"]
    if maximum < 0:
        return False
    return bool(value >= maximum if rule.get("behavior") == "prevent_action" else value > maximum)


def prevented(license_: dict[str, Any] | None, kind: str, value: int | float | None) -> bool | None:
    """Whether the server reports the action of `kind` as prevented: only a `prevent_action` rule with
    max >= 0 can prevent it, once the current value reaches that max. None when that depends on a
    value the caller does not know."""
    candidates = [rule for rule in rules(license_, kind) if rule.get("behavior") == "prevent_action"]
    candidates = [rule for rule in candidates if rule["max"] >= 0]
    if not candidates:
        return False
    if value is None:
        return None
    return any(limit_reached(rule, value) for rule in candidates)


def is_external(module: Any) -> bool:
    """External (marketplace app) module names contain a dot; no core module name does."""
    return isinstance(module, str) and "." in module


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 to an aware datetime; None when it is not one. Nanosecond fractions are cut to
    microseconds (datetime's resolution); a leap second (:60) counts as the last instant of :59."""
    if not isinstance(value, str):
        return None
    text = value.upper().replace("Z", "+00:00")
    if len(text) > 19 and text[17:19] == "60":
        text = f"{text[:17]}59.999999{text[19:].lstrip('.0123456789')}"
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def outside_period(period: Any, now: datetime) -> bool | None:
    """True when `now` is outside the period (upstream: before validFrom or after validUntil); None
    when its timestamps cannot be read."""
    if not isinstance(period, dict):
        return None
    start, end = period.get("validFrom"), period.get("validUntil")
    start_at, end_at = parse_time(start), parse_time(end)
    if (start is not None and start_at is None) or (end is not None and end_at is None):
        return None
    return (start_at is not None and now < start_at) or (end_at is not None and now > end_at)


def _modules_of(entry: dict[str, Any]) -> set[str]:
    modules = entry.get("modules")
    return {m for m in modules if isinstance(m, str)} if isinstance(modules, list) else set()


def disabled_by_periods(license_: dict[str, Any], now: datetime | None = None) -> set[str]:
    """Modules switched off by a `disable_modules` period that is not in force now."""
    now = now or datetime.now(UTC)
    validation = license_.get("validation")
    periods = validation.get("validPeriods") if isinstance(validation, dict) else None
    disabled: set[str] = set()
    for period in periods if isinstance(periods, list) else []:
        disabling = isinstance(period, dict) and period.get("invalidBehavior") == "disable_modules"
        if disabling and outside_period(period, now):
            disabled |= _modules_of(period)
    return disabled


def disabling_limit_rules(license_: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, rule) for every `disable_modules` limit rule: once reached, its modules are switched off."""
    return [
        (kind, rule)
        for kind in LIMIT_KINDS
        for rule in rules(license_, kind)
        if rule.get("behavior") == "disable_modules" and rule["max"] >= 0
    ]


def disabled_modules(license_: dict[str, Any], usage: dict[str, int], now: datetime | None = None) -> set[str]:
    """Every module the server switches off: by an elapsed `disable_modules` period or a reached
    `disable_modules` limit (current value over its max)."""
    disabled = disabled_by_periods(license_, now)
    for kind, rule in disabling_limit_rules(license_):
        if kind in usage and limit_reached(rule, usage[kind]):
            disabled |= _modules_of(rule)
    return disabled
