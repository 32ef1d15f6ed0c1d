"""The check registry: what an exchange is, what a failure is, when a check applies, and CHECKS itself.

A check of ours gets one exchange (a request the gate sent and what came back) and the run's context,
and yields Failure objects; it never prints. A Schemathesis check is registered with its applicability
only; gate/st.py runs it. Everything that lists checks (the run, the report, the pytest plugin) reads
CHECKS: there is no second list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ...loader import Contract, resolve_pointer

NOT_JSON = object()
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

    def flag_set(self, names: tuple[str, ...]) -> bool:
        """Whether the query sets one of these boolean parameters to true."""
        pairs = self.query.split("&")
        return any(f"{name}=true" in pairs for name in names)


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
