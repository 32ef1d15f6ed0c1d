"""Semantic checks: what the license rules say a body must hold, beyond what a schema can express."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...domain import (
    GLOBAL_KINDS,
    LIMIT_KINDS,
    NO_GUEST_ROOMS,
    disabled_by_periods,
    disabling_limit_rules,
    limit_reached,
    max_limit,
    prevented,
    rules,
)
from .registry import (
    PRIVILEGED,
    UNPRIVILEGED,
    Applies,
    Exchange,
    Failure,
    GateContext,
    _license_info,
    _snippet,
    check,
    show,
)


@check(
    "semantic.caller-shape",
    "Privileged callers get the five limits; others no nested license and {} limits",
    Applies(statuses=frozenset({200}), callers=frozenset({PRIVILEGED, UNPRIVILEGED}), needs=("limits",)),
)
def caller_shape(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    if info is None or not isinstance(info.get("limits"), dict):
        return
    limits = info["limits"]
    if exchange.caller == "privileged" and sorted(limits) != sorted(GLOBAL_KINDS):
        yield Failure(
            "semantic.caller-shape",
            f"a privileged caller got limits for {sorted(limits)}, expected the five workspace-wide kinds",
            exchange,
            pointer="/license/limits",
        )
    if exchange.caller == "unprivileged":
        if "license" in info:
            yield Failure(
                "semantic.caller-shape",
                "an ordinary user got the nested license",
                exchange,
                pointer="/license/license",
                value=_snippet(info["license"], 80),
            )
        if limits:
            yield Failure(
                "semantic.caller-shape",
                "an ordinary user got non-empty limits",
                exchange,
                pointer="/license/limits",
                value=_snippet(limits),
            )


@check(
    "semantic.load-values",
    "Current values on all five limits with loadValues=true, on none otherwise",
    Applies(statuses=frozenset({200}), needs=("non-empty limits",)),
)
def load_values(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    limits = info.get("limits") if info else None
    if not isinstance(limits, dict) or not limits:
        return
    asked = exchange.flag_set(ctx.contract.boolean_parameters())
    with_value = sorted(kind for kind, entry in limits.items() if isinstance(entry, dict) and "value" in entry)
    if with_value and len(with_value) != len(limits):
        missing = sorted(set(limits) - set(with_value))
        yield Failure(
            "semantic.load-values", f"value on {with_value} but not on {missing}", exchange, pointer="/license/limits"
        )
    elif exchange.caller == "privileged" and asked and not with_value:
        yield Failure(
            "semantic.load-values",
            "loadValues=true from a privileged caller, but no current values",
            exchange,
            pointer="/license/limits",
        )
    elif not asked and with_value:
        yield Failure(
            "semantic.load-values", "current values without loadValues=true", exchange, pointer="/license/limits"
        )


@check(
    "semantic.external-modules",
    "Every external module is active unless the visible license switched it off",
    Applies(statuses=frozenset({200}), needs=("external modules", "nested license")),
)
def external_modules(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """externalModules lists the license's granted external modules, activeModules the ones in force
    (ee/packages/license: modules.ts, license.ts). A module may be missing from activeModules only when
    the nested license switches it off: a `disable_modules` period not in force now, or a `disable_modules`
    limit rule whose current value is over its max (or unknown, without loadValues). Without the nested
    license those reasons cannot be seen, so nothing is judged."""
    info = _license_info(exchange)
    nested = info.get("license") if info else None
    if info is None or not isinstance(info.get("externalModules"), list) or not isinstance(nested, dict):
        return
    active = info.get("activeModules")
    active_names = {name for name in active if isinstance(name, str)} if isinstance(active, list) else set()
    switched_off = disabled_by_periods(nested)
    limits = _limits_of(info)
    for index, entry in enumerate(info["externalModules"]):
        name = entry.get("module") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue  # the schema reports a module that is not a name
        if name in active_names or name in switched_off or _limit_may_disable(nested, limits, name):
            continue
        yield Failure(
            "semantic.external-modules",
            f"external module {show(name)} is not in activeModules, and the license switches it off neither by "
            "an elapsed disable_modules period nor by a reached disable_modules limit",
            exchange,
            pointer=f"/license/externalModules/{index}/module",
            value=_snippet(name),
        )


def _list(value: Any) -> list[Any]:
    """A list the server sent, or [] when it sent something else (the schema check reports that)."""
    return value if isinstance(value, list) else []


def _limits_of(info: dict[str, Any]) -> dict[str, Any]:
    limits = info.get("limits")
    return limits if isinstance(limits, dict) else {}


def _limit_may_disable(license_: dict[str, Any], limits: dict[str, Any], module: Any) -> bool:
    for kind, rule in disabling_limit_rules(license_):
        modules = rule.get("modules")
        if not isinstance(modules, list) or module not in modules:
            continue
        entry = limits.get(kind)
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or limit_reached(rule, value):
            return True
    return False


@check(
    "semantic.prevented-actions",
    "preventedActions follow the visible limit rules and current values",
    Applies(statuses=frozenset({200}), needs=("license rules in view",)),
)
def prevented_actions(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """Upstream (validateLicenseLimits, validateDefaultLimits): only a `prevent_action` rule with max >= 0
    prevents an action, once the current value reaches its max; without a valid license the rules are
    privateApps 3 and marketplaceApps 5. Judged where the caller sees the rules: the nested license, or
    its absence (a privileged caller without one, or hasValidLicense false). A kind whose verdict depends
    on a value the body does not carry (no loadValues) is judged only when no rule could prevent it.
    roomsPerGuest is counted without a guest, so its value is 0."""
    info = _license_info(exchange)
    reported = info.get("preventedActions") if info else None
    if info is None or not isinstance(reported, dict):
        return
    nested = info.get("license")
    license_: dict[str, Any] | None
    if isinstance(nested, dict):
        license_ = nested
    elif info.get("hasValidLicense") is False or (
        exchange.caller == "privileged" and info.get("hasValidLicense") is not True
    ):
        license_ = None
    else:
        return
    limits = _limits_of(info)
    for kind in LIMIT_KINDS:
        said = reported.get(kind)
        if not isinstance(said, bool):
            continue  # the schema reports it
        entry = limits.get(kind)
        value = NO_GUEST_ROOMS if kind == "roomsPerGuest" else (entry.get("value") if isinstance(entry, dict) else None)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            value = None
        expected = prevented(license_, kind, value)
        if expected is None or expected == said:
            continue
        yield Failure(
            "semantic.prevented-actions",
            f"{kind} is reported {'prevented' if said else 'not prevented'}, but "
            + _prevention_reason(license_, kind, value),
            exchange,
            pointer=f"/license/preventedActions/{kind}",
            value=_snippet(said),
        )


def _prevention_reason(license_: dict[str, Any] | None, kind: str, value: int | float | None) -> str:
    source = "the license's" if license_ is not None else "the no-license default"
    maxima = sorted(r["max"] for r in rules(license_, kind) if r.get("behavior") == "prevent_action" and r["max"] >= 0)
    if not maxima:
        return f"{source} rules have no prevent_action limit for it"
    verb = "reaches" if value is not None and value >= maxima[0] else "is below"
    return f"its current value {value} {verb} {source} prevent_action max {maxima[0]}"


def _wrong_maxima(
    check_id: str, exchange: Exchange, info: dict[str, Any], license_: dict[str, Any] | None, why: str
) -> Iterator[Failure]:
    """Each effective limit's max must be what the server derives from the license (or its absence)."""
    for kind, entry in _limits_of(info).items():
        expected = max_limit(license_, kind)
        if isinstance(entry, dict) and entry.get("max") != expected:
            yield Failure(
                check_id,
                f"{kind} max is {show(entry.get('max'))}{why} {show(expected)}",
                exchange,
                pointer=f"/license/limits/{kind}/max",
            )


@check(
    "semantic.license-consistency",
    "tags, trial, modules and maxima agree with the nested license",
    Applies(statuses=frozenset({200}), needs=("nested license",)),
)
def license_consistency(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    nested = info.get("license") if info else None
    if info is None or not isinstance(nested, dict) or not isinstance(nested.get("information"), dict):
        return
    information = nested["information"]
    name = "semantic.license-consistency"
    if "trial" in information and info.get("trial") != information["trial"]:
        yield Failure(
            name,
            f"trial is {show(info.get('trial'))} but the license says {show(information['trial'])}",
            exchange,
            pointer="/license/trial",
        )
    if info.get("tags") != information.get("tags", []):
        yield Failure(
            name,
            "tags differ from the license's information.tags",
            exchange,
            pointer="/license/tags",
            value=_snippet(info.get("tags")),
        )
    granted = {
        m["module"]
        for m in _list(nested.get("grantedModules"))
        if isinstance(m, dict) and isinstance(m.get("module"), str)
    }
    for index, module in enumerate(_list(info.get("activeModules"))):
        if isinstance(module, str) and module not in granted:
            yield Failure(
                name,
                f"active module {show(module)} is not granted by the license",
                exchange,
                pointer=f"/license/activeModules/{index}",
            )
    yield from _wrong_maxima(name, exchange, info, nested, ", the license's rules give")
    if info.get("hasValidLicense") is False:
        yield Failure(
            name, "a nested license is sent but hasValidLicense is false", exchange, pointer="/license/hasValidLicense"
        )


@check(
    "semantic.no-license-defaults",
    "Without a valid license: defaults (privateApps 3, marketplaceApps 5, -1)",
    Applies(statuses=frozenset({200}), callers=frozenset({PRIVILEGED}), needs=("no nested license",)),
)
def no_license_defaults(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    if info is None or exchange.caller != "privileged" or "license" in info:
        return
    name = "semantic.no-license-defaults"
    if info.get("hasValidLicense") is True:
        yield Failure(
            name,
            "hasValidLicense is true but a privileged caller got no nested license",
            exchange,
            pointer="/license/hasValidLicense",
        )
    yield from _wrong_maxima(name, exchange, info, None, "; without a license it is")
    if info.get("tags") not in ([], None) or info.get("trial") is True:
        yield Failure(name, "tags or trial set without a license", exchange, pointer="/license")
