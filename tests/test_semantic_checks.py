"""The gate's semantic and profile-header checks on faithful mock bodies and on bodies that break one rule.

In-process: each check gets an Exchange built from a body; no server is needed to judge a body.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from rc_licenses_contract.gate.checks import (
    CHECKS,
    Exchange,
    Failure,
    GateContext,
    external_modules,
    prevented_actions,
)
from rc_licenses_contract.loader import Contract
from rc_licenses_contract.mock.model import PRIVILEGED, Scenario, User, license_info, load_scenarios

ADMIN = User("admin", "a", "a", frozenset({PRIVILEGED}))
ORDINARY = User("user", "u", "u")


def exchange(body: Any, caller: str = "privileged", load_values: bool = False) -> Exchange:
    return Exchange(
        label="test",
        caller=caller,
        method="GET",
        path="/api/v1/licenses.info",
        query="loadValues=true" if load_values else "",
        status=200,
        headers={"content-type": "application/json"},
        content=orjson.dumps(body),
        elapsed=0.01,
    )


@pytest.fixture(scope="module")
def scenarios(contract: Contract) -> dict[str, Scenario]:
    return load_scenarios(contract)


@pytest.fixture(scope="module")
def ctx(contract: Contract) -> GateContext:
    return GateContext(contract, "default", strict=False, max_response_time=5.0)


def run(
    check: Any, body: Any, ctx: GateContext, caller: str = "privileged", load_values: bool = False
) -> list[Failure]:
    found: Iterator[Failure] = check(exchange(body, caller, load_values), ctx)
    return list(found)


def body_of(scenario: Scenario, user: User = ADMIN, load_values: bool = True, version: str = "8") -> dict[str, Any]:
    return license_info(scenario, version, user, load_values)


def test_every_semantic_check_passes_every_faithful_body(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    semantic = [c for c in CHECKS.values() if c.id.startswith("semantic.")]
    assert {"semantic.external-modules", "semantic.prevented-actions"} <= {c.id for c in semantic}
    judged = 0
    for scenario, version, user, load_values in itertools.product(scenarios.values(), "678", (ADMIN, ORDINARY), (0, 1)):
        body = body_of(scenario, user, bool(load_values), version)
        caller = "privileged" if user is ADMIN else "unprivileged"
        for registered in semantic:
            assert not run(registered.function, body, ctx, caller, bool(load_values)), (scenario.name, version, caller)
            judged += 1
    assert judged == len(scenarios) * 3 * 2 * 2 * len(semantic)


# --- semantic.external-modules ----------------------------------------------------------------------


def test_external_modules_accepts_modules_the_license_switched_off(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    body = body_of(scenarios["modules-disabled"])
    info = body["license"]
    off = {"chat.rocket.whatsapp-premium", "chat.rocket.sms-gateway"}
    assert off <= {e["module"] for e in info["externalModules"]} and not off & set(info["activeModules"])
    assert not run(external_modules, body, ctx, load_values=True)
    without_values = body_of(scenarios["modules-disabled"], load_values=False)
    assert not run(external_modules, without_values, ctx), "an unknown value may have reached the limit"


def test_external_modules_catches_a_module_missing_for_no_reason(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    body = body_of(scenarios["enterprise"])
    body["license"]["activeModules"].remove("chat.rocket.whatsapp-premium")
    failures = run(external_modules, body, ctx, load_values=True)
    assert [(f.pointer, f.value) for f in failures] == [
        ("/license/externalModules/0/module", '"chat.rocket.whatsapp-premium"')
    ]
    assert "neither by an elapsed disable_modules period nor by a reached disable_modules limit" in failures[0].message


def test_external_modules_catches_a_limit_that_is_not_reached(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    body = body_of(scenarios["modules-disabled"])
    body["license"]["limits"]["monthlyActiveContacts"]["value"] = 1000  # the rule disables above 1000
    failures = run(external_modules, body, ctx, load_values=True)
    assert [f.value for f in failures] == ['"chat.rocket.sms-gateway"']


def test_external_modules_catches_a_period_still_in_force(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    body = body_of(scenarios["modules-disabled"])
    period = body["license"]["license"]["validation"]["validPeriods"][-1]
    period["validUntil"] = "2999-01-01T00:00:00Z"
    failures = run(external_modules, body, ctx, load_values=True)
    assert [f.value for f in failures] == ['"chat.rocket.whatsapp-premium"']


def test_external_modules_does_not_judge_without_the_nested_license(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    body = body_of(scenarios["enterprise"], ORDINARY, load_values=False)
    body["license"]["activeModules"] = []
    assert not run(external_modules, body, ctx, caller="unprivileged")


def test_external_modules_survives_unreadable_timestamps(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    body = body_of(scenarios["modules-disabled"])
    for period in body["license"]["license"]["validation"]["validPeriods"]:
        period["validUntil"] = "soon"
    failures = run(external_modules, body, ctx, load_values=True)
    assert [f.value for f in failures] == ['"chat.rocket.whatsapp-premium"'], "an unreadable period excuses nothing"


# --- semantic.prevented-actions ----------------------------------------------------------------------


def test_prevented_actions_catches_the_default_rule_ignored(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    body = body_of(scenarios["expired"])
    assert body["license"]["limits"]["marketplaceApps"] == {"max": 5, "value": 6}
    body["license"]["preventedActions"]["marketplaceApps"] = False
    failures = run(prevented_actions, body, ctx, load_values=True)
    assert [f.pointer for f in failures] == ["/license/preventedActions/marketplaceApps"]
    assert "current value 6 reaches the no-license default prevent_action max 5" in failures[0].message


def test_prevented_actions_catches_prevent_installation_counted(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    body = body_of(scenarios["offline-reseller"])
    assert body["license"]["limits"]["marketplaceApps"] == {"max": 5, "value": 5}
    body["license"]["preventedActions"]["marketplaceApps"] = True  # its only rule is prevent_installation
    failures = run(prevented_actions, body, ctx, load_values=True)
    assert [f.pointer for f in failures] == ["/license/preventedActions/marketplaceApps"]
    assert "no prevent_action limit" in failures[0].message
    without_values = body_of(scenarios["offline-reseller"], load_values=False)
    without_values["license"]["preventedActions"]["marketplaceApps"] = True
    assert len(run(prevented_actions, without_values, ctx)) == 1, "no value needed: no rule could prevent it"


def test_prevented_actions_catches_a_reached_limit_not_reported(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    body = body_of(scenarios["limit-reached"])
    body["license"]["preventedActions"]["activeUsers"] = False
    assert [f.pointer for f in run(prevented_actions, body, ctx, load_values=True)] == [
        "/license/preventedActions/activeUsers"
    ]
    unknown = body_of(scenarios["limit-reached"], load_values=False)
    unknown["license"]["preventedActions"]["activeUsers"] = False
    assert not run(prevented_actions, unknown, ctx), "without the value the verdict is not knowable"


def test_prevented_actions_for_ordinary_users_only_where_the_rules_are_known(
    scenarios: dict[str, Scenario], ctx: GateContext
) -> None:
    eight = body_of(scenarios["community"], ORDINARY, load_values=False)
    assert eight["license"]["hasValidLicense"] is False
    eight["license"]["preventedActions"]["guestUsers"] = True
    assert [f.pointer for f in run(prevented_actions, eight, ctx, caller="unprivileged")] == [
        "/license/preventedActions/guestUsers"
    ]
    six = copy.deepcopy(eight)
    del six["license"]["hasValidLicense"]
    assert not run(prevented_actions, six, ctx, caller="unprivileged"), "6.x: the caller cannot see the rules"
    licensed = body_of(scenarios["enterprise"], ORDINARY, load_values=False)
    licensed["license"]["preventedActions"]["guestUsers"] = True
    assert not run(prevented_actions, licensed, ctx, caller="unprivileged"), "a license it cannot see"


def test_rooms_per_guest_is_counted_without_a_guest(scenarios: dict[str, Scenario], ctx: GateContext) -> None:
    body = body_of(scenarios["enterprise-trial"])
    rules = body["license"]["license"]["limits"]["roomsPerGuest"]
    assert {"max": 1, "behavior": "prevent_action"} in rules and body["license"]["preventedActions"][
        "roomsPerGuest"
    ] is False
    body["license"]["preventedActions"]["roomsPerGuest"] = True
    assert len(run(prevented_actions, body, ctx, load_values=True)) == 1
    zero = body_of(scenarios["enterprise-trial"])
    for rule in zero["license"]["license"]["limits"]["roomsPerGuest"]:
        rule["max"] = 0
    assert len(run(prevented_actions, zero, ctx, load_values=True)) == 1, "max 0 is reached by a count of 0"


# --- profile 8's cache headers: on the router's answers, not on the authentication step's 401 -------------


def test_profile_8_wants_cache_headers_on_200_400_429_but_not_401(contract: Contract) -> None:
    from rc_licenses_contract.gate.checks import headers_check

    ctx8 = GateContext(contract, "8", strict=False, max_response_time=5.0)
    cache = {"cache-control": "no-store", "pragma": "no-cache"}
    limits = {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1790000000000"}
    for status, extra in ((200, {}), (400, {}), (429, limits)):
        answer = exchange({"success": False, "error": "x"})
        answer.status = status
        answer.headers = {"content-type": "application/json", **extra}
        assert {f.message.split(" ")[0] for f in headers_check(answer, ctx8)} == {"Cache-Control", "Pragma"}, status
        answer.headers |= cache
        assert not list(headers_check(answer, ctx8)), status
    unauthorized = exchange({"status": "error", "message": "You must be logged in to do this."})
    unauthorized.status = 401
    assert not list(headers_check(unauthorized, ctx8)), "the 401 comes before the router adds them"


# --- malformed bodies: the schema reports them, no check may crash on them ------------------------------

MALFORMED: list[tuple[tuple[str | int, ...], Any]] = [
    (("license", "grantedModules"), 5),
    (("license", "grantedModules"), [{"module": [1]}]),
    (("license", "limits", "activeUsers"), 5),
    (("activeModules",), 5),
    (("activeModules",), [{"max": 1}]),
    (("limits",), 5),
    (("limits",), [1]),
    (("externalModules",), [{"module": [1], "external": True}]),
]


@pytest.mark.parametrize(("where", "value"), MALFORMED, ids=[f"{'.'.join(map(str, w))}={v!r}" for w, v in MALFORMED])
def test_a_malformed_body_is_judged_never_crashes_a_check(
    scenarios: dict[str, Scenario], contract: Contract, where: tuple[str | int, ...], value: Any
) -> None:
    """A hostile server's shapes (a number for a list, a list for a name) end in findings, never exit 70."""
    from rc_licenses_contract.gate.checks import run_checks

    ctx = GateContext(
        contract, "default", strict=False, max_response_time=5.0, documented=frozenset(contract.responses)
    )

    body = copy.deepcopy(body_of(next(s for s in scenarios.values() if s.name == "enterprise")))
    target = body["license"]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    for caller, load_values in itertools.product(("privileged", "unprivileged"), (False, True)):
        failures = list(run_checks(exchange(body, caller, load_values), ctx, {}))
        assert any(f.check == "schema" for f in failures), (where, caller)
