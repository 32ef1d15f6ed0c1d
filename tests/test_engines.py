"""The fast engine (jsonschema-rs) and the reference (python-jsonschema) agree."""

from __future__ import annotations

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

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.sampled_from([0.0, 0.3]).flatmap(lambda noise: payloads(CONTRACT, CONTRACT.schema_for("200"), noise)))
    def collect(payload: Any) -> None:
        seen.add(validate(payload, contract=CONTRACT).valid)

    collect()
    assert seen == {True, False}
