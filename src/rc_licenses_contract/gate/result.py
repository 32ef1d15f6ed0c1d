"""What a gate run produced, as plain data: options in, outcomes and findings out. No I/O here.

run.py fills a GateResult; report.py (text, JSON, JUnit, GitHub) and the pytest plugin read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import CHECKS, Exchange, Failure

# Check and interaction states, as the reports name them.
PASSED, FAILED, WARNED, NOT_APPLICABLE, NOT_CHECKED, SKIPPED, OK = (
    "passed",
    "failed",
    "warned",
    "not applicable",
    "not checked",
    "skipped",
    "ok",
)
# Exploration kinds and why an exploration stopped.
POSITIVE, NEGATIVE_QUERY, AUTH_PROBES = "positive", "negative query", "auth probes"
FINISHED, BUDGET, TIME, NOT_RUN, TURNED_OFF = "finished", "budget", "time", "not run", "turned off"
WRONG_TOKEN = "rc-gate-wrong-token-0000000000000000"  # the wrong-token caller's token: deliberately no secret


@dataclass(frozen=True)
class Credentials:
    # repr=False: a traceback, a debugger or pytest's -l never shows the values.
    user_id: str = field(repr=False)
    auth_token: str = field(repr=False)

    def values(self) -> tuple[str, str]:
        """Both secret values (the header names come from the contract's security schemes)."""
        return self.user_id, self.auth_token


@dataclass(frozen=True)
class MockTarget:
    """How `gate --mock` started its mock, so that reproduce lines can start the same one."""

    command: str  # e.g. "rc-licenses-contract mock --scenario community --server-version 6 --seed 0"
    description: str  # e.g. "bundled mock: scenario community, version 6"


@dataclass
class GateOptions:
    base_url: str
    privileged: Credentials
    unprivileged: Credentials | None = None
    profile: str | None = None  # None: from the server version
    strict: bool = False
    server_version: str | None = None  # "6", "7", "8"; None: ask GET /api/info
    seed: int = 0
    max_requests: int = 10
    min_interval: float = 0.0
    timeout: float = 180.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_response_time: float = 2.0
    insecure: bool = False
    schemathesis: bool = True
    examples: int = 25  # cases drawn per generation mode (the budget decides how many are sent)
    exploration_must_finish: bool = False  # a budget- or time-cut exploration is then incomplete (exit 3)
    wait_for: float = 0.0  # seconds to keep retrying until the workspace answers
    root: Path | None = None
    mock: MockTarget | None = None

    @property
    def target_note(self) -> str:
        return self.mock.description if self.mock else ""


@dataclass
class InteractionOutcome:
    id: str
    title: str
    caller: str
    query: str
    state: str  # ok, failed, skipped, not checked
    status: int | None = None
    note: str = ""


@dataclass
class CheckOutcome:
    id: str
    title: str
    state: str  # passed, failed, warned, not applicable, not checked, skipped
    examined: int = 0  # answers it looked at
    findings: int = 0  # defects it saw (merged ones included)
    note: str = ""


@dataclass
class Finding:
    """One defect: every sighting of the same (check, pointer, keyword, message), with where it was seen."""

    check: str
    message: str
    severity: str
    pointer: str | None = None
    keyword: str | None = None
    value: Any = None
    occurrences: list[Exchange] = field(default_factory=list)
    also_seen_by: list[str] = field(default_factory=list)

    @classmethod
    def first(cls, failure: Failure) -> Finding:
        found = cls(failure.check, failure.message, failure.severity, failure.pointer, failure.keyword, failure.value)
        found.add(failure.exchange)
        return found

    def add(self, exchange: Exchange | None) -> None:
        if exchange is not None and not any(e is exchange for e in self.occurrences):
            self.occurrences.append(exchange)

    @property
    def exchange(self) -> Exchange | None:
        return self.occurrences[0] if self.occurrences else None


@dataclass
class Exploration:
    """What the generated part of the run did: cases drawn, requests made by kind, and why it stopped."""

    generated: dict[str, int] = field(default_factory=dict)  # kind -> cases drawn
    sent: dict[str, int] = field(default_factory=dict)  # kind -> requests that reached the server
    replayed: dict[str, int] = field(default_factory=dict)  # kind -> answered from the run's replay cache
    planned: dict[str, int] = field(default_factory=dict)  # kind -> distinct requests it meant to make
    stopped: str = NOT_RUN  # finished, budget, time, not run, turned off
    detail: str = ""  # the stop's own words

    @property
    def made(self) -> dict[str, int]:
        kinds = {*self.sent, *self.replayed}
        return {kind: self.sent.get(kind, 0) + self.replayed.get(kind, 0) for kind in kinds}

    @property
    def cut_short(self) -> bool:
        return self.stopped in (BUDGET, TIME)

    @property
    def not_made(self) -> int:
        made = self.made
        return sum(max(0, n - made.get(kind, 0)) for kind, n in self.planned.items())


@dataclass
class GateResult:
    options: GateOptions
    server_version: str | None = None
    version_source: str = "unknown"
    profile: str = "default"
    interactions: list[InteractionOutcome] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    exploration: Exploration = field(default_factory=Exploration)
    not_checked: list[str] = field(default_factory=list)
    stop_reason: str | None = None
    requests_sent: int = 0
    replayed: int = 0
    waited: float = 0.0  # seconds spent waiting for the workspace to answer (--wait-for)
    elapsed: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def checked_anything(self) -> bool:
        return any(c.examined for c in self.checks)

    @property
    def incomplete_reason(self) -> str | None:
        """Why the run cannot vouch for the contract (exit 3), or None."""
        if self.stop_reason:
            return self.stop_reason
        if self.not_checked:
            return self.not_checked[0]
        if not self.checked_anything:
            return "nothing was checked"
        if self.options.exploration_must_finish and self.exploration.cut_short:
            return f"exploration cut short: {self.exploration.detail} (--exploration-must-finish)"
        return None

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 1
        return 3 if self.incomplete_reason else 0

    def outcome(self, check_id: str) -> CheckOutcome:
        return next(c for c in self.checks if c.id == check_id)

    def findings_of(self, check_id: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check_id or check_id in f.also_seen_by]


def check_ids() -> list[str]:
    """Every check id, in report order: the registry's."""
    return list(CHECKS)
