"""The gate's checks: one registry of small units, ours and Schemathesis', each with an id, a title and
the answers it applies to.

A check of ours gets one exchange (a request the gate sent and what came back) and the run's context,
and yields Failure objects; it never prints. A Schemathesis check is registered here with its
applicability only; gate/st.py runs it. Everything that lists checks (the run, the report, the pytest
plugin) reads CHECKS: there is no second list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..domain import (
    GLOBAL_KINDS,
    LIMIT_KINDS,
    NO_GUEST_ROOMS,
    disabled_by_periods,
    disabling_limit_rules,
    limit_reached,
    max_limit,
    prevented,
    rules,
)
from ..loader import Contract, resolve_pointer
from ..validation import Finding, ValidationResult, validate

NOT_JSON = object()
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
PRIVILEGED, UNPRIVILEGED = "privileged", "unprivileged"


@dataclass
class Exchange:
    """One request the gate sent (or replayed) and the answer; secrets never stored here."""

    label: str  # the interaction id, or e.g. "negative query #3"
    caller: str  # anonymous, wrong-token, privileged, unprivileged (or "unknown" for a 429 met on the way)
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes
    elapsed: float
    expected_status: int | None = None
    kind: str = "interaction"  # or an exploration kind: positive, negative query, auth probe; or "rate limited"
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
    """One sighting of a defect on one exchange; the run groups sightings into findings."""

    check: str
    message: str
    exchange: Exchange | None = None
    pointer: str | None = None
    keyword: str | None = None
    value: Any = None  # already JSON text (see show())
    severity: str = "error"  # or "warning"

    @property
    def defect(self) -> tuple[str, str | None, str | None, str]:
        """What makes two sightings the same defect: (check, pointer, keyword, message)."""
        return (self.check, self.pointer, self.keyword, self.message)


@dataclass
class GateContext:
    contract: Contract
    profile: str
    strict: bool
    max_response_time: float
    documented: frozenset[str] = field(default_factory=frozenset)


def show(value: Any) -> str:
    """A value as JSON text (`"true"`, `true`, `null`), the way the report shows every value."""
    if value is NOT_JSON:
        return "<not JSON>"
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # nested deeper than orjson writes
        return "<nested too deep to show>"


def _license_info(exchange: Exchange) -> dict[str, Any] | None:
    if exchange.status != 200 or not isinstance(exchange.body, dict):
        return None
    info = exchange.body.get("license")
    return info if isinstance(info, dict) else None


# --- applicability ------------------------------------------------------------------------------


def _has_limits(exchange: Exchange, ctx: GateContext) -> bool:
    info = _license_info(exchange)
    return info is not None and isinstance(info.get("limits"), dict)


def _has_some_limits(exchange: Exchange, ctx: GateContext) -> bool:
    return _has_limits(exchange, ctx) and bool(_license_info(exchange)["limits"])  # type: ignore[index]


def _has_nested_license(exchange: Exchange, ctx: GateContext) -> bool:
    nested = (_license_info(exchange) or {}).get("license")
    return isinstance(nested, dict) and isinstance(nested.get("information"), dict)


def _has_no_nested_license(exchange: Exchange, ctx: GateContext) -> bool:
    info = _license_info(exchange)
    return info is not None and "license" not in info


def _has_external_modules(exchange: Exchange, ctx: GateContext) -> bool:
    modules = (_license_info(exchange) or {}).get("externalModules")
    return isinstance(modules, list) and bool(modules)


def _license_rules_in_view(exchange: Exchange, ctx: GateContext) -> bool:
    """The caller can see which limit rules apply: the nested license, or none at all (defaults)."""
    info = _license_info(exchange)
    if info is None or not isinstance(info.get("preventedActions"), dict):
        return False
    if isinstance(info.get("license"), dict):
        return True
    return info.get("hasValidLicense") is False or (
        exchange.caller == PRIVILEGED and info.get("hasValidLicense") is not True
    )


# What a check may need of an answer beyond its status and caller: a test, and the words for it.
FEATURES: dict[str, tuple[Callable[[Exchange, GateContext], bool], str]] = {
    "json": (lambda exchange, ctx: exchange.body is not NOT_JSON, "a JSON body"),
    "documented status": (lambda exchange, ctx: str(exchange.status) in ctx.documented, "a documented status"),
    "limits": (_has_limits, "license.limits"),
    "non-empty limits": (_has_some_limits, "a non-empty license.limits"),
    "nested license": (_has_nested_license, "the nested license (license.license)"),
    "no nested license": (_has_no_nested_license, "no nested license"),
    "external modules": (_has_external_modules, "a non-empty license.externalModules"),
    "license rules in view": (
        _license_rules_in_view,
        "the license's rules in view (the nested license, or a privileged answer without a valid license)",
    ),
}


@dataclass(frozen=True)
class Applies:
    """Which answers a check looks at. Empty means any; every named need must hold."""

    statuses: frozenset[int] = frozenset()
    callers: frozenset[str] = frozenset()
    profiles: frozenset[str] = frozenset()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [need for need in self.needs if need not in FEATURES]
        if unknown:
            raise ValueError(f"unknown applicability need {unknown}")

    def __call__(self, exchange: Exchange, ctx: GateContext) -> bool:
        return (
            (not self.statuses or exchange.status in self.statuses)
            and (not self.callers or exchange.caller in self.callers)
            and (not self.profiles or ctx.profile in self.profiles)
            and all(FEATURES[need][0](exchange, ctx) for need in self.needs)
        )

    def describe(self) -> str:
        """`200 answers to privileged callers with the nested license`; used to say why a check is n/a."""
        statuses = "/".join(str(s) for s in sorted(self.statuses)) + " answers" if self.statuses else "answers"
        parts = [statuses]
        if self.callers:
            parts.append("to " + " or ".join(sorted(self.callers)) + " callers")
        if self.needs:
            parts.append("with " + " and ".join(FEATURES[need][1] for need in self.needs))
        if self.profiles:
            parts.append("under profile " + "/".join(sorted(self.profiles)))
        return " ".join(parts)


ANY = Applies()
CheckFunction = Callable[[Exchange, GateContext], Iterator[Failure]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    applies: Applies
    function: CheckFunction | None = None  # None: run by another engine (Schemathesis)
    engine: str = "gate"  # gate, or schemathesis
    same_as: str | None = None  # our check whose findings this one repeats (merged as "also seen by")
    once: bool = False  # needs to look at one answer only (it probes the server itself)

    @property
    def name(self) -> str:
        """The engine's own name for the check (Schemathesis' function name)."""
        return self.id.split(".", 1)[1] if self.engine == "schemathesis" else self.id


CHECKS: dict[str, Check] = {}


def check(check_id: str, title: str, applies: Applies = ANY) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[check_id] = Check(check_id, title, applies, function)
        return function

    return register


def schemathesis_check(
    name: str, title: str, applies: Applies = ANY, same_as: str | None = None, once: bool = False
) -> None:
    check_id = f"schemathesis.{name}"
    CHECKS[check_id] = Check(check_id, title, applies, None, "schemathesis", same_as, once)


def _snippet(value: Any, limit: int = 64 * 1024) -> str:
    """The value as JSON. Reports mask secrets and then cut to a readable length; this cut, far longer
    than theirs, only bounds memory, so no half secret it leaves can reach a report."""
    text = show(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _at(body: Any, pointer: str) -> Any:
    try:
        return resolve_pointer(body, pointer)
    except (KeyError, IndexError, ValueError, TypeError):
        return None


# --- protocol ------------------------------------------------------------------------------------


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
    if exchange.body is NOT_JSON:
        head = exchange.content[:4096].decode("utf-8", "replace")  # reports cut it shorter, after masking
        yield Failure("json-body", f"body is not JSON ({exchange.parse_error})", exchange, value=show(head))


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


@check("headers", "Headers the profile requires, and complete X-RateLimit-* sets")
def headers_check(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    expected = ctx.contract.profile(ctx.profile).headers.get(str(exchange.status), {})
    for name, value in expected.items():
        got = exchange.headers.get(name.lower())
        if got is None or got.strip().lower() != value.lower():
            yield Failure("headers", f"{name} is {show(got)}, profile {ctx.profile} expects {show(value)}", exchange)
    present = [name for name in RATE_LIMIT_HEADERS if name.lower() in exchange.headers]
    if exchange.status == 429 or present:
        for name in RATE_LIMIT_HEADERS:
            number = exchange.headers.get(name.lower())
            # ASCII digits, at most 15 (epoch milliseconds have 13): not "١٢", not "²", not 5,000 nines.
            if number is None or not re.fullmatch(r"[0-9]{1,15}", number.strip()):
                yield Failure("headers", f"{name} is {show(number)}, expected a whole number", exchange)


# --- semantics a schema cannot express --------------------------------------------------------


@check(
    "semantic.caller-shape",
    "Privileged callers get the five limits; others no nested license and {} limits",
    Applies(statuses=frozenset({200}), callers=frozenset({PRIVILEGED, UNPRIVILEGED}), needs=("limits",)),
)
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


@check(
    "semantic.load-values",
    "Current values on all five limits with loadValues=true, on none otherwise",
    Applies(statuses=frozenset({200}), needs=("non-empty limits",)),
)
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


@check(
    "semantic.external-modules",
    "Every external module is active unless the visible license switched it off",
    Applies(statuses=frozenset({200}), needs=("external modules", "nested license")),
)
def external_modules(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """externalModules lists the license's granted external modules, activeModules the ones in force
    (ee/packages/license: modules.ts, license.ts). A module may be missing from activeModules only when
    the nested license switches it off: a `disable_modules` period not in force now, or a `disable_modules`
    limit rule whose current value is over its max (or unknown, without loadValues). Without the nested
    license those reasons cannot be seen, so nothing is judged."""
    info = _license_info(exchange)
    nested = info.get("license") if info else None
    if info is None or not isinstance(info.get("externalModules"), list) or not isinstance(nested, dict):
        return
    active = info.get("activeModules")
    active_names = {name for name in active if isinstance(name, str)} if isinstance(active, list) else set()
    switched_off = disabled_by_periods(nested)
    limits = _limits_of(info)
    for index, entry in enumerate(info["externalModules"]):
        name = entry.get("module") if isinstance(entry, dict) else None
        if name in active_names or name in switched_off or _limit_may_disable(nested, limits, name):
            continue
        yield Failure(
            "semantic.external-modules",
            f"external module {show(name)} is not in activeModules, and the license switches it off neither by "
            "an elapsed disable_modules period nor by a reached disable_modules limit",
            exchange,
            pointer=f"/license/externalModules/{index}/module",
            value=_snippet(name),
        )


def _limits_of(info: dict[str, Any]) -> dict[str, Any]:
    limits = info.get("limits")
    return limits if isinstance(limits, dict) else {}


def _limit_may_disable(license_: dict[str, Any], limits: dict[str, Any], module: Any) -> bool:
    for kind, rule in disabling_limit_rules(license_):
        modules = rule.get("modules")
        if not isinstance(modules, list) or module not in modules:
            continue
        entry = limits.get(kind)
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or limit_reached(rule, value):
            return True
    return False


@check(
    "semantic.prevented-actions",
    "preventedActions follow the visible limit rules and current values",
    Applies(statuses=frozenset({200}), needs=("license rules in view",)),
)
def prevented_actions(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """Upstream (validateLicenseLimits, validateDefaultLimits): only a `prevent_action` rule with max >= 0
    prevents an action, once the current value reaches its max; without a valid license the rules are
    privateApps 3 and marketplaceApps 5. Judged where the caller sees the rules: the nested license, or
    its absence (a privileged caller without one, or hasValidLicense false). A kind whose verdict depends
    on a value the body does not carry (no loadValues) is judged only when no rule could prevent it.
    roomsPerGuest is counted without a guest, so its value is 0."""
    info = _license_info(exchange)
    reported = info.get("preventedActions") if info else None
    if info is None or not isinstance(reported, dict):
        return
    nested = info.get("license")
    license_: dict[str, Any] | None
    if isinstance(nested, dict):
        license_ = nested
    elif info.get("hasValidLicense") is False or (
        exchange.caller == "privileged" and info.get("hasValidLicense") is not True
    ):
        license_ = None
    else:
        return
    limits = _limits_of(info)
    for kind in LIMIT_KINDS:
        said = reported.get(kind)
        if not isinstance(said, bool):
            continue  # the schema reports it
        entry = limits.get(kind)
        value = NO_GUEST_ROOMS if kind == "roomsPerGuest" else (entry.get("value") if isinstance(entry, dict) else None)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            value = None
        expected = prevented(license_, kind, value)
        if expected is None or expected == said:
            continue
        yield Failure(
            "semantic.prevented-actions",
            f"{kind} is reported {'prevented' if said else 'not prevented'}, but "
            + _prevention_reason(license_, kind, value),
            exchange,
            pointer=f"/license/preventedActions/{kind}",
            value=_snippet(said),
        )


def _prevention_reason(license_: dict[str, Any] | None, kind: str, value: int | float | None) -> str:
    source = "the license's" if license_ is not None else "the no-license default"
    maxima = sorted(r["max"] for r in rules(license_, kind) if r.get("behavior") == "prevent_action" and r["max"] >= 0)
    if not maxima:
        return f"{source} rules have no prevent_action limit for it"
    verb = "reaches" if value is not None and value >= maxima[0] else "is below"
    return f"its current value {value} {verb} {source} prevent_action max {maxima[0]}"


def _wrong_maxima(
    check_id: str, exchange: Exchange, info: dict[str, Any], license_: dict[str, Any] | None, why: str
) -> Iterator[Failure]:
    """Each effective limit's max must be what the server derives from the license (or its absence)."""
    for kind, entry in (info.get("limits") or {}).items():
        expected = max_limit(license_, kind)
        if isinstance(entry, dict) and entry.get("max") != expected:
            yield Failure(
                check_id,
                f"{kind} max is {show(entry.get('max'))}{why} {show(expected)}",
                exchange,
                pointer=f"/license/limits/{kind}/max",
            )


@check(
    "semantic.license-consistency",
    "tags, trial, modules and maxima agree with the nested license",
    Applies(statuses=frozenset({200}), needs=("nested license",)),
)
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
            f"trial is {show(info.get('trial'))} but the license says {show(information['trial'])}",
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
                f"active module {show(module)} is not granted by the license",
                exchange,
                pointer=f"/license/activeModules/{index}",
            )
    yield from _wrong_maxima(name, exchange, info, nested, ", the license's rules give")
    if info.get("hasValidLicense") is False:
        yield Failure(
            name, "a nested license is sent but hasValidLicense is false", exchange, pointer="/license/hasValidLicense"
        )


@check(
    "semantic.no-license-defaults",
    "Without a valid license: defaults (privateApps 3, marketplaceApps 5, -1)",
    Applies(statuses=frozenset({200}), callers=frozenset({PRIVILEGED}), needs=("no nested license",)),
)
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


# --- a 429 met on the way ---------------------------------------------------------------------


@check(
    "rate-limit",
    "A 429 answer keeps the 429 contract (body and X-RateLimit-* headers)",
    Applies(statuses=frozenset({429})),
)
def rate_limit_answer(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """A 429 is never a violation by itself, but its own body and headers must keep the contract."""
    try:
        result = validate(exchange.body, "429", contract=ctx.contract) if exchange.body is not NOT_JSON else None
        problems = [f"{f.pointer or '(root)'}: {f.message}" for f in result.errors] if result else ["not JSON"]
    except (ValueError, RecursionError):
        problems = ["body nested too deep to validate"]
    missing = [name for name in RATE_LIMIT_HEADERS if name.lower() not in exchange.headers]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for problem in problems:
        yield Failure("rate-limit", f"429 answer breaks the contract: {problem}", exchange)


# --- Schemathesis' checks, run by gate/st.py on the same exchanges ------------------------------

schemathesis_check("not_a_server_error", "Schemathesis: no 5xx answers", same_as="status")
schemathesis_check("status_code_conformance", "Schemathesis: every status is documented", same_as="status")
schemathesis_check(
    "content_type_conformance", "Schemathesis: the Content-Type is the documented one", same_as="content-type"
)
schemathesis_check(
    "response_headers_conformance", "Schemathesis: documented headers are present and well-formed", same_as="headers"
)
schemathesis_check(
    "response_schema_conformance",
    "Schemathesis: bodies match the documented schemas",
    Applies(needs=("json", "documented status")),
    same_as="schema",
)
schemathesis_check(
    "ignored_auth",
    "Schemathesis: authentication is enforced (auth-bypass probes)",
    Applies(statuses=frozenset({200}), callers=frozenset({PRIVILEGED})),
    once=True,
)


def run_checks(
    exchange: Exchange, ctx: GateContext, counted: dict[str, int] | None = None, only: tuple[str, ...] | None = None
) -> Iterator[Failure]:
    """Our checks that apply to this exchange; `counted` gains one per check that looked at it."""
    for check_id, registered in CHECKS.items():
        if registered.function is None or (only is not None and check_id not in only):
            continue
        if not registered.applies(exchange, ctx):
            continue
        if counted is not None:
            counted[check_id] = counted.get(check_id, 0) + 1
        yield from registered.function(exchange, ctx)
