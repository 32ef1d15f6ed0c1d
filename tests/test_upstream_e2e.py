"""Rocket.Chat's own end-to-end assertions for licenses.info, held against our examples and spec."""

from __future__ import annotations

from rc_licenses_contract.loader import Contract
from rc_licenses_contract.validation import validate


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
