"""Exploration: Schemathesis' auth probes, then its positive and negative queries, while the budget and
time last. What a generated query must get is read from the contract's query parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from ..loader import Contract
from .checks import CHECKS, PRIVILEGED, UNPRIVILEGED
from .result import AUTH_PROBES, BUDGET, FINISHED, NEGATIVE_QUERY, NOT_RUN, POSITIVE, TIME, TURNED_OFF
from .session import BudgetExhausted, DeadlineReached

if TYPE_CHECKING:
    from .run import _Run

# Invalid queries are also sent anonymously (401 must come first), but only a sample: authentication does
# not look at the query, so a few show the order as well as all of them would. Rocket.Chat never rate
# limits a 401 (it carries no rate-limit headers); a server that does gets one, to spare its window.
ANONYMOUS_NEGATIVE_SAMPLE, ANONYMOUS_NEGATIVE_SAMPLE_LIMITED = 5, 1


def query_is_valid(query: str, contract: Contract) -> bool:
    """What the route accepts: only declared query parameters, each at most once, booleans spelled
    true or false (the route validates its query with additionalProperties: false)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    booleans = contract.boolean_parameters()
    return len(set(names)) == len(names) and all(
        name in contract.query_parameters and (name not in booleans or value in ("true", "false"))
        for name, value in pairs
    )


def unambiguous(query: str) -> str:
    """A generated query without the parameters the server's query parser reads its own way.

    Rocket.Chat parses queries with `qs`: an empty name is dropped and `name[...]` builds arrays
    (accepted for array-coercible parameters from 8.6), so what such a query must get depends on the
    server's version.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if name and "[" not in name and "]" not in name]
    return urlencode(kept)


def explore(run: _Run) -> None:
    """Auth probes, then Schemathesis' positive and negative queries, while the budget and time last.

    Cut short by the budget or the time, it is reported, not failed (unless --exploration-must-finish).
    """
    exploration = run.result.exploration
    if run.adapter is None:
        exploration.stopped = TURNED_OFF
        return
    if run.result.stop_reason:
        exploration.stopped = NOT_RUN
        return
    try:
        auth_probes(run)
        numbers: dict[str, int] = {}
        for kind, caller, query, expected in plan(run):
            run.kind = kind
            numbers[kind] = numbers.get(kind, 0) + 1
            run.inspect(*run.send(f"{kind} #{numbers[kind]}", caller, query, expected))
        exploration.stopped = FINISHED
    except BudgetExhausted as exc:
        exploration.stopped, exploration.detail = BUDGET, str(exc)
    except DeadlineReached as exc:
        exploration.stopped, exploration.detail = TIME, str(exc)
    finally:
        run.kind = "interaction"
    if exploration.cut_short:
        for check in CHECKS.values():
            if check.once and not run.examined.get(check.id):
                run.not_reached[check.id] = f"exploration cut short before it finished: {exploration.detail}"


def auth_probes(run: _Run) -> None:
    """Schemathesis' auth-bypass check, once, from a privileged 200: it sends its own probes."""
    assert run.ctx is not None
    for check in (c for c in CHECKS.values() if c.once and c.engine == "schemathesis"):
        source = next(((e, r) for e, r in run.exchanges if check.applies(e, run.ctx)), None)
        if source is None:
            continue
        # Schemathesis' ignored_auth asks without credentials, then once per security-scheme header, set wrong.
        run.result.exploration.planned[AUTH_PROBES] = 1 + len(run.adapter.credential_headers)
        run.kind = AUTH_PROBES
        failures = list(run.adapter.check([check.id], *source))  # raises GateStop if its probes are cut
        run.examined[check.id] = run.examined.get(check.id, 0) + 1
        run.record(failures)


def plan(run: _Run) -> list[tuple[str, str, str, int]]:
    """The distinct requests exploration will make, in order: (kind, caller, query, expected status)."""
    exploration = run.result.exploration
    options = run.options
    deadline = run.session.deadline  # generation takes time too: it ends where the run's time ends
    positives = run.adapter.draw(False, options.examples, options.seed, deadline)
    negatives = run.adapter.draw(True, options.examples, options.seed, deadline)
    exploration.generated = {POSITIVE: len(positives), NEGATIVE_QUERY: len(negatives)}
    callers = [c for c in (PRIVILEGED, UNPRIVILEGED) if run.caller_headers(c) is not None]
    plan: list[tuple[str, str, str, int]] = []
    seen = set(run.made)
    anonymous, sample = 0, anonymous_sample(run)
    for query in [unambiguous(q) for q in positives + negatives]:
        if query_is_valid(query, run.contract):
            wanted = [(POSITIVE, caller, query, 200) for caller in callers]
        else:  # invalid: 400 for a caller who is let in, and 401 first for one who is not
            wanted = [(NEGATIVE_QUERY, PRIVILEGED, query, 400)]
            if anonymous < sample and ("anonymous", query) not in seen:
                wanted.append((NEGATIVE_QUERY, "anonymous", query, 401))
                anonymous += 1
        for kind, caller, text, expected in wanted:
            if (caller, text) not in seen:
                seen.add((caller, text))
                plan.append((kind, caller, text, expected))
    plan.sort(key=lambda item: item[0] != POSITIVE)  # the few positive ones first
    for kind, *_ in plan:
        exploration.planned[kind] = exploration.planned.get(kind, 0) + 1
    return plan


def anonymous_sample(run: _Run) -> int:
    remaining = run.contract.rate_limit_headers().remaining.lower()
    limited = any(e.caller == "anonymous" and remaining in e.headers for e, _ in run.exchanges)
    return ANONYMOUS_NEGATIVE_SAMPLE_LIMITED if limited else ANONYMOUS_NEGATIVE_SAMPLE
