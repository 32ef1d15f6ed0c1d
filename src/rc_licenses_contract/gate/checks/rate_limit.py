"""A 429 met on the way: never a violation by itself, but it keeps the 429 contract."""

from __future__ import annotations

from collections.abc import Iterator

from ...loader import RATE_LIMITED
from ...validation import validate
from .registry import NOT_JSON, Applies, Exchange, Failure, GateContext, check


@check(
    "rate-limit",
    "A 429 answer keeps the 429 contract (body and rate-limit headers)",
    Applies(statuses=frozenset({int(RATE_LIMITED)})),
)
def rate_limit_answer(exchange: Exchange, ctx: GateContext) -> Iterator[Failure]:
    """A 429 is never a violation by itself, but its own body and headers must keep the contract."""
    try:
        result = validate(exchange.body, RATE_LIMITED, contract=ctx.contract) if exchange.body is not NOT_JSON else None
        problems = [f"{f.pointer or '(root)'}: {f.message}" for f in result.errors] if result else ["not JSON"]
    except (ValueError, RecursionError):
        problems = ["body nested too deep to validate"]
    missing = [name for name in ctx.contract.rate_limit_headers().names if name.lower() not in exchange.headers]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for problem in problems:
        yield Failure("rate-limit", f"429 answer breaks the contract: {problem}", exchange)
