"""The real PyPI client, rocketchat_API, against the mock over 127.0.0.1: every answer it gets validates.

`licenses_info(**kwargs)` builds the query by hand: `key=str(value)`, and `key[]=item` for each item of a
list. So `loadValues="true"` is the documented spelling, `loadValues=True` arrives as `True` (a 400:
"must be boolean"), and `loadValues=["true"]` is the bracket form that 8.6 and later accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import (  # type: ignore[import-untyped]
    RocketApiException,
    RocketBadStatusCodeException,
)
from rocketchat_API.rocketchat import RocketChat  # type: ignore[import-untyped]

from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import running_mock
from rc_licenses_contract.validation import validate

from .conftest import REPO
from .mockutil import USERS

VERSIONS = ("6", "7", "8")


@pytest.fixture(scope="module")
def mocks() -> Iterator[dict[str, str]]:
    with (
        running_mock(MockConfig(server_version="6", scenario="enterprise", rate_limit=None, root=REPO)) as six,
        running_mock(MockConfig(server_version="7", scenario="enterprise", rate_limit=None, root=REPO)) as seven,
        running_mock(MockConfig(server_version="8", scenario="enterprise", rate_limit=None, root=REPO)) as eight,
    ):
        yield {"6": six, "7": seven, "8": eight}


def client(base: str, caller: str | None) -> Any:
    if caller is None:
        return RocketChat(server_url=base, timeout=10)
    user_id, token = USERS[caller]
    return RocketChat(auth_token=token, user_id=user_id, server_url=base, timeout=10)


def profile(version: str) -> str:
    return "8" if version == "8" else "default"


def assert_valid(body: Any, status: str, version: str) -> None:
    result = validate(body, status, profile(version), strict=True)
    assert result.valid, (status, version, [f.to_dict() for f in result.errors])


@pytest.mark.parametrize("version", VERSIONS)
def test_admin_and_ordinary_user_get_valid_bodies(mocks: dict[str, str], version: str) -> None:
    admin = client(mocks[version], "admin").licenses_info()
    assert_valid(admin, "200", version)
    assert isinstance(admin["license"]["license"], dict) and admin["license"]["limits"]
    ordinary = client(mocks[version], "user").licenses_info()
    assert_valid(ordinary, "200", version)
    assert "license" not in ordinary["license"] and ordinary["license"]["limits"] == {}


@pytest.mark.parametrize("version", VERSIONS)
def test_load_values_as_the_client_spells_it(mocks: dict[str, str], version: str) -> None:
    admin = client(mocks[version], "admin")
    with_values = admin.licenses_info(loadValues="true")
    assert_valid(with_values, "200", version)
    assert all("value" in entry for entry in with_values["license"]["limits"].values())

    with pytest.raises(RocketApiException) as python_bool:  # sent as loadValues=True
        admin.licenses_info(loadValues=True)
    assert python_bool.value.status_code == 400
    assert_valid(python_bool.value.response_json, "400", version)
    assert python_bool.value.error.startswith("must be boolean")

    if version == "8":  # sent as loadValues[]=true: an array of one, coerced
        bracket = admin.licenses_info(loadValues=["true"])
        assert_valid(bracket, "200", version)
        assert all("value" in entry for entry in bracket["license"]["limits"].values())
    else:
        with pytest.raises(RocketApiException) as refused:
            admin.licenses_info(loadValues=["true"])
        assert refused.value.status_code == 400 and refused.value.error_type == "invalid-params"
        assert_valid(refused.value.response_json, "400", version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("credentials", [None, ("rc-demo-admin", "wrong"), ("nobody", "demo-admin-token")])
def test_wrong_or_missing_credentials_get_a_valid_401(
    mocks: dict[str, str], version: str, credentials: tuple[str, str] | None
) -> None:
    if credentials is None:
        rocket = client(mocks[version], None)
    else:
        user_id, token = credentials
        rocket = RocketChat(auth_token=token, user_id=user_id, server_url=mocks[version], timeout=10)
    # 7.x and 8.x say success: false, which the client turns into RocketApiException; 6.x does not.
    expected = RocketBadStatusCodeException if version == "6" else RocketApiException
    with pytest.raises(expected) as rejected:
        rocket.licenses_info()
    assert rejected.value.status_code == 401
    assert_valid(rejected.value.response_json, "401", version)
