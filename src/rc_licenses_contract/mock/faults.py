"""Ways the mock can break the contract on purpose, to prove that gates catch them.

Each fault has a name, one line of description, and the kind of check that should catch it. Reply
faults rewrite the answer the faithful mock would give; behaviour faults are consulted by the
request handler at the step they subvert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class Reply:
    status: int
    body: Any  # JSON value, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    delay: float = 0.0

    def content(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else orjson.dumps(self.body)


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    caught_by: str
    rewrite: Callable[[Reply, dict[str, Any]], Reply] | None = None  # None: a behaviour fault


FAULTS: dict[str, Fault] = {}


def _register(name: str, description: str, caught_by: str) -> Callable[[Callable[[Reply, dict[str, Any]], Reply]], Any]:
    def wrap(function: Callable[[Reply, dict[str, Any]], Reply]) -> Callable[[Reply, dict[str, Any]], Reply]:
        FAULTS[name] = Fault(name, description, caught_by, function)
        return function

    return wrap


def _behaviour(name: str, description: str, caught_by: str) -> None:
    FAULTS[name] = Fault(name, description, caught_by)


def _on_200(reply: Reply, change: Callable[[dict[str, Any]], None]) -> Reply:
    if reply.status == 200 and isinstance(reply.body, dict):
        change(reply.body)
    return reply


@_register("missing-required", "200 bodies lack the required license.trial", "schema")
def _missing_required(reply: Reply, context: dict[str, Any]) -> Reply:
    return _on_200(reply, lambda body: body["license"].pop("trial", None))


@_register("wrong-type", '200 bodies send license.trial as the string "true"', "schema")
def _wrong_type(reply: Reply, context: dict[str, Any]) -> Reply:
    return _on_200(reply, lambda body: body["license"].__setitem__("trial", "true"))


@_register("enum-violation", "200 bodies list an unknown module name in activeModules", "schema")
def _enum_violation(reply: Reply, context: dict[str, Any]) -> Reply:
    return _on_200(reply, lambda body: body["license"]["activeModules"].append("time-travel"))


@_register("extra-field", "200 bodies carry an undocumented license.debug object (drift)", "drift")
def _extra_field(reply: Reply, context: dict[str, Any]) -> Reply:
    return _on_200(reply, lambda body: body["license"].__setitem__("debug", {"cache": "warm"}))


@_register("rooms-per-guest-limit", "privileged 200 bodies include roomsPerGuest among the effective limits", "schema")
def _rooms_per_guest(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        if body["license"]["limits"]:
            body["license"]["limits"]["roomsPerGuest"] = {"max": 1}

    return _on_200(reply, change)


@_register("partial-values", "with loadValues=true only some limits carry a current value", "semantic")
def _partial_values(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        for kind in ("privateApps", "marketplaceApps"):
            body["license"]["limits"].get(kind, {}).pop("value", None)

    return _on_200(reply, change)


@_register("external-not-active", "externalModules names a module that activeModules lacks", "semantic")
def _external_not_active(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        body["license"].setdefault("externalModules", []).append({"module": "chat.rocket.ghost", "external": True})

    return _on_200(reply, change)


@_register("license-leak", "callers without view-privileged-setting also get the nested license", "semantic")
def _license_leak(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        if "license" not in body["license"] and context.get("full_license") is not None:
            body["license"]["license"] = context["full_license"]

    return _on_200(reply, change)


@_register("trial-mismatch", "privileged bodies say trial is the opposite of what the nested license says", "semantic")
def _trial_mismatch(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        if "license" in body["license"]:
            body["license"]["trial"] = not body["license"]["trial"]

    return _on_200(reply, change)


@_register(
    "prevented-actions-flipped",
    "preventedActions.monthlyActiveContacts says the opposite of what the limit rules give",
    "semantic",
)
def _prevented_actions_flipped(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        prevented = body["license"]["preventedActions"]
        prevented["monthlyActiveContacts"] = not prevented["monthlyActiveContacts"]

    return _on_200(reply, change)


@_register(
    "wrong-defaults", "without a valid license, privileged callers see privateApps max 10 instead of 3", "semantic"
)
def _wrong_defaults(reply: Reply, context: dict[str, Any]) -> Reply:
    def change(body: dict[str, Any]) -> None:
        if "license" not in body["license"] and "privateApps" in body["license"]["limits"]:
            body["license"]["limits"]["privateApps"]["max"] = 10

    return _on_200(reply, change)


@_register("wrong-content-type", "answers are JSON but labelled text/plain", "content-type")
def _wrong_content_type(reply: Reply, context: dict[str, Any]) -> Reply:
    reply.media_type = "text/plain; charset=utf-8"
    return reply


@_register("html-200", "answers an HTML error page with status 200", "content-type")
def _html_200(reply: Reply, context: dict[str, Any]) -> Reply:
    return Reply(200, b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>", media_type="text/html")


@_register("server-error", "answers 500 with a JSON error", "status")
def _server_error(reply: Reply, context: dict[str, Any]) -> Reply:
    return Reply(500, {"success": False, "error": "Internal server error"})


@_register("truncated", "answer bodies are cut in half", "body")
def _truncated(reply: Reply, context: dict[str, Any]) -> Reply:
    content = reply.content()
    reply.body = content[: len(content) // 2]
    return reply


@_register("slow", "answers only after --fault-delay seconds (default 3)", "timeout")
def _slow(reply: Reply, context: dict[str, Any]) -> Reply:
    reply.delay = float(context.get("fault_delay", 3.0))
    return reply


@_register("bad-401", "401 bodies lack the required message", "schema")
def _bad_401(reply: Reply, context: dict[str, Any]) -> Reply:
    if reply.status == 401 and isinstance(reply.body, dict):
        reply.body.pop("message", None)
    return reply


@_register("missing-cache-headers", "8.x answers lack Cache-Control: no-store and Pragma: no-cache", "headers")
def _missing_cache_headers(reply: Reply, context: dict[str, Any]) -> Reply:
    for name in context["profile_headers"]:
        reply.headers.pop(name, None)
    return reply


@_register("garbled-rate-limit-headers", 'the remaining-calls header is the word "lots", not a number', "headers")
def _garbled_rate_limit_headers(reply: Reply, context: dict[str, Any]) -> Reply:
    remaining = context["rate_limit"].remaining
    if remaining in reply.headers:
        reply.headers[remaining] = "lots"
    return reply


@_register("echo-credentials", "200 bodies echo the caller's credential headers (drift; tests redaction)", "drift")
def _echo_credentials(reply: Reply, context: dict[str, Any]) -> Reply:
    credentials = context.get("credentials", {})
    return _on_200(reply, lambda body: body["license"].__setitem__("echo", dict(credentials)))


@_register("rate-limit-headers-missing", "rate-limited answers lack the rate-limit headers", "headers")
def _rate_limit_headers_missing(reply: Reply, context: dict[str, Any]) -> Reply:
    for name in context["rate_limit"].names:
        reply.headers.pop(name, None)
    return reply


_behaviour("no-auth", "requests without credentials are answered 200 (as an ordinary user)", "auth")
_behaviour("ignore-unknown-params", "unknown query parameters and bad loadValues spellings get 200, not 400", "query")
_behaviour("validate-before-auth", "a bad query from an anonymous caller gets 400 instead of 401", "order")
_behaviour("permission-403", "callers without view-privileged-setting get 403, as the docs page claims", "status")


def describe() -> str:
    width = max(len(name) for name in FAULTS)
    return "\n".join(f"{f.name:<{width}}  {f.description} (caught by: {f.caught_by})" for f in FAULTS.values())
