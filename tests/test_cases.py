"""The data-driven runner: every case in contracts/cases/, under both engines."""

from __future__ import annotations

import pytest

from rc_licenses_contract.cases import Case, load_cases, run_case
from rc_licenses_contract.loader import load_contract
from rc_licenses_contract.validation import ENGINES

from .conftest import REPO

CASES = list(load_cases(load_contract(REPO)))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}-{c.index}" for c in CASES])
def test_case(case: Case, engine: str) -> None:
    _, problems = run_case(load_contract(REPO), case, engine)
    assert not problems, f"{case.location} ({case.description}): {problems}"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
    assert {c.response for c in CASES} == {"200", "400", "401", "429"}
    assert {c.profile for c in CASES} == {"default", "8"}
    assert any(c.strict for c in CASES)
    assert any(not c.data["valid"] for c in CASES) and any(c.data["valid"] for c in CASES)
