"""The gate's checks: small registered units with an id and a title, run on every exchange.

A check gets one exchange (a request the gate sent and what came back) and the run's context, and
yields Failure objects; it never prints. Schemathesis' own checks are added by run.py under
`schemathesis.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..domain import GLOBAL_KINDS, max_limit
from ..loader import Contract, resolve_pointer
from ..validation import Finding, ValidationResult, validate

NOT_JSON = object()
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@dataclass
class Exchange:
    """One request the gate sent (or replayed) and the answer; secrets never stored here."""

    label: str  # the interaction id, or "schemathesis #N"
    caller: str  # anonymous, wrong-token, privileged, unprivileged
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes
    elapsed: float
    expected_status: int | None = None
    body: Any = NOT_JSON
    parse_error: str | None = None
    validations: dict[str, Any] = field(default_factory=dict, repr=False)  # profile -> ValidationResult

    def __post_init__(self) -> None:
        try:
            self.body = orjson.loads(self.content)
        except orjson.JSONDecodeError as exc:
            self.body = NOT_JSON
            self.parse_error = str(exc).split(":", 1)[0] if self.content else "empty body"

    @property
    def target(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"

    @property
    def load_values(self) -> bool:
        return "loadValues=true" in self.query.split("&")


@dataclass(frozen=True)
class Failure:
    check: str
    message: str
    exchange: Exchange | None = None
    pointer: str | None = None
    keyword: str | None = None
    value: Any = None
    severity: str = "error"  # or "warning"

    @property
    def key(self) -> tuple[Any, ...]:
        request = self.exchange.target if self.exchange else None
        return (self.check, request, self.exchange.caller if self.exchange else None, self.pointer, self.message)


@dataclass
class GateContext:
    contract: Contract
    profile: str
    strict: bool
    max_response_time: float
    documented: frozenset[str] = field(default_factory=frozenset)


CheckFunction = Callable[[Exchange, GateContext], Iterator[Failure]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    function: CheckFunction


CHECKS: dict[str, Check] = {}


def check(check_id: str, title: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[check_id] = Check(check_id, title, function)
        return function

    return register


def _snippet(value: Any, limit: int = 64 * 1024) -> str:
    """The value as JSON. Reports mask secrets and then cut to a readable length; this cut, far longer
    than theirs, only bounds memory, so no half secret it leaves can reach a report."""
    if value is NOT_JSON:
        return "<not JSON>"
    try:
        text = orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # nested deeper than orjson writes
        text = "<nested too deep to show>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _at(body: Any, pointer: str) -> Any:
    try:
        return resolve_pointer(body, pointer)
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def _license_info(exchange: Exchange) -> dict[str, Any] | None:
    if exchange.status != 200 or not isinstance(exchange.body, dict):
        return None
    info = exchange.body.get("license")
    return info if isinstance(info, dict) else None


# --- protocol ------------------------------------------------------------------------------------


@check("status", "Status code is the one the contract expects")
def status_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.expected_status is not None and exchange.status != exchange.expected_status:
        yield Failure("status", f"expected {exchange.expected_status}, got {exchange.status}", exchange)
    elif str(exchange.status) not in ctx.documented:
        documented = ", ".join(sorted(ctx.documented))
        yield Failure("status", f"status {exchange.status} is not documented ({documented})", exchange)


@check("content-type", "Content-Type is exactly application/json")
def content_type_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    value = exchange.headers.get("content-type")
    if value is None or value.strip().lower() != "application/json":
        yield Failure("content-type", f"Content-Type is {value!r}, expected 'application/json'", exchange)


@check("json-body", "The body is one JSON document")
def json_body_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.body is NOT_JSON:
        head = exchange.content[:4096].decode("utf-8", "replace")  # reports cut it shorter, after masking
        yield Failure("json-body", f"body is not JSON ({exchange.parse_error}): {head!r}", exchange)


@check("response-time", "Answers arrive within --max-response-time")
def response_time_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    if exchange.elapsed > ctx.max_response_time:
        yield Failure(
            "response-time", f"answered in {exchange.elapsed:.2f} s, over {ctx.max_response_time:g} s", exchange
        )


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


@check("schema", "The body matches the response schema of its status (profile applied)")
def schema_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    result = _validated(exchange, ctx)
    yield from _from_findings("schema", result.errors if result else [], exchange, "error")


@check("drift", "No properties the contract does not document (warnings; errors with --strict)")
def drift_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    result = _validated(exchange, ctx)
    severity = "error" if ctx.strict else "warning"
    yield from _from_findings("drift", result.warnings if result else [], exchange, severity)


@check("headers", "Headers the profile requires, and complete X-RateLimit-* sets")
def headers_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    expected = ctx.contract.profile(ctx.profile).headers.get(str(exchange.status), {})
    for name, value in expected.items():
        got = exchange.headers.get(name.lower())
        if got is None or got.strip().lower() != value.lower():
            yield Failure("headers", f"{name} is {got!r}, profile {ctx.profile} expects {value!r}", exchange)
    present = [name for name in RATE_LIMIT_HEADERS if name.lower() in exchange.headers]
    if exchange.status == 429 or present:
        for name in RATE_LIMIT_HEADERS:
            number = exchange.headers.get(name.lower())
            # ASCII digits, at most 15 (epoch milliseconds have 13): not "١٢", not "²", not 5,000 nines.
            if number is None or not re.fullmatch(r"[0-9]{1,15}", number.strip()):
                yield Failure("headers", f"{name} is {number!r}, expected a whole number", exchange)


# --- semantics a schema cannot express --------------------------------------------------------


@check("semantic.caller-shape", "Privileged callers get the five limits; others no nested license and {} limits")
def caller_shape(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    if info is None or not isinstance(info.get("limits"), dict):
        return
    limits = info["limits"]
    if exchange.caller == "privileged" and sorted(limits) != sorted(GLOBAL_KINDS):
        yield Failure(
            "semantic.caller-shape",
            f"a privileged caller got limits for {sorted(limits)}, expected the five workspace-wide kinds",
            exchange,
            pointer="/license/limits",
        )
    if exchange.caller == "unprivileged":
        if "license" in info:
            yield Failure(
                "semantic.caller-shape",
                "an ordinary user got the nested license",
                exchange,
                pointer="/license/license",
                value=_snippet(info["license"], 80),
            )
        if limits:
            yield Failure(
                "semantic.caller-shape",
                "an ordinary user got non-empty limits",
                exchange,
                pointer="/license/limits",
                value=_snippet(limits),
            )


@check("semantic.load-values", "Current values on all five limits with loadValues=true, on none otherwise")
def load_values(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    limits = info.get("limits") if info else None
    if not isinstance(limits, dict) or not limits:
        return
    with_value = sorted(kind for kind, entry in limits.items() if isinstance(entry, dict) and "value" in entry)
    if with_value and len(with_value) != len(limits):
        missing = sorted(set(limits) - set(with_value))
        yield Failure(
            "semantic.load-values", f"value on {with_value} but not on {missing}", exchange, pointer="/license/limits"
        )
    elif exchange.caller == "privileged" and exchange.load_values and not with_value:
        yield Failure(
            "semantic.load-values",
            "loadValues=true from a privileged caller, but no current values",
            exchange,
            pointer="/license/limits",
        )
    elif not exchange.load_values and with_value:
        yield Failure(
            "semantic.load-values", "current values without loadValues=true", exchange, pointer="/license/limits"
        )


@check("semantic.external-modules", "Every external module is also an active module")
def external_modules(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    if info is None or not isinstance(info.get("externalModules"), list):
        return
    active = set(info.get("activeModules") or [])
    for index, entry in enumerate(info["externalModules"]):
        name = entry.get("module") if isinstance(entry, dict) else None
        if name not in active:
            yield Failure(
                "semantic.external-modules",
                f"external module {name!r} is not in activeModules",
                exchange,
                pointer=f"/license/externalModules/{index}/module",
                value=_snippet(name),
            )


def _wrong_maxima(
    check_id: str, exchange: Exchange, info: dict[str, Any], license_: dict[str, Any] | None, why: str
) -> Iterator[Failure]:
    """Each effective limit's max must be what the server derives from the license (or its absence)."""
    for kind, entry in (info.get("limits") or {}).items():
        expected = max_limit(license_, kind)
        if isinstance(entry, dict) and entry.get("max") != expected:
            yield Failure(
                check_id,
                f"{kind} max is {entry.get('max')!r}{why} {expected}",
                exchange,
                pointer=f"/license/limits/{kind}/max",
            )


@check("semantic.license-consistency", "tags, trial, modules and maxima agree with the nested license")
def license_consistency(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    nested = info.get("license") if info else None
    if info is None or not isinstance(nested, dict) or not isinstance(nested.get("information"), dict):
        return
    information = nested["information"]
    name = "semantic.license-consistency"
    if "trial" in information and info.get("trial") != information["trial"]:
        yield Failure(
            name,
            f"trial is {info.get('trial')!r} but the license says {information['trial']!r}",
            exchange,
            pointer="/license/trial",
        )
    if info.get("tags") != information.get("tags", []):
        yield Failure(
            name,
            "tags differ from the license's information.tags",
            exchange,
            pointer="/license/tags",
            value=_snippet(info.get("tags")),
        )
    granted = {m.get("module") for m in nested.get("grantedModules") or [] if isinstance(m, dict)}
    for index, module in enumerate(info.get("activeModules") or []):
        if module not in granted:
            yield Failure(
                name,
                f"active module {module!r} is not granted by the license",
                exchange,
                pointer=f"/license/activeModules/{index}",
            )
    yield from _wrong_maxima(name, exchange, info, nested, ", the license's rules give")
    if info.get("hasValidLicense") is False:
        yield Failure(
            name, "a nested license is sent but hasValidLicense is false", exchange, pointer="/license/hasValidLicense"
        )


@check("semantic.no-license-defaults", "Without a valid license: defaults (privateApps 3, marketplaceApps 5, -1)")
def no_license_defaults(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    info = _license_info(exchange)
    if info is None or exchange.caller != "privileged" or "license" in info:
        return
    name = "semantic.no-license-defaults"
    if info.get("hasValidLicense") is True:
        yield Failure(
            name,
            "hasValidLicense is true but a privileged caller got no nested license",
            exchange,
            pointer="/license/hasValidLicense",
        )
    yield from _wrong_maxima(name, exchange, info, None, "; without a license it is")
    if info.get("tags") not in ([], None) or info.get("trial") is True:
        yield Failure(name, "tags or trial set without a license", exchange, pointer="/license")


def run_checks(exchange: Exchange, ctx: GateContext, only: tuple[str, ...] | None = None) -> Iterator[Failure]:
    for check_id, registered in CHECKS.items():
        if only is None or check_id in only:
            yield from registered.function(exchange, ctx)
