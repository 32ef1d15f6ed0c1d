"""The one checker: a record's bytes or parsed value in, a `RecordResult` out. Built once per process.

One hostile record is one result and the run goes on: anything a record can make the parser or an engine
raise (nesting deeper than a library allows, lone surrogates, integers too long to print) becomes an
unreadable record with one line saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..bodies import BodyError, parse_body
from ..loader import Contract
from ..records import INVALID, VALID, RecordResult
from ..validation import Finding, get_engine, split_findings
from .options import ValidateOptions
from .units import unreadable

MAX_MESSAGE = 400  # characters of a message (which quotes the offending value) kept in reports


def _cut(finding: Finding) -> Finding:
    """Long messages quote long values: keep the head (where the value starts) and the tail (what is wrong)."""
    message = finding.message
    if len(message) <= MAX_MESSAGE:
        return finding
    head, tail = MAX_MESSAGE * 2 // 3, MAX_MESSAGE // 3
    cut = len(message) - head - tail
    shortened = f"{message[:head]}… ({cut} characters cut) …{message[-tail:]}"
    return Finding(finding.pointer, shortened, finding.keyword, finding.schema_location)


class RecordChecker:
    def __init__(self, options: ValidateOptions, contract: Contract) -> None:
        self.options = options
        self.contract = contract
        self.engine = get_engine(contract, options.profile, options.engine)
        self.endpoint_path = contract.path
        self.proven_valid: dict[bytes, None] = {}  # bodies already proven valid (captures repeat them)

    def check(self, raw: bytes, make: Callable[[str], RecordResult], response: str) -> RecordResult:
        if response not in self.contract.responses:
            return self.check_value(None, make, response)  # the status alone breaks the contract
        try:
            payload = parse_body(raw)
        except BodyError as exc:
            return unreadable(make, str(exc))
        return self.check_value(payload, make, response)

    def check_value(
        self, payload: Any, make: Callable[[str], RecordResult], response: str, known_invalid: bool = False
    ) -> RecordResult:
        """`known_invalid`: the compiled yes/no already said no (the JSON Lines fast path asked it)."""
        schema_uri = self.contract.responses.get(response)
        if schema_uri is None:
            result = make(INVALID)
            documented = ", ".join(sorted(self.contract.responses))
            result.errors.append(
                Finding("", f"status {response} is not a documented response ({documented})", "status", "")
            )
            return result
        try:
            findings = self.engine.findings(payload, schema_uri, self.options.max_errors, known_invalid=known_invalid)
        except RecursionError:
            return unreadable(make, "nested too deeply to check")
        except ValueError as exc:  # jsonschema-rs: "Recursion limit reached", or a value it cannot take
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "recursion" in detail.lower():
                return unreadable(make, "nested too deeply to check")
            return unreadable(make, f"cannot be checked: {detail}")
        if not findings:
            return make(VALID)
        split = split_findings([_cut(f) for f in findings], response, self.options.profile, self.options.strict)
        result = make(INVALID if split.errors else VALID)
        result.errors, result.warnings = split.errors, split.warnings
        return result

    def safely(
        self, make: Callable[[str], RecordResult], check: Callable[..., RecordResult], *args: Any
    ) -> RecordResult:
        """Run one record's check; whatever it raises is that record's problem, not the run's end."""
        try:
            return check(*args)
        except Exception as exc:  # one hostile record must not lose a multi-gigabyte run
            detail = str(exc).splitlines()[0][:MAX_MESSAGE] if str(exc) else ""
            return unreadable(make, f"cannot be checked: {type(exc).__name__}: {detail}".rstrip(": "))
