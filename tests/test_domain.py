"""The rules mock and gate share (domain.py), on the edges real and hostile data reach."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rc_licenses_contract.domain import (
    disabled_modules,
    limit_reached,
    outside_period,
    parse_time,
    prevented,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-17T00:51:43.529361607Z", datetime(2024, 3, 17, 0, 51, 43, 529361, tzinfo=UTC)),
        ("2024-03-17t00:51:43z", datetime(2024, 3, 17, 0, 51, 43, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2016-12-31T23:59:60.5Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2024-03-17T00:51:43", None),  # no offset: not RFC 3339
        ("soon", None),
        ("", None),
        (17, None),
    ],
)
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_outside_period() -> None:
    assert outside_period({"validUntil": "2026-01-01T00:00:00Z"}, NOW) is True
    assert outside_period({"validFrom": "2027-01-01T00:00:00Z"}, NOW) is True
    assert outside_period({"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}, NOW) is False
    assert outside_period({"validUntil": "whenever"}, NOW) is None, "unreadable: no verdict"
    assert outside_period("not a period", NOW) is None


def test_limit_reached_is_upstreams_comparison() -> None:
    assert limit_reached({"max": 5, "behavior": "prevent_action"}, 5)
    assert not limit_reached({"max": 5, "behavior": "disable_modules"}, 5)
    assert limit_reached({"max": 5, "behavior": "disable_modules"}, 6)
    assert not limit_reached({"max": -1, "behavior": "prevent_action"}, 10**9), "-1 is unlimited"


def test_prevented_without_license_and_with_malformed_rules() -> None:
    assert prevented(None, "marketplaceApps", 5) is True and prevented(None, "marketplaceApps", 4) is False
    assert prevented(None, "activeUsers", 10**6) is False and prevented(None, "privateApps", None) is None
    garbage = {"limits": {"activeUsers": [None, {"max": "ten", "behavior": "prevent_action"}, {"max": True}]}}
    assert prevented(garbage, "activeUsers", 50) is False
    assert prevented({"limits": []}, "activeUsers", 50) is False


def test_disabled_modules_by_period_and_by_limit() -> None:
    license_ = {
        "validation": {
            "validPeriods": [
                {"validUntil": "2026-01-01T00:00:00Z", "invalidBehavior": "disable_modules", "modules": ["a.b"]},
                {"validUntil": "2099-01-01T00:00:00Z", "invalidBehavior": "disable_modules", "modules": ["c.d"]},
                {"validUntil": "2026-01-01T00:00:00Z", "invalidBehavior": "invalidate_license"},
            ]
        },
        "limits": {"guestUsers": [{"max": 10, "behavior": "disable_modules", "modules": ["e.f", 7]}]},
    }
    assert disabled_modules(license_, {"guestUsers": 10}, NOW) == {"a.b"}
    assert disabled_modules(license_, {"guestUsers": 11}, NOW) == {"a.b", "e.f"}
    assert disabled_modules({"validation": "x", "limits": None}, {}, NOW) == set()
