from __future__ import annotations

import pytest

from rc_licenses_contract.textsafety import escape_control


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("\x1b[32mPASSED\x1b[0m", "\\x1b[32mPASSED\\x1b[0m"),
        ("line\nPASSED", "line\\x0aPASSED"),
        ("carriage\rreturn", "carriage\\x0dreturn"),
        ("bidi \u202eevil", "bidi \\u202eevil"),
        ("nel\x85", "nel\\x85"),
        ("bom\ufeff", "bom\\ufeff"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("tag \U000e0041", "tag \\U000e0041"),
        ("ünïcödé ✓ 漢字", "ünïcödé ✓ 漢字"),
        # GitHub's runner obeys the old `##[command]` form anywhere in a line of the log.
        ("x ##[set-output name=verdict;]passed", "x #\\x23[set-output name=verdict;]passed"),
        ("###[add-mask]FAILED", "##\\x23[add-mask]FAILED"),
        ("####[", "###\\x23["),
    ],
)
def test_control_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert escape_control(raw) == shown
