"""The reporter model both commands share: the same names, and the one JUnit writer that keeps any text inert."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from rc_licenses_contract import junit
from rc_licenses_contract.gate.report import GATE_REPORTERS
from rc_licenses_contract.gate.result import CheckOutcome, Credentials, Finding, GateOptions, GateResult
from rc_licenses_contract.gate.secrets import Redactor
from rc_licenses_contract.reporters import REPORTERS

from .conftest import REPO

HOSTILE = "a\x1b[31mred\x00 \"q\" 's' <b>&amp; ]]> \ufffe \ud800 \u202e end"
SECRET = "s3cr3t-token-value-0123456789"


def test_validate_and_gate_offer_the_same_reporters() -> None:
    assert set(REPORTERS) == set(GATE_REPORTERS) == {"text", "json", "junit", "github"}


def test_the_junit_writer_keeps_any_text_inert_and_counts_its_cases() -> None:
    writer = junit.JUnitWriter()
    writer.case(HOSTILE, HOSTILE, junit.failure(HOSTILE, "contract", HOSTILE + "\nsecond line"), title=HOSTILE)
    writer.case("suite", "unreadable", junit.error(HOSTILE, "unreadable"), junit.output(HOSTILE))
    writer.case("suite", "skipped", junit.skipped(HOSTILE))
    stream = io.StringIO()
    writer.finish(stream, {"name": "s", "tests": str(writer.cases)}, {"name": "all"}, suite_output=HOSTILE)
    document = stream.getvalue()

    assert writer.cases == 3
    assert not any(ch in document for ch in "\x1b\x00\ufffe\ud800\u202e")
    root = ET.fromstring(document)
    suite = root.find("testsuite")
    assert root.get("name") == "all" and suite is not None and suite.get("tests") == "3"
    first, second, third = suite.findall("testcase")
    failure = first.find("failure")
    assert failure is not None and failure.text is not None
    # Controls are shown as escapes; markup and quotes come back as the same characters; lines stay lines.
    assert first.get("name") == first.get("title") == failure.get("message")
    assert "\\x1b[31mred\\x00 \"q\" 's' <b>&amp; ]]>" in (failure.get("message") or "")
    assert "\\u202e end" in failure.text and failure.text.endswith("\nsecond line")
    assert (second.find("error") is not None) and (third.find("skipped") is not None)
    assert suite.find("system-out") is not None


def _hostile_gate_result() -> GateResult:
    options = GateOptions(
        base_url=f"https://user:{SECRET}@chat.example", privileged=Credentials("user-id", SECRET), root=REPO
    )
    check = CheckOutcome("body-schema", "Body matches the schema", "failed", examined=1, findings=1)
    finding = Finding("body-schema", f"bad value {HOSTILE} {SECRET}", "error", pointer="/license", value=HOSTILE)
    warned = Finding("body-schema", f"drift {SECRET}", "warning", pointer="/x", value=SECRET)
    return GateResult(options=options, checks=[check], findings=[finding, warned], not_checked=[f"part {HOSTILE}"])


def test_every_gate_reporter_masks_secrets_and_escapes_what_the_server_sent() -> None:
    result = _hostile_gate_result()
    redact = Redactor([SECRET])
    reports = {name: render(result, redact) for name, render in GATE_REPORTERS.items()}

    for name, report in reports.items():
        assert SECRET not in report, name
        assert not any(ch in report for ch in "\x1b\x00\ufffe\ud800\u202e"), name
    assert json.loads(reports["json"])["findings"][0]["check"] == "body-schema"
    suite = ET.fromstring(reports["junit"]).find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("errors") == "1"
    assert "::error" in reports["github"] and "::warning" in reports["github"]
    assert "FAILED: 1 defect" in reports["text"]
