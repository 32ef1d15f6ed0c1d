"""The gate's checks: one registry of small units, ours and Schemathesis', each with an id, a title and
the answers it applies to.

- registry.py: Exchange, Failure, GateContext, applicability (Applies), CHECKS and run_checks;
- protocol.py: status, content type, JSON, response time, schema, drift, headers;
- semantic.py: what the license rules say a body must hold;
- rate_limit.py: a 429 met on the way;
- st_checks.py: Schemathesis' checks (run by gate/st.py).

Importing this package registers them all, in that order (the order reports list them in).
"""

from __future__ import annotations

# isort: off
from . import protocol, semantic, rate_limit, st_checks  # noqa: F401  (registers them, in this order)

# isort: on
from .protocol import headers_check
from .registry import (
    ANY,
    CHECKS,
    FEATURES,
    NOT_JSON,
    PRIVILEGED,
    UNPRIVILEGED,
    Applies,
    Check,
    CheckFunction,
    Exchange,
    Failure,
    GateContext,
    check,
    run_checks,
    schemathesis_check,
    show,
)
from .semantic import external_modules, prevented_actions

__all__ = [
    "ANY",
    "CHECKS",
    "FEATURES",
    "NOT_JSON",
    "PRIVILEGED",
    "UNPRIVILEGED",
    "Applies",
    "Check",
    "CheckFunction",
    "Exchange",
    "Failure",
    "GateContext",
    "check",
    "external_modules",
    "headers_check",
    "prevented_actions",
    "run_checks",
    "schemathesis_check",
    "show",
]
