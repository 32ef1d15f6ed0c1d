"""The mock behaves like the server and serves only bodies that pass our own schemas."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from rc_licenses_contract.loader import Contract
from rc_licenses_contract.mock.app import MockConfig, create_app
from rc_licenses_contract.mock.faults import FAULTS
from rc_licenses_contract.mock.model import load_scenarios
from rc_licenses_contract.mock.runner import running_mock
from rc_licenses_contract.validation import validate

from .conftest import REPO, cli_env
from .mockutil import PATH, USERS, auth, get


@pytest.fixture(scope="module")
def unlimited() -> Iterator[str]:
    with running_mock(MockConfig(rate_limit=None, root=REPO)) as base:
        yield base


def test_every_scenario_version_caller_and_load_values_is_valid(unlimited: str, contract: Contract) -> None:
    scenarios = load_scenarios(contract)
    checked = 0
    for scenario, version, user, load_values in itertools.product(scenarios, "678", USERS, (False, True)):
        answer = get(
            unlimited, user, "loadValues=true" if load_values else "", f"scenario={scenario}, version={version}"
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        body = answer.json()
        for profile in ("default", "8") if version == "8" else ("default",):
            result = validate(body, "200", profile, strict=True)
            assert result.valid, (scenario, version, user, load_values, profile, result.errors)
        privileged = user != "user"
        assert ("license" in body["license"]) == (privileged and scenario not in ("community", "expired"))
        limits = body["license"]["limits"]
        assert (limits == {}) == (not privileged)
        assert all(("value" in entry) == load_values for entry in limits.values())
        assert ("externalModules" in body["license"]) == (version != "6")
        assert ("hasValidLicense" in body["license"]) == (version == "8")
        checked += 1
    assert checked == len(scenarios) * 3 * 3 * 2


@pytest.mark.parametrize(
    ("prefer", "user", "query", "example"),
    [
        ("scenario=enterprise-trial, version=6", "admin", "", "seed-trial-6x"),
        ("scenario=enterprise-trial, version=6", "admin", "loadValues=true", "load-values-6x"),
        ("scenario=community, version=8", "admin", "", "privileged-no-license-8x"),
        ("scenario=enterprise-trial, version=8", "user", "", "unprivileged-8x"),
        ("scenario=enterprise, version=8", "auditor", "", "enterprise-8x"),
        ("scenario=enterprise, version=8", "admin", "", "cloud-announcement-8x"),
    ],
)
def test_bodies_are_the_contract_examples(
    unlimited: str, contract: Contract, prefer: str, user: str, query: str, example: str
) -> None:
    assert get(unlimited, user, query, prefer).json() == contract.examples[example].value


@pytest.mark.parametrize("version", ["6", "7", "8"])
def test_unauthorized_forms_per_version(unlimited: str, version: str) -> None:
    prefer = f"version={version}"
    for headers in (
        {},
        {"X-User-Id": "rc-demo-admin"},
        {"X-Auth-Token": "demo-admin-token"},
        {"X-User-Id": "rc-demo-admin", "X-Auth-Token": "wrong"},
    ):
        answer = get(unlimited, None, prefer=prefer, **headers)
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/json"
        body = answer.json()
        assert body["status"] == "error" and body["message"]
        assert validate(body, "401", "8" if version == "8" else "default").valid
        assert ("success" in body) == (version != "6")


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("loadValues=1", "must be boolean"),
        ("loadValues=0", "must be boolean"),
        ("loadValues=yes", "must be boolean"),
        ("loadValues=", "must be boolean"),
        ("loadValues", "must be boolean"),
        ("loadValues=TRUE", "must be boolean"),
        ("loadValues=true&loadValues=false", "must be boolean"),
        ("loadValues=true&loadValues=true", "must be boolean"),
        ("foo=bar", "must NOT have additional properties"),
        ("loadValues=true&x=1", "must NOT have additional properties"),
        ("loadValues=yes&x=1", "must NOT have additional properties"),
    ],
)
@pytest.mark.parametrize("version", ["6", "7", "8"])
def test_bad_queries_get_400_in_ajvs_words_after_authentication(
    unlimited: str, query: str, reason: str, version: str
) -> None:
    answer = get(unlimited, "admin", query, f"version={version}")
    assert answer.status_code == 400
    body = answer.json()
    assert validate(body, "400", "8" if version == "8" else "default").valid
    if version == "8":  # the typed route: the router's words
        assert body == {"success": False, "error": reason, "errorType": "error-invalid-params"}
    else:  # addRoute: Meteor.Error('invalid-params', reason)
        assert body == {"success": False, "error": f"{reason} [invalid-params]", "errorType": "invalid-params"}
    assert get(unlimited, None, query, f"version={version}").status_code == 401, "authentication runs first"


BRACKET_FORMS = ["loadValues[]=true", "loadValues%5B%5D=true", "loadValues[0]=true", "loadValues%5B0%5D=true"]


@pytest.mark.parametrize("query", BRACKET_FORMS)
def test_bracket_forms_are_coerced_on_8_and_refused_before(unlimited: str, query: str) -> None:
    """8.6 and later parse `loadValues[]=true` into an array of one and coerce it; 6.x and 7.x see an unknown name."""
    eight = get(unlimited, "admin", query, "version=8")
    assert eight.status_code == 200
    assert all("value" in entry for entry in eight.json()["license"]["limits"].values())
    assert validate(eight.json(), "200", "8", strict=True).valid
    for version in ("6", "7"):
        refused = get(unlimited, "admin", query, f"version={version}")
        assert refused.status_code == 400
        assert refused.json()["error"] == "must NOT have additional properties [invalid-params]"
    off = get(unlimited, "admin", query.replace("true", "false"), "version=8").json()["license"]["limits"]
    assert not any("value" in entry for entry in off.values())


@pytest.mark.parametrize(
    "query",
    [
        "loadValues[]=true&loadValues[]=false",
        "loadValues[]=yes",
        "loadValues[x]=true",
        "loadValues[]=true&loadValues=true",
    ],
)
def test_bracket_forms_that_are_not_one_boolean_are_400_on_8(unlimited: str, query: str) -> None:
    answer = get(unlimited, "admin", query, "version=8")
    assert answer.status_code == 400 and answer.json()["error"] == "must be boolean"


def test_a_query_the_router_cannot_parse_gets_400_without_error_type(unlimited: str, contract: Contract) -> None:
    too_many = "&".join(["loadValues[]=true"] * 501)
    answer = get(unlimited, "admin", too_many, "version=8")
    assert answer.status_code == 400
    assert answer.json() == contract.examples["bad-request-unparsable-8x"].value
    assert validate(answer.json(), "400", "8").valid
    parsed = get(unlimited, "admin", "&".join(["loadValues[]=true"] * 500), "version=8")
    assert parsed.json()["error"] == "must be boolean", "500 items parse; an array of several is not one boolean"


def test_good_spellings_and_headers(unlimited: str) -> None:
    assert get(unlimited, "admin", "loadValues=false").json()["license"]["limits"]["activeUsers"] == {"max": -1}
    eight = get(unlimited, "admin", prefer="version=8")
    assert eight.headers["cache-control"] == "no-store" and eight.headers["pragma"] == "no-cache"
    six = get(unlimited, "admin", prefer="version=6")
    assert "cache-control" not in six.headers


def test_rate_limiter() -> None:
    with running_mock(MockConfig(rate_limit=(3, 60.0), root=REPO)) as base:
        started_ms = time.time() * 1000
        answers = [get(base, "user") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert all(a.headers["x-ratelimit-limit"] == "3" for a in answers)
        reset = int(answers[-1].headers["x-ratelimit-reset"])
        assert started_ms + 59_000 < reset < started_ms + 61_000, "Reset is epoch milliseconds"
        assert "retry-after" not in answers[-1].headers
        body = answers[-1].json()
        assert validate(body, "429").valid and "You must wait" in body["error"]
        assert get(base, "auditor").status_code == 429, "per client and route, not per user"
        assert get(base, "admin").status_code == 200, "api-bypass-rate-limit is not limited"
        assert "x-ratelimit-limit" not in get(base, "admin").headers


RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.mark.parametrize("version", ["6", "7", "8"])
def test_authentication_comes_before_the_rate_limiter(version: str) -> None:
    """A 401 is never counted, never answered 429 and carries no X-RateLimit-* (the limiter is in the action)."""
    prefer = f"version={version}"
    with running_mock(MockConfig(rate_limit=(3, 60.0), root=REPO)) as base:
        rejected = [get(base, None, prefer=prefer) for _ in range(8)]
        rejected += [
            get(base, None, prefer=prefer, **{"X-User-Id": "rc-demo-user", "X-Auth-Token": "x"}) for _ in range(4)
        ]
        rejected += [get(base, None, "loadValues=yes", prefer) for _ in range(3)]
        assert [a.status_code for a in rejected] == [401] * 15
        assert not any(name in a.headers for a in rejected for name in RATE_LIMIT_HEADERS)
        user = get(base, "user", prefer=prefer)
        assert user.status_code == 200 and user.headers["x-ratelimit-remaining"] == "2", "no 401 was counted"


def test_8x_401_comes_from_authentication_with_json_content_type_only() -> None:
    with running_mock(MockConfig(rate_limit=(3, 60.0), root=REPO)) as base:
        unauthorized = get(base, None, prefer="version=8")
        assert unauthorized.status_code == 401
        assert unauthorized.headers["content-type"] == "application/json"
        for name in ("cache-control", "pragma", *RATE_LIMIT_HEADERS):
            assert name not in unauthorized.headers, name
        assert validate(unauthorized.json(), "401", "8").valid
        ok = get(base, "user", prefer="version=8")
        assert ok.headers["cache-control"] == "no-store" and ok.headers["pragma"] == "no-cache"


@pytest.mark.parametrize("limiter", [None, (10, 60.0)])
def test_a_forced_429_carries_all_three_rate_limit_headers(limiter: tuple[int, float] | None) -> None:
    with running_mock(MockConfig(rate_limit=limiter, root=REPO)) as base:
        started_ms = time.time() * 1000
        for user in ("admin", "user", None):
            answer = get(base, user, prefer="code=429")
            assert answer.status_code == 429 and validate(answer.json(), "429").valid
            assert answer.headers["x-ratelimit-limit"] == "10"
            assert answer.headers["x-ratelimit-remaining"] == "0"
            assert started_ms < int(answer.headers["x-ratelimit-reset"]) < started_ms + 61_000


@pytest.mark.parametrize("version", ["6", "7"])
def test_add_route_versions_count_a_400_and_send_the_headers(version: str) -> None:
    """6.x/7.x (addRoute): the limiter runs before query validation; a limited caller gets 429 even for a bad query."""
    with running_mock(MockConfig(rate_limit=(2, 60.0), root=REPO)) as base:
        answers = [get(base, "user", "loadValues=yes", f"version={version}") for _ in range(3)]
        assert [a.status_code for a in answers] == [400, 400, 429]
        assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["1", "0", "0"]


def test_the_typed_8x_route_validates_the_query_before_the_limiter() -> None:
    with running_mock(MockConfig(rate_limit=(2, 60.0), root=REPO)) as base:
        bad = [get(base, "user", "loadValues=yes", "version=8") for _ in range(4)]
        assert [a.status_code for a in bad] == [400] * 4
        assert not any(name in a.headers for a in bad for name in RATE_LIMIT_HEADERS)
        assert all(a.headers["cache-control"] == "no-store" for a in bad), "the router's answer"
        good = get(base, "user", prefer="version=8")
        assert good.status_code == 200 and good.headers["x-ratelimit-remaining"] == "1", "no 400 was counted"


def _expected_prevented(license_: dict[str, Any] | None, values: dict[str, int]) -> dict[str, bool]:
    """Upstream's rule, written out independently: without a license privateApps 3 and marketplaceApps 5
    (prevent_action); only prevent_action rules with max >= 0 prevent, once the value reaches the max."""
    rules: dict[str, Any] = (
        license_["limits"]
        if license_
        else {
            "privateApps": [{"max": 3, "behavior": "prevent_action"}],
            "marketplaceApps": [{"max": 5, "behavior": "prevent_action"}],
        }
    )
    counts = {**values, "roomsPerGuest": 0}
    return {
        kind: any(
            rule["behavior"] == "prevent_action" and 0 <= rule["max"] <= counts[kind] for rule in rules.get(kind, [])
        )
        for kind in (
            "activeUsers",
            "guestUsers",
            "roomsPerGuest",
            "privateApps",
            "marketplaceApps",
            "monthlyActiveContacts",
        )
    }


def test_prevented_actions_follow_upstreams_rules_in_every_scenario(unlimited: str, contract: Contract) -> None:
    scenarios = load_scenarios(contract)
    for name, scenario in scenarios.items():
        body = get(unlimited, "admin", "loadValues=true", f"scenario={name}, version=8").json()["license"]
        values = {kind: entry["value"] for kind, entry in body["limits"].items()}
        license_ = scenario.license if scenario.has_valid_license else None
        assert body["preventedActions"] == _expected_prevented(license_, values), name
        unprivileged = get(unlimited, "user", "", f"scenario={name}, version=8").json()["license"]
        assert unprivileged["preventedActions"] == body["preventedActions"], "the caller does not change the verdict"
    expired = get(unlimited, "admin", "loadValues=true", "scenario=expired").json()["license"]
    assert expired["limits"]["marketplaceApps"] == {"max": 5, "value": 6}
    assert expired["preventedActions"]["marketplaceApps"] is True, "the default rule prevents without a license"
    reseller = get(unlimited, "admin", "loadValues=true", "scenario=offline-reseller").json()["license"]
    assert reseller["limits"]["marketplaceApps"] == {"max": 5, "value": 5}
    assert reseller["preventedActions"]["marketplaceApps"] is False, "prevent_installation prevents no action"
    reached = get(unlimited, "admin", "loadValues=true", "scenario=limit-reached").json()["license"]
    assert reached["preventedActions"]["activeUsers"] is True and reached["limits"]["activeUsers"]["value"] == 500


def test_no_scenario_marked_valid_breaks_a_limit_that_invalidates_the_license(contract: Contract) -> None:
    """Upstream invalidates a license whose invalidate_license or prevent_installation limit is exceeded
    (value over max); a scenario that says `valid` must not contradict that."""
    checked = 0
    for name, scenario in load_scenarios(contract).items():
        if not scenario.has_valid_license:
            continue
        assert scenario.license is not None
        for kind, rules in scenario.license["limits"].items():
            for rule in rules:
                if rule["behavior"] in ("invalidate_license", "prevent_installation") and kind in scenario.usage:
                    assert not 0 <= rule["max"] < scenario.usage[kind], (name, kind, rule)
                    checked += 1
    assert checked >= 4


def test_modules_switched_off_stay_in_external_modules(unlimited: str) -> None:
    body = get(unlimited, "admin", "loadValues=true", "scenario=modules-disabled, version=8").json()
    info = body["license"]
    external = [entry["module"] for entry in info["externalModules"]]
    assert external == ["chat.rocket.whatsapp-premium", "chat.rocket.sms-gateway"]
    assert "chat.rocket.whatsapp-premium" not in info["activeModules"], "switched off by an elapsed period"
    assert "chat.rocket.sms-gateway" not in info["activeModules"], "switched off by a reached disable_modules limit"
    assert "outbound-messaging" not in info["activeModules"] and "auditing" in info["activeModules"]
    assert validate(body, "200", "8", strict=True).valid
    seven = get(unlimited, "user", "", "scenario=modules-disabled, version=7").json()["license"]
    assert [entry["module"] for entry in seven["externalModules"]] == external


def test_rate_limit_window_resets() -> None:
    with running_mock(MockConfig(rate_limit=(1, 0.5), root=REPO)) as base:
        assert get(base, "user").status_code == 200
        assert get(base, "user").status_code == 429
        time.sleep(0.6)
        assert get(base, "user").status_code == 200


def test_unknown_paths_and_methods(unlimited: str) -> None:
    missing = requests.get(f"{unlimited}/api/v1/licenses.nope", timeout=5)
    assert missing.status_code == 404 and missing.json()["success"] is False
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = requests.request(method, f"{unlimited}{PATH}", headers=auth("admin"), timeout=5)
        assert answer.status_code == 405 and answer.headers["allow"] == "GET"
    info = requests.get(f"{unlimited}/api/info", headers=auth("user"), timeout=5).json()
    assert info == {"version": "8.8.1", "success": True}
    assert requests.get(f"{unlimited}/api/info", timeout=5).json() == {"success": True}


def test_steering_header(unlimited: str, contract: Contract) -> None:
    for code in ("400", "401", "429"):
        answer = get(unlimited, "admin", prefer=f"code={code}")
        assert answer.status_code == int(code) and validate(answer.json(), code).valid
    assert get(unlimited, "admin", prefer="scenario=community").json()["license"]["hasValidLicense"] is False
    bad = get(unlimited, "admin", prefer="scenario=nope")
    assert bad.status_code == 400 and "scenario='nope'" in bad.json()["error"]
    assert get(unlimited, "admin", prefer="colour=blue").status_code == 400


def test_seed_makes_dynamic_values_reproducible() -> None:
    def values(seed: int) -> list[int]:
        with running_mock(MockConfig(rate_limit=None, seed=seed, root=REPO)) as base:
            answers = [get(base, "admin", "loadValues=true", "dynamic=true").json() for _ in range(3)]
        return [a["license"]["limits"][k]["value"] for a in answers for k in ("activeUsers", "guestUsers")]

    assert values(1) == values(1)
    assert values(1) != values(2)


# --- faults ---------------------------------------------------------------------------------------


def _fault(
    base: str, name: str, user: str | None = "admin", query: str = "loadValues=true", **kw: str
) -> requests.Response:
    return get(base, user, query, f"fault={name}, scenario=enterprise, version=8", **kw)


def test_every_fault_breaks_the_contract(unlimited: str) -> None:
    def invalid(answer: requests.Response, response: str = "200", strict: bool = False) -> bool:
        return not validate(answer.json(), response, strict=strict).valid

    checks: dict[str, Callable[[], bool]] = {
        "missing-required": lambda: invalid(_fault(unlimited, "missing-required")),
        "wrong-type": lambda: invalid(_fault(unlimited, "wrong-type")),
        "enum-violation": lambda: invalid(_fault(unlimited, "enum-violation")),
        "extra-field": lambda: (
            invalid(_fault(unlimited, "extra-field"), strict=True) and not invalid(_fault(unlimited, "extra-field"))
        ),
        "rooms-per-guest-limit": lambda: invalid(_fault(unlimited, "rooms-per-guest-limit")),
        "partial-values": lambda: (
            len({"value" in v for v in _fault(unlimited, "partial-values").json()["license"]["limits"].values()}) == 2
        ),
        "external-not-active": lambda: (
            not {m["module"] for m in _fault(unlimited, "external-not-active").json()["license"]["externalModules"]}
            <= set(_fault(unlimited, "external-not-active").json()["license"]["activeModules"])
        ),
        "license-leak": lambda: "license" in _fault(unlimited, "license-leak", "user").json()["license"],
        "trial-mismatch": lambda: (
            _fault(unlimited, "trial-mismatch").json()["license"]["trial"]
            is not _fault(unlimited, "trial-mismatch").json()["license"]["license"]["information"]["trial"]
        ),
        "prevented-actions-flipped": lambda: (
            _fault(unlimited, "prevented-actions-flipped").json()["license"]["preventedActions"][
                "monthlyActiveContacts"
            ]
            is True
        ),
        "wrong-defaults": lambda: (
            get(unlimited, "admin", prefer="fault=wrong-defaults, scenario=community").json()["license"]["limits"][
                "privateApps"
            ]["max"]
            == 10
        ),
        "garbled-rate-limit-headers": lambda: (
            _fault(unlimited, "garbled-rate-limit-headers", "user").headers.get("x-ratelimit-remaining", "lots")
            == "lots"
        ),
        "echo-credentials": lambda: (
            _fault(unlimited, "echo-credentials").json()["license"]["echo"]["x-auth-token"] == "demo-admin-token"
        ),
        "wrong-content-type": lambda: (
            _fault(unlimited, "wrong-content-type").headers["content-type"].startswith("text/plain")
        ),
        "html-200": lambda: (
            _fault(unlimited, "html-200").status_code == 200
            and _fault(unlimited, "html-200").text.startswith("<!doctype html>")
        ),
        "server-error": lambda: _fault(unlimited, "server-error").status_code == 500,
        "truncated": lambda: _truncated(_fault(unlimited, "truncated")),
        "slow": lambda: _slow(unlimited),
        "bad-401": lambda: invalid(_fault(unlimited, "bad-401", None), "401"),
        "missing-cache-headers": lambda: "cache-control" not in _fault(unlimited, "missing-cache-headers").headers,
        "rate-limit-headers-missing": lambda: _rate_headers_missing(),
        "no-auth": lambda: _fault(unlimited, "no-auth", None).status_code == 200,
        "ignore-unknown-params": lambda: _fault(unlimited, "ignore-unknown-params", query="foo=1").status_code == 200,
        "validate-before-auth": lambda: (
            _fault(unlimited, "validate-before-auth", None, "loadValues=yes").status_code == 400
        ),
        "permission-403": lambda: (
            _fault(unlimited, "permission-403", "user").status_code == 403
            and _fault(unlimited, "permission-403", "admin").status_code == 200
        ),
    }
    assert set(checks) == set(FAULTS), "every fault has a check"
    for name, check in checks.items():
        assert check(), name
    assert validate(get(unlimited, "admin", "loadValues=true").json(), strict=True).valid, "no fault, no breakage"


def _truncated(answer: requests.Response) -> bool:
    try:
        answer.json()
    except ValueError:
        return True
    return False


def _slow(base: str) -> bool:
    with running_mock(MockConfig(rate_limit=None, fault="slow", fault_delay=0.5, root=REPO)) as slow_base:
        started = time.monotonic()
        get(slow_base, "admin")
        return time.monotonic() - started >= 0.5


def _rate_headers_missing() -> bool:
    with running_mock(MockConfig(rate_limit=(1, 60.0), fault="rate-limit-headers-missing", root=REPO)) as base:
        get(base, "user")
        answer = get(base, "user")
        return answer.status_code == 429 and "x-ratelimit-reset" not in answer.headers


# --- the command ------------------------------------------------------------------------------


def test_a_mock_that_does_not_start_leaves_no_port_open(monkeypatch: pytest.MonkeyPatch) -> None:
    from rc_licenses_contract.mock import runner

    listeners: list[Any] = []
    real_bind, real_server = runner.bind, runner._server

    def bind(host: str, port: int) -> Any:
        listeners.append(real_bind(host, port))
        return listeners[-1]

    def server_that_never_serves(*args: Any, **kwargs: Any) -> Any:
        server = real_server(*args, **kwargs)
        server.run = lambda sockets: None  # returns at once, never started
        return server

    monkeypatch.setattr(runner, "bind", bind)
    monkeypatch.setattr(runner, "_server", server_that_never_serves)
    with pytest.raises(RuntimeError, match="did not start"), running_mock(MockConfig(root=REPO)):
        pass
    [listener] = listeners
    assert listener.fileno() == -1, "the listening socket was left open"


def _mock_process(*options: str) -> subprocess.Popen[str]:
    """The `mock` command in a real process, on a free port."""
    return subprocess.Popen(
        [sys.executable, "-m", "rc_licenses_contract", "mock", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_mock_command_prints_url_and_credentials_and_stops_cleanly(stop_signal: signal.Signals) -> None:
    process = _mock_process("--server-version", "6")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("rc-licenses-contract mock: http://127.0.0.1:")
        url = first.split(": ", 1)[1].strip()
        banner = "".join(process.stdout.readline() for _ in range(6))
        assert "rc-demo-admin / demo-admin-token" in banner
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(url, headers=auth("admin"), timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.status_code == 200 and "externalModules" not in answer.json()["license"]
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert f"stopped ({stop_signal.name})" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _ask(base: str, path: str = PATH) -> socket.socket:
    """A request sent whole on its own connection (the kernel holds it for the mock once this returns)."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    client = socket.create_connection((host, int(port)), timeout=10)
    head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in auth("admin").items())
    client.sendall(head.encode() + b"\r\n")
    return client


def _answer(client: socket.socket) -> tuple[bytes, bytes]:
    """The status line and body of the answer on a `Connection: close` request, read to the end."""
    answer = b""
    with client:
        while chunk := client.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0], body


def _assert_whole_answer(client: socket.socket) -> None:
    status, body = _answer(client)
    assert status == b"HTTP/1.1 200 OK", status
    assert validate(json.loads(body)).valid


def test_a_stop_lets_the_answer_in_flight_finish_in_a_thread() -> None:
    """Stopping the in-thread mock (as `gate --mock` and the tests do) while an answer is being made: the
    answer is sent whole first. The stop skips uvicorn's fixed pauses, not what they wait for."""
    with running_mock(MockConfig(root=REPO, fault="slow", fault_delay=0.6)) as base:
        client = _ask(base)  # its answer 0.6 s away
    _assert_whole_answer(client)


def test_a_stop_waits_for_an_endless_answer_only_the_graceful_time(capfd: pytest.CaptureFixture[str]) -> None:
    """An answer that would take a minute does not hold the stop: after the graceful-shutdown time (2 s) it is
    cancelled (uvicorn answers 500 if nothing was sent yet) and the mock stops, saying so in one line."""
    with running_mock(MockConfig(root=REPO, fault="slow", fault_delay=60)) as base:
        client = _ask(base)
        stopping = time.monotonic()
    took = time.monotonic() - stopping
    assert 1.5 < took < 10, f"the stop took {took:.1f} s: not the graceful time"
    status, _ = _answer(client)
    assert status in (b"", b"HTTP/1.1 500 Internal Server Error"), status  # cut: a 500, or closed
    err = capfd.readouterr().err
    assert "Traceback" not in err and "CancelledError" not in err, err
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in err, err


def test_a_stop_does_not_wait_for_an_answer_whose_client_has_gone(capfd: pytest.CaptureFixture[str]) -> None:
    """`gate --mock` whose --read-timeout gave up on a slow answer: nobody can receive that answer, so the stop
    does not wait the graceful time for it (that held the gate 2 s past its --timeout), nor reports it cut."""
    app = create_app(MockConfig(root=REPO, fault="slow", fault_delay=60))
    with running_mock(app=app) as base:
        client = _ask(base)
        deadline = time.monotonic() + 10
        while app.state.mock.served == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the mock is making the answer
        client.close()
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1.0
    assert "Cancel" not in capfd.readouterr().err


def test_a_cut_answer_is_not_logged_under_the_gates_redactor(capfd: pytest.CaptureFixture[str]) -> None:
    """`gate --mock`: the gate's redactor turns every log record's exception into a line of text; an answer
    the stop cuts is still left to the stop's one line."""
    from rc_licenses_contract.gate.secrets import Redactor, redacting_logs

    with running_mock(MockConfig(root=REPO)), redacting_logs(Redactor([])):
        cut = asyncio.CancelledError("Task cancelled, timeout graceful shutdown exceeded")
        logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=cut)
        logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=ValueError("a bug"))
    err = capfd.readouterr().err
    assert "CancelledError" not in err and "ValueError: a bug" in err, err


def test_a_stop_answers_the_requests_already_sent() -> None:
    """Requests sent whole before the stop on connections the server has not yet taken from the listen
    queue (its loop was busy): each is answered, not reset by the closing listener."""
    busy = threading.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/busy":
            busy.set()
            time.sleep(0.2)  # holds the server's loop: the requests below wait in the listen queue
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    with running_mock(app=app) as base:
        blocker = _ask(base, "/busy")
        assert busy.wait(10)
        clients = [_ask(base, "/") for _ in range(10)]
    for client in [blocker, *clients]:
        assert _answer(client) == (b"HTTP/1.1 200 OK", b"ok")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_lets_the_answer_in_flight_finish(stop_signal: signal.Signals) -> None:
    process = _mock_process("--fault", "slow", "--fault-delay", "0.6")
    try:
        assert process.stdout is not None
        base = process.stdout.readline().split(": ", 1)[1].strip().removesuffix(PATH)
        assert requests.get(base + "/api/info", timeout=10).ok  # serving (the slow fault is on licenses.info)
        client = _ask(base)
        process.send_signal(stop_signal)
        _assert_whole_answer(client)
        assert process.wait(timeout=10) == 0
        assert f"stopped ({stop_signal.name})" in process.communicate(timeout=10)[0]
        with pytest.raises(requests.ConnectionError):
            requests.get(base + PATH, headers=auth("admin"), timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_a_stop_signal_right_after_the_banner_line_stops_the_mock() -> None:
    """A supervisor that signals as soon as the mock announces itself: the signal comes while the server is
    still being built; it stops the mock once started, not lost (the mock served on) nor fatal."""
    process = _mock_process()
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("rc-licenses-contract mock: http://127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        out, err = process.communicate(timeout=10)
        assert "stopped (SIGTERM)" in out and "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_mock_command_usage_errors(run_cli: object) -> None:
    from .conftest import RunCli

    run: RunCli = run_cli  # type: ignore[assignment]
    done = run("mock", "--scenario", "nope")
    assert done.returncode == 2 and "unknown scenario 'nope'" in done.stderr
    done = run("mock", "--fault", "nope")
    assert done.returncode == 2 and "unknown fault 'nope'" in done.stderr
    assert run("mock", "--mock-rate-limit", "ten").returncode == 2
    assert "enterprise-trial" in run("mock", "--list-scenarios").stdout


# --- robustness -------------------------------------------------------------------------------


GARBAGE = [
    b"GARBAGE\r\n\r\n",
    b"GET /api/v1/licenses.info HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    b"GET /api/v1/licenses.info?" + b"loadValues=true&" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /api/v1/licenses.info?loadValues=%ff%fe%00 HTTP/1.1\r\nHost: x\r\n"
    b"X-User-Id: \xff\xfe\r\nX-Auth-Token: \x80\r\n\r\n",
    b"GET /api/v1/%E0%A4%A licenses.info HTTP/1.1\r\nHost: x\r\n\r\n",
    b'POST /api/v1/licenses.info HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{"a"',
    b"GET /api/v1/licenses.info HTTP/1.1\r\nHost: x\r\nPrefer: \xc3\x28=\xa0\xa1\r\n\r\n",
    b"GET /api/v1/licenses.info HTTP/9.9\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello
]


async def _send(host: str, port: int, payload: bytes) -> int | None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        writer.write(payload)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return None


async def _storm(base: str, total: int) -> list[int | None]:
    host, port = base.removeprefix("http://").split(":")
    good = (
        b"GET /api/v1/licenses.info?loadValues=true HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"X-User-Id: rc-demo-admin\r\nX-Auth-Token: demo-admin-token\r\n\r\n"
    )
    semaphore = asyncio.Semaphore(400)

    async def one(index: int) -> int | None:
        async with semaphore:
            return await _send(host, int(port), GARBAGE[index % len(GARBAGE)] if index % 3 else good)

    return await asyncio.gather(*(one(i) for i in range(total)))


def test_thousands_of_concurrent_requests_with_garbage_keep_it_serving() -> None:
    with running_mock(MockConfig(rate_limit=(10, 60.0), root=REPO)) as base:
        statuses = asyncio.run(_storm(base, 3000))
        assert 500 not in statuses
        good = [s for i, s in enumerate(statuses) if i % 3 == 0]
        assert good.count(200) == len(good), "admins bypass the limiter: every good request is served"
        assert {s for s in statuses if s is not None} <= {200, 400, 401, 404, 405, 413, 414, 429, 431, 505}
        after = get(base, "admin", "loadValues=true")
        assert after.status_code == 200 and validate(after.json(), strict=True).valid
        anonymous = get(base, None)
        assert anonymous.status_code == 401 and "x-ratelimit-remaining" not in anonymous.headers
        answers = [get(base, "user") for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429], "anonymous garbage was never counted"
        assert validate(answers[-1].json(), "429").valid


def test_os_environment_is_untouched() -> None:
    assert "RC_LICENSES_CONTRACT_ROOT" not in os.environ
