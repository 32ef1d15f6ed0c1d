"""Rocket.Chat's own end-to-end assertions for licenses.info, held against our examples, spec and mock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from rc_licenses_contract.loader import Contract
from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.model import load_scenarios
from rc_licenses_contract.mock.runner import running_mock
from rc_licenses_contract.validation import validate

from .conftest import REPO
from .mockutil import get


def _op(contract: Contract) -> dict:  # type: ignore[type-arg]
    return contract.openapi["paths"][contract.path][contract.method]  # type: ignore[no-any-return]


def test_no_credentials_gives_401_json_with_status_error_and_message(contract: Contract) -> None:
    response = _op(contract)["responses"]["401"]
    assert list(response["content"]) == ["application/json"]
    for name in ("unauthorized-6x", "unauthorized-8x"):
        body = contract.examples[name].value
        assert contract.examples[name].status == "401"
        assert body["status"] == "error"
        assert isinstance(body["message"], str) and body["message"]
        assert validate(body, "401").valid


def test_ordinary_user_gets_200_without_nested_license(contract: Contract) -> None:
    body = contract.examples["unprivileged-8x"].value
    assert body["success"] is True
    assert isinstance(body["license"], dict)
    assert "license" not in body["license"]
    assert isinstance(body["license"]["tags"], list)
    assert validate(body, "200", profile="8").valid


def test_admin_gets_200_with_nested_license_object(contract: Contract) -> None:
    for name in ("seed-trial-6x", "enterprise-8x", "load-values-6x"):
        body = contract.examples[name].value
        assert body["success"] is True
        assert isinstance(body["license"]["license"], dict)
        assert validate(body).valid


def test_the_contract_rejects_what_upstream_asserts_against(contract: Contract) -> None:
    # An ordinary-user body is only a valid 200 with success true and tags an array.
    body = dict(contract.examples["unprivileged-8x"].value)
    assert not validate({**body, "success": False}).valid
    assert not validate({**body, "license": {**body["license"], "tags": {}}}).valid
    assert not validate({"status": "error"}, "401").valid


def test_auth_is_two_api_keys_in_one_requirement_not_header_parameters(contract: Contract) -> None:
    schemes = contract.openapi["components"]["securitySchemes"]
    names = {scheme["name"] for scheme in schemes.values()}
    assert names == {"X-Auth-Token", "X-User-Id"}
    assert all(s["type"] == "apiKey" and s["in"] == "header" for s in schemes.values())
    requirement = _op(contract)["security"]
    assert len(requirement) == 1 and set(requirement[0]) == set(schemes)
    params = _op(contract).get("parameters", [])
    resolved = [contract.openapi["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] for p in params]
    assert [p["name"] for p in resolved] == ["loadValues"]
    assert resolved[0]["schema"]["type"] == "boolean" and not resolved[0]["required"]


def test_responses_are_exactly_200_400_401_429(contract: Contract) -> None:
    responses = _op(contract)["responses"]
    assert set(responses) == {"200", "400", "401", "429"}, "no 403: the route needs no permission"
    reset = contract.openapi["components"]["headers"]["X-RateLimit-Reset-Required"]
    assert "milliseconds" in reset["description"]
    assert set(responses["429"]["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert "Retry-After" not in str(responses)


def test_every_required_example_is_present(contract: Contract) -> None:
    statuses = {name: ex.status for name, ex in contract.examples.items()}
    assert statuses["seed-trial-6x"] == "200"
    assert {"privileged-no-license-8x", "unprivileged-8x", "load-values-6x", "enterprise-8x"} <= set(statuses)
    assert {s for s in statuses.values()} == {"200", "400", "401", "429"}


# --- upstream's end-to-end assertions (apps/meteor/tests/end-to-end/api/licenses.ts), run against the mock ---


@pytest.fixture(scope="module")
def mock_base() -> Iterator[str]:
    with running_mock(MockConfig(rate_limit=None, root=REPO)) as base:
        yield base


def _every_scenario_and_version(contract: Contract) -> Iterator[tuple[str, bool, str]]:
    scenarios = load_scenarios(contract)
    for (name, scenario), version in itertools.product(scenarios.items(), "678"):
        yield name, scenario.has_valid_license, version


def test_upstream_e2e_holds_on_the_mock_in_every_scenario_and_version(mock_base: str, contract: Contract) -> None:
    held = 0
    for scenario, licensed, version in _every_scenario_and_version(contract):
        prefer = f"scenario={scenario}, version={version}"
        where = (scenario, version)

        # "should fail if not logged in": 401, Content-Type exactly application/json, status 'error', a message
        anonymous = get(mock_base, None, prefer=prefer)
        assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/json", where
        assert anonymous.json()["status"] == "error" and "message" in anonymous.json(), where

        # "should return limited information if user is unauthorized": 200, success, an object without
        # a nested license, tags an array
        ordinary = get(mock_base, "user", prefer=prefer)
        assert ordinary.status_code == 200 and ordinary.headers["content-type"] == "application/json", where
        body = ordinary.json()
        assert body["success"] is True and isinstance(body["license"], dict), where
        assert "license" not in body["license"] and isinstance(body["license"]["tags"], list), where

        # "should return unrestricted info if user is logged in and is authorized": 200, success, an
        # object, tags an array; on enterprise builds (here: a valid license) license.license an object
        for query in ("", "loadValues=true", "loadValues=false"):  # getLicenseInfo(loadValues) in other suites
            admin = get(mock_base, "admin", query, prefer)
            assert admin.status_code == 200, (*where, query)
            body = admin.json()
            assert body["success"] is True and isinstance(body["license"], dict), (*where, query)
            assert isinstance(body["license"]["tags"], list), (*where, query)
            if licensed:
                assert isinstance(body["license"]["license"], dict), (*where, query)
            else:
                assert "license" not in body["license"], "no valid license: the enterprise-only check cannot hold"
        held += 1
    assert held == len(load_scenarios(contract)) * 3
