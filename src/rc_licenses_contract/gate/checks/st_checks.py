"""Schemathesis' checks, registered with their applicability; gate/st.py runs them on the same exchanges."""

from __future__ import annotations

from .registry import PRIVILEGED, Applies, schemathesis_check

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
