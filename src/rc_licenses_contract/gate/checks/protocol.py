"""Protocol checks: status, media type, JSON, timing, schema and drift, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...content_coding import PACKAGES, codings
from ...loader import RATE_LIMITED
from ...validation import Finding, ValidationResult, validate
from .registry import NOT_JSON, Applies, Exchange, Failure, GateContext, _at, _snippet, check, show


@check("status", "Status code is the one the contract expects (else a documented one)")
def status_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.expected_status is not None and exchange.status != exchange.expected_status:
        # The expected status is shown with each request: one wrong answer is one finding whatever was asked.
        yield Failure("status", f"got {exchange.status}, not the status the contract expects", exchange)
    elif str(exchange.status) not in ctx.documented:
        documented = ", ".join(sorted(ctx.documented))
        yield Failure("status", f"status {exchange.status} is not documented ({documented})", exchange)


@check("content-type", "Content-Type is exactly application/json")
def content_type_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    value = exchange.headers.get("content-type")
    if value is None or value.strip().lower() != "application/json":
        yield Failure("content-type", f'Content-Type is {show(value)}, expected "application/json"', exchange)


@check("json-body", "The body is one JSON document")
def json_body_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.body is NOT_JSON and (undecoded := _undecoded_codings(exchange)):
        # Compressed bytes are not shown: they are not text, and a JSON parser's complaint about them misleads.
        header = exchange.headers.get("content-encoding", "")
        names = ", ".join(undecoded)
        hint = "".join(f" (pip install {PACKAGES[name]})" for name in undecoded if name in PACKAGES)
        message = (
            f"body is not JSON: it is still {names}-encoded (Content-Encoding: {show(header)}), a coding the gate "
            f"did not ask for and cannot decode{hint}"
        )
        yield Failure("json-body", message, exchange, value=show(f"{len(exchange.content)} bytes, {names}"))
    elif exchange.body is NOT_JSON:
        head = exchange.content[:4096].decode("utf-8", "replace")  # reports cut it shorter, after masking
        yield Failure("json-body", f"body is not JSON ({exchange.parse_error})", exchange, value=show(head))


def _undecoded_codings(exchange: Exchange) -> list[str]:
    """The codings of Content-Encoding that the HTTP client could not undo (its decoders are installed ones)."""
    from urllib3.response import HTTPResponse

    decodable = set(HTTPResponse.CONTENT_DECODERS)
    return [name for name in codings(exchange.headers.get("content-encoding")) if name not in decodable]


@check("response-time", "Answers arrive within --max-response-time")
def response_time_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.elapsed > ctx.max_response_time:
        # The time goes in the value, not the message: one slow route is one finding, however many answers.
        message = f"answered slower than {ctx.max_response_time:g} s"
        yield Failure("response-time", message, exchange, value=show(f"{exchange.elapsed:.2f} s"))


def _validated(exchange: Exchange, ctx: GateContext) -> Any:
    """The body's validation under the run's profile, computed once per exchange (schema and drift share it)."""
    if exchange.body is NOT_JSON or str(exchange.status) not in ctx.documented:
        return None
    if ctx.profile not in exchange.validations:
        try:
            result = validate(exchange.body, str(exchange.status), ctx.profile, strict=False, contract=ctx.contract)
        except (ValueError, RecursionError) as exc:  # a body nested deeper than the validator goes: a finding
            result = ValidationResult(str(exchange.status), ctx.profile, False)
            result.errors.append(Finding("", f"body nested too deep to validate ({exc})", "depth", ""))
        exchange.validations[ctx.profile] = result
    return exchange.validations[ctx.profile]


def _from_findings(check_id: str, findings: list[Any], exchange: Exchange, severity: str) -> Iterator[Failure]:
    for finding in findings:
        yield Failure(
            check_id,
            finding.message,
            exchange,
            pointer=finding.pointer,
            keyword=finding.keyword,
            value=_snippet(_at(exchange.body, finding.pointer)),
            severity=severity,
        )


@check(
    "schema",
    "The body matches the response schema of its status (profile applied)",
    Applies(needs=("json", "documented status")),
)
def schema_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    result = _validated(exchange, ctx)
    yield from _from_findings("schema", result.errors if result else [], exchange, "error")


@check(
    "drift",
    "No properties the contract does not document (warnings; errors with --strict)",
    Applies(needs=("json", "documented status")),
)
def drift_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    result = _validated(exchange, ctx)
    severity = "error" if ctx.strict else "warning"
    yield from _from_findings("drift", result.warnings if result else [], exchange, severity)


@check("headers", "Headers the profile requires, and complete rate-limit header sets")
def headers_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    expected = ctx.contract.profile(ctx.profile).headers.get(str(exchange.status), {})
    for name, value in expected.items():
        got = exchange.headers.get(name.lower())
        if got is None or got.strip().lower() != value.lower():
            yield Failure("headers", f"{name} is {show(got)}, profile {ctx.profile} expects {show(value)}", exchange)
    rate_limit_headers = ctx.contract.rate_limit_headers().names
    present = [name for name in rate_limit_headers if name.lower() in exchange.headers]
    if str(exchange.status) == RATE_LIMITED or present:
        for name in rate_limit_headers:
            number = exchange.headers.get(name.lower())
            # ASCII digits, at most 15 (epoch milliseconds have 13): not "١٢", not "²", not 5,000 nines.
            if number is None or not re.fullmatch(r"[0-9]{1,15}", number.strip()):
                yield Failure("headers", f"{name} is {show(number)}, expected a whole number", exchange)
