"""The JSON Lines hot loop skips the exact parse for lines orjson writes back as they are: it must never
give a different verdict than the exact parse would. Each edge case is checked against a reference that
takes no shortcut (the strict standard-library parser, then the engine's findings)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract import validate
from rc_licenses_contract.capture import check_records
from rc_licenses_contract.capture.checker import RecordChecker
from rc_licenses_contract.capture.formats import FORMATS
from rc_licenses_contract.capture.formats import lines as lines_format
from rc_licenses_contract.capture.options import ValidateOptions
from rc_licenses_contract.capture.runner import exact_integers
from rc_licenses_contract.capture.sources import Source
from rc_licenses_contract.capture.units import Unit
from rc_licenses_contract.cases import case_payload, load_cases
from rc_licenses_contract.jsonio import loads_strict
from rc_licenses_contract.loader import Contract
from rc_licenses_contract.policy import UNDOCUMENTED_KEYWORDS
from rc_licenses_contract.records import RecordResult
from rc_licenses_contract.validation import RustEngine, get_engine

from .conftest import RunCli
from .test_validate_cli import compact, no_traceback, seed

__all__ = ["seed"]

U64_MAX = str(2**64 - 1)


def edge_lines(seed: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(what the line tests, the line without its end)."""
    body = compact(seed)

    def swap(old: str, new: str) -> bytes:
        assert old in body
        return body.replace(old, new, 1).encode()

    duplicate = swap('"trial":true', '"trial":"yes","trial":true')  # orjson keeps the last, valid value
    return [
        ("valid", body.encode()),
        ("duplicate key, nested, last one valid", duplicate),
        ("duplicate key, nested, last one invalid", swap('"trial":true', '"trial":true,"trial":"yes"')),
        ("duplicate key in an object in an array", swap('{"name":"Enterprise trial"', '{"name":"x","name":"y"')),
        ("duplicate key at the top", b'{"license":1,' + body.encode()[1:]),
        ("duplicate key spelled with an escape", swap('"trial":true', '"tri\\u0061l":"yes","trial":true')),
        ("a key spelled with an escape, no duplicate", swap('"trial":true', '"tri\\u0061l":true')),
        ("17 significant digits, not an integer", swap('"max":235', '"max":1.0000000000000002')),
        ("more digits than a double holds, an integer value", swap('"max":235', '"max":235.00000000000000001')),
        ("an exponent", swap('"max":235', '"max":2.35e2')),
        ("beyond a double: 1e400", swap('"max":235', '"max":1e400')),
        ("-0", swap('"max":235', '"max":-0')),
        ("-0.0", swap('"max":235', '"max":-0.0')),
        ("the largest 64-bit unsigned integer", swap('"max":235', f'"max":{U64_MAX}')),
        ("2**64, valid where any size is", swap('"max":235', f'"max":{2**64}')),
        ("2**64 where a boolean belongs: quoted exactly", swap('"trial":true', f'"trial":{2**64}')),
        ("-2**63 - 1, below the minimum: quoted exactly", swap('"max":235', f'"max":{-(2**63) - 1}')),
        ("30 digits", swap('"max":235', '"max":' + "9" * 30)),
        ("padded both sides", b"  \t" + body.encode() + b"   "),
        ("padded at the end only", body.encode() + b"  "),
        ("padded, with a duplicate key", b" " + duplicate + b"\t"),
        ("padded at the end, with a duplicate key", duplicate + b"  "),
        ("CRLF", body.encode() + b"\r"),
        ("CRLF, with a duplicate key", duplicate + b"\r"),
        ("CRLF, invalid", swap('"trial":true', '"trial":"yes"') + b"\r"),
        ("drift", swap('"trial":true', '"trial":true,"newField":1')),
        ("drift and a duplicate key", swap('"trial":true', '"newField":1,"trial":"x","trial":true')),
        ("a blank line", b""),
        ("a line of spaces", b"   "),
        ("not JSON", b"{oops"),
    ]


def reference(line: bytes, checker: RecordChecker) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """The verdict without shortcuts: state, errors and warnings as (pointer, message)."""
    text = line.decode("utf-8").strip()
    if not text:
        return "skipped", [], []
    try:
        value = loads_strict(text)
    except ValueError:
        return "unreadable", [], []
    findings = checker.engine.findings(value, checker.contract.schema_for("200"))
    errors = [(f.pointer, f.message) for f in findings if f.keyword not in UNDOCUMENTED_KEYWORDS]
    warnings = [(f.pointer, f.message) for f in findings if f.keyword in UNDOCUMENTED_KEYWORDS]
    return ("invalid" if errors else "valid"), errors, warnings


def run_lines(checker: RecordChecker, data: bytes) -> tuple[dict[int, RecordResult], int, int]:
    """Records by line (valid ones only when the checker keeps them), valid count, skipped count."""
    source = Source("edge.jsonl", "jsonl")
    with exact_integers():
        out = FORMATS["jsonl"].check(checker, Unit(source, "jsonl"), data)
    return {r.line: r for r in out.results if r.line is not None}, out.valid, out.skipped


@pytest.mark.parametrize("keep_valid", [False, True], ids=["counted", "listed"])
@pytest.mark.parametrize("repeat", [1, 2], ids=["once", "twice"])  # twice: the memory of proven bodies answers
def test_every_edge_case_gets_the_exact_verdict(
    contract: Contract, seed: dict[str, Any], keep_valid: bool, repeat: int
) -> None:
    cases = edge_lines(seed)
    data = b"".join(line + b"\n" for _, line in cases) * repeat
    checker = RecordChecker(ValidateOptions(paths=[], keep_valid=keep_valid), contract)
    by_line, valid, skipped = run_lines(checker, data)
    counted_valid = 0
    for number, (what, line) in enumerate(cases * repeat, 1):
        state, errors, warnings = reference(line, checker)
        if state == "skipped":
            assert number not in by_line, what
            continue
        record = by_line.get(number)
        if record is None:  # counted, not listed: only a valid record without warnings may be
            assert not keep_valid and (state, warnings) == ("valid", []), (number, what)
            counted_valid += 1
            continue
        assert record.state == state, (number, what, record.problem)
        assert [(f.pointer, f.message) for f in record.errors] == errors, (number, what)
        assert [(f.pointer, f.message) for f in record.warnings] == warnings, (number, what)
        if "duplicate key" in what:
            assert "invalid JSON: duplicate key" in (record.problem or ""), (what, record.problem)
    assert valid == counted_valid
    assert skipped == 2 * repeat


def test_the_edge_cases_say_what_they_should(contract: Contract, seed: dict[str, Any]) -> None:
    """The reference itself is right: the verdicts a reader expects, exact integers quoted exactly."""
    checker = RecordChecker(ValidateOptions(paths=[]), contract)
    verdicts = {what: reference(line, checker) for what, line in edge_lines(seed)}
    assert [what for what, (state, _, _) in verdicts.items() if state == "unreadable"] == [
        "duplicate key, nested, last one valid",
        "duplicate key, nested, last one invalid",
        "duplicate key in an object in an array",
        "duplicate key at the top",
        "duplicate key spelled with an escape",
        "padded, with a duplicate key",
        "padded at the end, with a duplicate key",
        "CRLF, with a duplicate key",
        "drift and a duplicate key",
        "not JSON",
    ]
    [(_, message)] = verdicts["2**64 where a boolean belongs: quoted exactly"][1]
    assert message.startswith(f"{2**64} is not of type")
    [(_, message)] = verdicts["-2**63 - 1, below the minimum: quoted exactly"][1]
    assert message.startswith(f"{-(2**63) - 1} is less than the minimum")
    assert verdicts["drift"][0] == "valid" and verdicts["drift"][2]
    # 1e400 is read as inf (jsonschema-rs alone would call it null): named for what it is
    [(_, message)] = verdicts["beyond a double: 1e400"][1]
    assert message == 'inf is not of type "integer"'
    for what in ("valid", "2**64, valid where any size is", "30 digits", "-0", "-0.0", "padded both sides", "CRLF"):
        assert verdicts[what] == ("valid", [], []), what


def test_line_numbers_hold_across_line_ends(
    run_cli: RunCli, tmp_path: Path, contract: Contract, seed: dict[str, Any]
) -> None:
    """Through the CLI: mixed LF/CRLF ends, padding, blank lines; each finding names its own line."""
    cases = edge_lines(seed)
    (tmp_path / "edge.jsonl").write_bytes(b"".join(line + b"\n" for _, line in cases))
    done = run_cli("validate", "--jobs", "1", "--format", "json", "-o", "report.json", "edge.jsonl")
    no_traceback(done)
    assert done.returncode == 1
    report = json.loads((tmp_path / "report.json").read_text())
    states = {record["line"]: record["state"] for record in report["records"]}
    checker = RecordChecker(ValidateOptions(paths=[]), contract)
    expected = {n: reference(line, checker)[0] for n, (_, line) in enumerate(cases, 1)}
    assert states == {n: state for n, state in expected.items() if state != "skipped"}


class CountingMemory(dict[bytes, None]):
    """The memory of bodies proven valid, counting how often it is consulted."""

    lookups = 0

    def __contains__(self, key: object) -> bool:
        self.lookups += 1
        return super().__contains__(key)


def distinct_bodies(seed: dict[str, Any], count: int) -> list[bytes]:
    body = compact(seed)
    return [body.replace('"#F3BE08"', f'"#{index:06X}"', 1).encode() for index in range(count)]


def test_a_full_memory_is_not_consulted_when_nothing_repeats(
    contract: Contract, seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_format, "PROVEN_CACHE_SIZE", 4)
    monkeypatch.setattr(lines_format, "PROBE_LINES", 8)
    checker = RecordChecker(ValidateOptions(paths=[]), contract)
    memory = CountingMemory()
    checker.proven_valid = memory
    bodies = distinct_bodies(seed, 40)
    run_lines(checker, b"".join(line + b"\n" for line in bodies[:8]))  # fills the memory (4 bodies)
    assert len(memory) == 4
    memory.lookups = 0
    # After the probe window: a duplicate key, an invalid body and a body proven before, all still found.
    duplicate = bodies[30].replace(b'"trial":true', b'"trial":"yes","trial":true')
    late = [*bodies[8:30], duplicate, bodies[31].replace(b'"trial":true', b'"trial":"yes"'), bodies[0]]
    by_line, valid, _ = run_lines(checker, b"".join(line + b"\n" for line in late))
    assert memory.lookups == 8  # the probe window only
    assert {n: r.state for n, r in by_line.items()} == {23: "unreadable", 24: "invalid"}
    assert valid == len(late) - 2

    # Lines that repeat keep the memory consulted for the whole chunk.
    memory.lookups = 0
    by_line, valid, _ = run_lines(checker, b"".join(bodies[0] + b"\n" for _ in range(30)))
    assert memory.lookups == 30 and valid == 30 and not by_line


# --- the library entry: a lone surrogate is a finding, not an exception ------------------------


@pytest.mark.parametrize("engine", ["rs", "jsonschema"])
def test_validate_reports_lone_surrogates_as_findings(contract: Contract, seed: dict[str, Any], engine: str) -> None:
    body = json.loads(compact(seed))
    body["license"]["license"]["information"]["tags"][0]["name"] = "x\ud800y"
    result = validate(body, engine=engine, contract=contract)
    assert not result.valid
    [finding] = result.errors
    assert finding.pointer == "/license/license/information/tags/0/name"
    assert finding.message == "a string holds a lone UTF-16 surrogate \\ud800, which is not Unicode"
    assert finding.keyword == "unicode"

    body = json.loads(compact(seed))
    body["license"]["license"]["information"]["\udc00key"] = {"inner": "\udfff"}
    found = [(f.pointer, f.message) for f in validate(body, engine=engine, contract=contract).errors]
    assert found == [
        ("/license/license/information", "a key holds a lone UTF-16 surrogate \\udc00, which is not Unicode"),
        (  # the pointer below such a key stays printable text
            "/license/license/information/\\udc00key/inner",
            "a string holds a lone UTF-16 surrogate \\udfff, which is not Unicode",
        ),
    ]
    json.dumps(found, ensure_ascii=False).encode("utf-8")  # every finding can be written out


def test_validate_without_surrogates_is_unchanged(contract: Contract, seed: dict[str, Any]) -> None:
    """The surrogate check costs nothing on the way to a verdict for ordinary text (and finds nothing)."""
    body = json.loads(compact(seed))
    assert validate(body, contract=contract).valid
    body["license"]["license"]["information"]["tags"][0]["name"] = "\U0001f600 paired surrogates are fine"
    assert validate(body, contract=contract).valid
    assert validate(body, engine="jsonschema", contract=contract).valid


def test_the_rs_engine_itself_never_raises_on_a_lone_surrogate(contract: Contract) -> None:
    """Other callers of the engine (HAR entries, contract data) get a finding from it directly."""
    engine = get_engine(contract, "default", "rs")
    uri = contract.schema_for("200")
    assert not engine.is_valid({"success": "\ud800"}, uri)
    [finding] = engine.findings({"success": "\ud800"}, uri)
    assert (finding.pointer, finding.keyword) == ("/success", "unicode")


# --- the yes/no validator with references inlined gives the original's verdicts ----------------------


def mutations(value: Any, depth: int = 0) -> Iterator[Any]:
    """The value with one thing changed at each place: each value replaced by other types, each key
    dropped, an undocumented key added to each object, each list emptied."""
    yield value
    if depth > 12:
        return
    if isinstance(value, dict):
        yield {**value, "undocumentedKey": 1}
        for key, item in value.items():
            yield {k: v for k, v in value.items() if k != key}
            for changed in mutations(item, depth + 1):
                if changed is not item:
                    yield {**value, key: changed}
    elif isinstance(value, list):
        yield []
        for index, item in enumerate(value[:3]):
            for changed in mutations(item, depth + 1):
                if changed is not item:
                    yield [*value[:index], changed, *value[index + 1 :]]
    others: tuple[Any, ...] = ("x", 1, -2, 1.5, True, None, [], {})
    for other in others:
        if type(other) is not type(value) or other != value:
            yield other


@pytest.mark.parametrize("profile", ["default", "8"])
def test_the_inlined_yes_or_no_agrees_with_the_original(contract: Contract, profile: str) -> None:
    engine = get_engine(contract, profile, "rs")
    payloads = [(example.value, str(example.status)) for example in contract.examples.values()]
    payloads += [(case_payload(contract, case), case.response) for case in load_cases(contract)]
    checked = disagreements = 0
    for payload, response in payloads:
        uri = contract.schema_for(response)
        yes_or_no = engine.compiled(uri)
        for changed in mutations(payload):
            checked += 1
            disagreements += yes_or_no(changed) != engine.is_valid(changed, uri)
    assert checked > 50_000 and disagreements == 0


def test_references_that_constrain_are_not_inlined() -> None:
    """jsonschema-rs merges a `$ref`'s siblings into its target, which is not what 2020-12 means: such a
    schema keeps the original validator (here inlining would drop `b`'s type)."""
    root = "https://example.test/root.json"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": root,
        "$defs": {"t": {"properties": {"a": {"type": "integer"}}}},
        "$ref": "#/$defs/t",
        "properties": {"b": {"type": "string"}},
    }
    engine = RustEngine({root: schema})
    assert not engine.compiled(root)({"a": 1, "b": 5})
    assert engine.compiled(root)({"a": 1, "b": "x"})


def test_recursive_references_keep_their_verdicts() -> None:
    """A cycle cannot be inlined away: whatever serves the yes/no, it still follows the recursion."""
    root = "https://example.test/tree.json"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": root,
        "type": "object",
        "properties": {"child": {"$ref": "#"}, "name": {"type": "string"}},
    }
    engine = RustEngine({root: schema})
    deep: dict[str, Any] = {"name": "leaf"}
    for _ in range(5):
        deep = {"child": deep, "name": "node"}
    assert engine.compiled(root)(deep)
    deep["child"]["child"]["child"]["name"] = 3
    assert not engine.compiled(root)(deep)


def test_dynamic_references_are_not_inlined() -> None:
    """`$dynamicRef` resolves by where evaluation came from: inlining could change that, so it is left alone."""
    root = "https://example.test/list.json"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": root,
        "$dynamicAnchor": "item",
        "type": "array",
        "items": {"$dynamicRef": "#item"},
    }
    engine = RustEngine({root: schema})
    assert engine._inlined(root) is None
    assert engine.compiled(root)([[], [[]]]) and not engine.compiled(root)([1])


def test_check_records_gives_the_exact_verdict_on_every_edge_case(contract: Contract, seed: dict[str, Any]) -> None:
    """The library entry takes the same shortcut per record: the same verdicts as the exact path."""
    cases = edge_lines(seed)
    result = check_records([line for _, line in cases], source="edge")
    checker = RecordChecker(ValidateOptions(paths=[]), contract)
    expected = {n: reference(line, checker) for n, (_, line) in enumerate(cases, 1)}
    listed = {finding["line"]: finding for finding in result["findings"]}
    for number, (state, errors, warnings) in expected.items():
        if state == "skipped" or (state == "valid" and not warnings):
            assert number not in listed, cases[number - 1][0]
            continue
        finding = listed[number]
        assert finding["state"] == state, cases[number - 1][0]
        assert [(e["pointer"], e["message"]) for e in finding["errors"]] == errors
        assert [(w["pointer"], w["message"]) for w in finding["warnings"]] == warnings
    states = [state for state, _, _ in expected.values()]
    assert result["valid"] == states.count("valid") and result["skipped"] == states.count("skipped")
    assert result["records"] == len(cases) - states.count("skipped")
