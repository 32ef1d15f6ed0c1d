"""`format: date-time` as RFC 3339 defines it, the same in both engines.

python-jsonschema delegates `date-time` to rfc3339-validator, which differs from jsonschema-rs (and from
RFC 3339) in two ways: its regular expression ends in `$`, so `"…Z\\n"` passes, and it rejects every
leap second. The reference engine uses this checker instead, so the two engines give the same verdict.

The leap-second rule is RFC 3339's (section 5.7) and the JSON Schema Test Suite's: second 60 is valid
only in the last minute of a UTC day, that is when the time minus its offset is 23:59
(`1998-12-31T23:59:60Z`, `1998-12-31T15:59:60-08:00`). Which days really had one is not checked.
"""

from __future__ import annotations

import re
from typing import Any

# fullmatch, never `$`: Python's `$` also matches before a trailing newline. ASCII digits only (re.ASCII
# is implied by the explicit classes; `\d` would take any Unicode digit).
_DATE_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|(?P<sign>[+-])(?P<offset_hour>[0-9]{2}):(?P<offset_minute>[0-9]{2}))"
)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LAST_MINUTE_OF_DAY = 23 * 60 + 59


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS[month - 1]


def is_rfc3339_date_time(value: object) -> bool:
    """True when `value` is an RFC 3339 date-time; non-strings pass (formats only constrain strings)."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return False
    offset = 0
    if match["sign"]:
        offset_hour, offset_minute = int(match["offset_hour"]), int(match["offset_minute"])
        if offset_hour > 23 or offset_minute > 59:
            return False
        offset = (offset_hour * 60 + offset_minute) * (1 if match["sign"] == "+" else -1)
    if hour > 23 or minute > 59 or second > 60:
        return False
    return second < 60 or (hour * 60 + minute - offset) % 1440 == _LAST_MINUTE_OF_DAY


def format_checker() -> Any:
    """python-jsonschema's 2020-12 format checker with `date-time` replaced by the one above."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers = {**Draft202012Validator.FORMAT_CHECKER.checkers, "date-time": (is_rfc3339_date_time, ())}
    return checker
