"""The fast engine (jsonschema-rs) and the reference (python-jsonschema) agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rc_licenses_contract.cases import case_payload, load_cases
from rc_licenses_contract.loader import Contract, load_contract
from rc_licenses_contract.validation import validate

from .conftest import REPO
from .strategies import payloads

CONTRACT = load_contract(REPO)


def _verdict(payload: Any, response: str, profile: str, strict: bool, engine: str) -> tuple[bool, list[str], list[str]]:
    result = validate(payload, response, profile, strict, engine=engine, contract=CONTRACT)
    return result.valid, sorted({f.pointer for f in result.errors}), sorted({f.pointer for f in result.warnings})


def test_engines_agree_on_every_case(contract: Contract) -> None:
    checked = 0
    for case in load_cases(contract):
        payload = case_payload(contract, case)
        rs = _verdict(payload, case.response, case.profile, case.strict, "rs")
        py = _verdict(payload, case.response, case.profile, case.strict, "jsonschema")
        assert rs == py, case.location
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize("response", ["200", "401", "400", "429"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_engines_agree_on_generated_payloads(response: str, data: st.DataObject) -> None:
    schema_uri = CONTRACT.schema_for(response)
    noise = data.draw(st.sampled_from([0.0, 0.05, 0.3]))
    payload = data.draw(payloads(CONTRACT, schema_uri, noise))
    profile = data.draw(st.sampled_from(["default", "8"]))
    strict = data.draw(st.booleans())
    assert _verdict(payload, response, profile, strict, "rs") == _verdict(
        payload, response, profile, strict, "jsonschema"
    )


def test_generated_payloads_cover_both_verdicts() -> None:
    """The generator is not trivially all-valid or all-invalid (else the agreement test proves little)."""
    seen = set()

    @settings(max_examples=15, deadline=None, derandomize=True)  # both verdicts show up within 5
    @given(st.sampled_from([0.0, 0.3]).flatmap(lambda noise: payloads(CONTRACT, CONTRACT.schema_for("200"), noise)))
    def collect(payload: Any) -> None:
        seen.add(validate(payload, contract=CONTRACT).valid)

    collect()
    assert seen == {True, False}


# --- exotic strings: where Python's re, Rust's regex and the two date-time checkers used to differ ---------

EXOTIC = [
    "",
    "\n",
    "a.b\n",
    "auditing\n",
    "auditing\r\n",
    "\x00a.b",
    "a.\x1cb",
    "\x1c",
    "\x85",
    "a.b\x85",
    "\ufeff",
    "\ufeffauditing",
    "a.b\ufeff",
    "\u2028.",
    "a\u00a0.b",
    "x y.z",
    "a..b",
    ".",
    "\u0663.\u0664",
]
TIMESTAMPS = [
    "2016-12-31T23:59:60Z",
    "2016-12-31T23:59:60.5z",
    "1998-12-31T15:59:60.123-08:00",
    "2017-01-01T00:00:60+00:01",
    "2016-12-31T23:58:60Z",
    "2016-12-31T22:59:60Z",
    "2016-12-31T23:59:61Z",
    "2016-12-31T23:59:60+23:59",
    "2024-03-17T00:51:43.529361607Z",
    "2024-03-17T00:51:43.529361607Z\n",
    "2024-03-17T00:51:43Z\r\n",
    "2024-03-17T00:51:43Z\x85",
    "\ufeff2024-03-17T00:51:43Z",
    "2024-03-17T00:51:43\x00Z",
    "2024-03-17T00:51:4\u0663Z",
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "0000-02-29T00:00:00Z",
    "2024-03-17T00:51:43-00:00",
    "2024-03-17T00:51:43+24:00",
    "2024-03-17 00:51:43Z",
]


def _seed_with(pointer: str, value: Any) -> Any:
    from rc_licenses_contract.cases import apply_patch

    op = "add" if pointer.endswith("/-") else "replace"
    return apply_patch(CONTRACT.examples["enterprise-8x"].value, [{"op": op, "path": pointer, "value": value}])


@pytest.mark.parametrize(
    "pointer",
    [
        "/license/activeModules/-",
        "/license/externalModules/0/module",
        "/license/license/grantedModules/-",
        "/license/tags/0/color",
        "/license/license/information/grantedBy/method",
        "/license/license/information/createdAt",
        "/license/license/validation/validPeriods/0/validUntil",
    ],
)
def test_engines_agree_on_exotic_strings(pointer: str) -> None:
    values: list[Any] = [*EXOTIC, *TIMESTAMPS]
    if pointer.endswith("grantedModules/-"):
        values = [{"module": value, "external": "." in value} for value in values]
    for value in values:
        payload = _seed_with(pointer, value)
        for profile, strict in (("default", False), ("8", True)):
            rs = _verdict(payload, "200", profile, strict, "rs")
            assert rs == _verdict(payload, "200", profile, strict, "jsonschema"), (pointer, value)


def test_exotic_strings_get_the_decided_verdicts() -> None:
    """The rules the engines agree on: a dot makes an external name; RFC 3339 decides date-time."""

    def valid(pointer: str, value: Any) -> bool:
        verdicts = {
            validate(_seed_with(pointer, value), engine=e, contract=CONTRACT).valid for e in ("rs", "jsonschema")
        }
        assert len(verdicts) == 1, (pointer, value)
        return verdicts.pop()

    module = "/license/activeModules/-"
    assert all(valid(module, name) for name in ("a..b", "x y.z", ".", "a.b\n", "\u2028.", "a.b\x85"))
    assert not any(valid(module, name) for name in ("auditing\n", "\x85", "\ufeffauditing", ""))
    created = "/license/license/information/createdAt"
    leap = ["2016-12-31T23:59:60Z", "1998-12-31T15:59:60.123-08:00", "2017-01-01T00:00:60+00:01"]
    assert all(valid(created, stamp) for stamp in leap)
    not_leap = ["2016-12-31T23:58:60Z", "2016-12-31T23:59:61Z", "2016-12-31T23:59:60+23:59"]
    assert not any(valid(created, stamp) for stamp in not_leap)
    endings = ["2024-03-17T00:51:43Z\n", "2024-03-17T00:51:43Z\x85", "\ufeff2024-03-17T00:51:43Z"]
    assert not any(valid(created, stamp) for stamp in endings)


_DIGITS = st.text("0123456789", min_size=1, max_size=3)
_NEAR_TIMESTAMP = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}{}".format,
    st.sampled_from(["2016", "2024", "2023", "0000", "1900", "2000", "99999", "\uff12024"]),
    st.sampled_from(["01", "02", "06", "12", "13", "00", "1"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
    st.sampled_from(["T", "t", " ", "_"]),
    st.sampled_from(["00", "15", "22", "23", "24", "0"]),
    st.sampled_from(["00", "58", "59", "60"]),
    st.sampled_from(["00", "59", "60", "61", "6"]),
    st.sampled_from(["", ".", ".5", ".123456789123", ".\u0663"]),
    st.sampled_from(["Z", "z", "+00:00", "-00:00", "+00:01", "-08:00", "+23:59", "+24:00", "+00:60", "+0000", ""]),
    st.sampled_from(["", "\n", "\r\n", "\x85", "\ufeff", " ", "\x00"]),
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(stamp=st.one_of(_NEAR_TIMESTAMP, st.text(max_size=30), _DIGITS))
def test_date_time_checkers_agree(stamp: str) -> None:
    """Our RFC 3339 checker (the reference engine's date-time) gives jsonschema-rs's verdict on any string."""
    import jsonschema_rs

    from rc_licenses_contract.formats import is_rfc3339_date_time

    rs = jsonschema_rs.validator_for({"type": "string", "format": "date-time"}, validate_formats=True)
    assert is_rfc3339_date_time(stamp) == rs.is_valid(stamp), stamp


# Constructs Python's re (python-jsonschema) and jsonschema-rs read differently: `$` also matches before a
# final newline in Python; jsonschema-rs gives \s, \d, \w and \b ECMA-262's ASCII-or-WhiteSpace meaning
# (\s takes U+FEFF, not U+0085), Python their Unicode one; \A, \Z and \z exist in only one of them.
DIVERGENT = re.compile(r"(?<!\\)(?:\\\\)*(?:\$|\\[sSdDwWbBAZz])")


def _patterns(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _patterns(value, f"{where}/{index}")


def test_patterns_use_only_constructs_both_engines_read_alike() -> None:
    found = [item for uri, schema in CONTRACT.schemas.items() for item in _patterns(schema, uri)]
    assert found, "the contract has patterns to check"
    divergent = [(where, pattern) for where, pattern in found if DIVERGENT.search(pattern)]
    assert not divergent
    assert DIVERGENT.search("^[^.\\s]+(\\.[^.\\s]+)+$") and not DIVERGENT.search("\\.|\\\\s"), "the detector works"
