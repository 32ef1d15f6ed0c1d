"""The mock Rocket.Chat workspace: a Starlette app that answers licenses.info as the server does.

Steering, per request, with the `Prefer` header (like Prism's):
    Prefer: scenario=community, version=6, code=401, fault=wrong-type, dynamic=true
- scenario: a workspace scenario (contracts/scenarios/NAME.json)
- version: 6, 7 or 8, the server version whose body shapes and error forms are used
- code: 200, 400, 401 or 429, answered with that status's canonical body
- fault: break the contract in one way (see faults.py, or `mock --list-faults`)
- dynamic: true, for random current usage values (seeded by --seed)
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain import GLOBAL_KINDS
from ..errors import ContractError
from ..loader import TOKEN_SCHEME, USER_ID_SCHEME, Contract, load_contract
from .faults import FAULTS, Reply
from .model import (
    BYPASS,
    PRIVILEGED,
    UNPARSABLE_QUERY,
    VERSIONS,
    Scenario,
    User,
    bad_request_body,
    license_info,
    load_scenarios,
    load_users,
    too_many_requests_body,
    unauthorized_body,
)

STEERING_HEADER = "prefer"
SERVER_VERSIONS = {"6": "6.13.1", "7": "7.10.4", "8": "8.8.1"}
BOOLEAN_SPELLINGS = {"true": True, "false": False}
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]
NO_AUTH_USER = User(name="no-auth", user_id="", auth_token="")  # what the no-auth fault lets in
DEFAULT_RATE_LIMIT = (10, 60.0)  # the server's default: 10 calls per 60 s per client and route
DEFAULT_PROBLEM = "must NOT have additional properties"  # the 400 that Prefer: code=400 sends
# 8.x is modelled as the typed registration (errorType error-invalid-params, query checked before the
# limiter); 6.x and 7.x as addRoute (invalid-params, limiter first). See README, "The mock".
TYPED_ROUTE_VERSIONS = ("8",)
ARRAY_COERCING_VERSIONS = ("8",)  # the query parser coerces name[]=… to an array from 8.6 on
ARRAY_ITEM = re.compile(r"([^\[\]]*)\[([0-9]*)\]")  # name[] or name[3]
ARRAY_LIMIT = 500  # items the router's query parser accepts in one array


@dataclass(frozen=True)
class QueryVerdict:
    problem: str | None = None
    load_values: bool = False


@dataclass
class MockConfig:
    scenario: str = "enterprise-trial"
    server_version: str = "8"
    rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT  # calls per window of seconds; None: off
    fault: str | None = None
    fault_delay: float = 3.0
    seed: int = 0
    users_file: Path | None = None
    root: Path | None = None


@dataclass
class Window:
    reset_ms: int
    count: int = 0


@dataclass
class MockState:
    config: MockConfig
    contract: Contract
    scenarios: dict[str, Scenario]
    users: dict[tuple[str, str], User]
    random: random.Random
    windows: dict[tuple[str, str], Window] = field(default_factory=dict)
    served: int = 0  # requests answered, for tests that count what a client sent
    bodies: dict[tuple[Any, ...], bytes] = field(default_factory=dict)

    @property
    def demo_users(self) -> list[User]:
        return list(self.users.values())


def build_state(config: MockConfig) -> MockState:
    contract = load_contract(config.root)
    scenarios = load_scenarios(contract)
    if config.scenario not in scenarios:
        raise ContractError("--scenario", f"unknown scenario {config.scenario!r} (known: {', '.join(scenarios)})")
    if config.server_version not in VERSIONS:
        raise ContractError("--server-version", f"must be one of {', '.join(VERSIONS)}")
    if config.fault is not None and config.fault not in FAULTS:
        raise ContractError("--fault", f"unknown fault {config.fault!r} (see --list-faults)")
    users_file = config.users_file or contract.contracts_dir / "mock" / "users.json"
    return MockState(config, contract, scenarios, load_users(users_file), random.Random(config.seed))


class SteeringError(ValueError):
    pass


def parse_prefer(header: str, state: MockState) -> dict[str, str]:
    choices: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, _, value = part.strip().partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        allowed: dict[str, Any] = {
            "scenario": state.scenarios,
            "version": VERSIONS,
            "code": tuple(state.contract.responses),
            "fault": FAULTS,
            "dynamic": ("true", "false"),
        }
        if key not in allowed:
            raise SteeringError(f"Prefer: unknown preference {key!r} (use {', '.join(allowed)})")
        if value not in allowed[key]:
            raise SteeringError(f"Prefer: {key}={value!r} is not one of {', '.join(allowed[key])}")
        choices[key] = value
    return choices


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


class MockServer:
    def __init__(self, state: MockState) -> None:
        self.state = state

    # --- the steps of the real server: authentication, then (inside the authenticated action) the
    # rate limiter and query validation, in the order the route's registration form gives them
    def _credentials(self, request: Request) -> dict[str, str]:
        """The credential headers as sent (names from the contract's security schemes; "" when absent)."""
        names = self.state.contract.auth_headers
        return {
            names[scheme].lower(): request.headers.get(names[scheme], "") for scheme in (USER_ID_SCHEME, TOKEN_SCHEME)
        }

    def _authenticate(self, request: Request) -> User | None:
        names = self.state.contract.auth_headers
        token = request.headers.get(names[TOKEN_SCHEME])
        user_id = request.headers.get(names[USER_ID_SCHEME])
        if not token or not user_id:
            return None
        return self.state.users.get((user_id, token))

    def _window(self, request: Request, seconds: float, now_ms: int) -> Window:
        key = (request.client.host if request.client else "unknown", request.scope["path"])
        window = self.state.windows.get(key)
        if window is None or now_ms >= window.reset_ms:
            window = self.state.windows[key] = Window(reset_ms=now_ms + int(seconds * 1000))
        return window

    def _rate_limit(self, request: Request, user: User, headers: dict[str, str]) -> int | None:
        """Count the call; return the seconds to wait when the limit is exceeded."""
        limit = self.state.config.rate_limit
        if limit is None or user.can(BYPASS):
            return None
        calls, seconds = limit
        now_ms = int(time.time() * 1000)
        window = self._window(request, seconds, now_ms)
        window.count += 1
        named = self.state.contract.rate_limit_headers()
        headers[named.limit] = str(calls)
        headers[named.remaining] = str(max(0, calls - window.count))
        headers[named.reset] = str(window.reset_ms)
        if window.count > calls:
            return max(1, math.ceil((window.reset_ms - now_ms) / 1000))
        return None

    def _forced_429(self, request: Request, headers: dict[str, str]) -> Reply:
        """A 429 asked for with Prefer: code=429 carries the three headers every 429 carries, limiter or not."""
        calls, seconds = self.state.config.rate_limit or DEFAULT_RATE_LIMIT
        now_ms = int(time.time() * 1000)
        window = self._window(request, seconds, now_ms)
        named = self.state.contract.rate_limit_headers()
        headers[named.limit] = str(calls)
        headers[named.remaining] = "0"
        headers[named.reset] = str(window.reset_ms)
        wait = max(1, math.ceil((window.reset_ms - now_ms) / 1000))
        return Reply(429, too_many_requests_body(wait), headers)

    def _query_problem(self, request: Request, version: str, lenient: bool) -> QueryVerdict:
        """Validate the query as the route does (ajv, additionalProperties: false, booleans as booleans).

        8.6 and later parse the query with qs: `name[]=true`, `name[0]=true` become an array, and an
        array of one item is coerced to that item; before 8.6 such a name is just an unknown
        parameter. A repeated parameter is an array of several items: "must be boolean".
        """
        if not request.scope["query_string"]:
            return QueryVerdict()
        contract = self.state.contract
        coerces_arrays = version in ARRAY_COERCING_VERSIONS
        values: dict[str, list[str]] = {name: [] for name in contract.boolean_parameters()}
        unknown = not_a_list = False
        for name, value in request.query_params.multi_items():
            base = name.split("[", 1)[0]
            if name in values:
                values[name].append(value)
            elif coerces_arrays and base != name and base in values:
                item = ARRAY_ITEM.fullmatch(name)
                if item is not None and (not item[2] or int(item[2]) <= ARRAY_LIMIT):
                    values[base].append(value)
                else:  # name[x]=…: qs makes an object
                    not_a_list = True
            elif name not in contract.query_parameters:
                unknown = True
        if coerces_arrays and any(len(given) > ARRAY_LIMIT for given in values.values()):
            return QueryVerdict(problem=UNPARSABLE_QUERY)
        if lenient:
            return QueryVerdict(load_values=any(given[-1:] == ["true"] for given in values.values()))
        if unknown:
            return QueryVerdict(problem="must NOT have additional properties")
        if not_a_list or any(len(given) > 1 or given[:1] not in ([], ["true"], ["false"]) for given in values.values()):
            return QueryVerdict(problem="must be boolean")
        return QueryVerdict(load_values=any(given == ["true"] for given in values.values()))

    def _body_200(self, scenario: Scenario, version: str, user: User, load_values: bool, dynamic: bool) -> Any:
        if dynamic:
            usage = {kind: self.state.random.randint(0, 2000) for kind in GLOBAL_KINDS}
            return license_info(scenario, version, user, load_values, usage)
        key = (scenario.name, version, user.permissions, load_values)
        cached = self.state.bodies.get(key)
        if cached is None:
            cached = self.state.bodies[key] = orjson.dumps(license_info(scenario, version, user, load_values))
        return cached

    async def licenses_info(self, request: Request) -> Response:
        state = self.state
        try:
            prefer = parse_prefer(request.headers.get(STEERING_HEADER, ""), state)
        except SteeringError as exc:
            return json_reply(400, {"success": False, "error": str(exc), "errorType": "error-invalid-params"})
        version = prefer.get("version", state.config.server_version)
        scenario = state.scenarios[prefer.get("scenario", state.config.scenario)]
        fault_name = prefer.get("fault", state.config.fault)
        # The headers the version's profile expects from the router (the 401 of authentication goes without).
        expected = state.contract.profile(state.contract.profile_for_version(version)).all_headers
        headers: dict[str, str] = dict(expected)
        user = self._authenticate(request)
        reply = self._decide(request, prefer, version, scenario, fault_name, user, headers)
        fault = FAULTS.get(fault_name) if fault_name else None
        if fault is not None and fault.rewrite is not None:
            if isinstance(reply.body, bytes) and reply.media_type == "application/json":
                reply.body = orjson.loads(reply.body)
            context = {
                "fault_delay": state.config.fault_delay,
                "full_license": scenario.license,
                "credentials": self._credentials(request),
                "profile_headers": expected,
                "rate_limit": state.contract.rate_limit_headers(),
            }
            reply = fault.rewrite(reply, context)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return Response(reply.content(), reply.status, reply.headers, media_type=reply.media_type)

    def _decide(
        self,
        request: Request,
        prefer: dict[str, str],
        version: str,
        scenario: Scenario,
        fault: str | None,
        user: User | None,
        headers: dict[str, str],
    ) -> Reply:
        code = prefer.get("code")
        if fault == "validate-before-auth":
            verdict = self._query_problem(request, version, lenient=False)
            if verdict.problem:
                return Reply(400, bad_request_body(version, verdict.problem), headers)
        if code == "429":
            return self._forced_429(request, headers)
        if user is None and fault == "no-auth":
            user = NO_AUTH_USER
        if user is None or code == "401":
            # Sent by the authentication step, before the router adds its headers and before the
            # rate limiter: never counted, no rate-limit headers, none of the profile's headers either.
            return Reply(401, unauthorized_body(version), {})
        verdict = self._query_problem(request, version, lenient=fault == "ignore-unknown-params")
        if version in TYPED_ROUTE_VERSIONS:
            # The typed registration (API.v1.get with a `query` validator): the router validates the
            # query before the action that holds the rate limiter, so a 400 is neither counted nor limited.
            if verdict.problem or code == "400":
                return Reply(400, bad_request_body(version, verdict.problem or DEFAULT_PROBLEM), headers)
            wait = self._rate_limit(request, user, headers)
        else:
            # addRoute with validateParams: the limiter runs first, then the action validates the query.
            wait = self._rate_limit(request, user, headers)
            if wait is None and (verdict.problem or code == "400"):
                return Reply(400, bad_request_body(version, verdict.problem or DEFAULT_PROBLEM), headers)
        if wait is not None:
            return Reply(429, too_many_requests_body(wait), headers)
        if fault == "permission-403" and not user.can(PRIVILEGED):
            return Reply(
                403,
                {
                    "success": False,
                    "error": "User does not have the permissions required for this action [error-unauthorized]",
                },
                headers,
            )
        body = self._body_200(scenario, version, user, verdict.load_values, prefer.get("dynamic") == "true")
        return Reply(200, body, headers)

    async def server_info(self, request: Request) -> Response:
        version = parse_prefer(request.headers.get(STEERING_HEADER, ""), self.state).get(
            "version", self.state.config.server_version
        )
        if self._authenticate(request) is None:
            return json_reply(200, {"success": True})
        return json_reply(200, {"version": SERVER_VERSIONS[version], "success": True})

    async def dispatch(self, request: Request) -> Response:
        self.state.served += 1
        # Not request.url: building a URL object costs more than the answer. Mounted under a prefix,
        # Starlette keeps the full path and names the prefix in root_path.
        path, root = request.scope["path"], request.scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        # /api/info, the version route the gate probes, is outside the contract (it describes licenses.info).
        handler = {self.state.contract.path: self.licenses_info, "/api/info": self.server_info}.get(path)
        if handler is None:
            return json_reply(404, {"success": False, "error": f"Not found: {path}"})
        if request.method not in ("GET", "HEAD"):
            return json_reply(
                405, {"success": False, "error": f"Method {request.method} not allowed"}, {"Allow": "GET"}
            )
        try:
            return await handler(request)
        except SteeringError as exc:
            return json_reply(400, {"success": False, "error": str(exc), "errorType": "error-invalid-params"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_reply(
        exc.status_code, {"success": False, "error": exc.detail}, {"Allow": "GET"} if exc.status_code == 405 else None
    )


def create_app(config: MockConfig | None = None, state: MockState | None = None) -> Starlette:
    """The ASGI app; also usable in-process (e.g. with httpx's ASGI transport or Schemathesis).

    Pass a state already built with build_state() to avoid loading the contract's data twice."""
    state = state or build_state(config or MockConfig())
    server = MockServer(state)
    app = Starlette(
        routes=[Route("/{path:path}", server.dispatch, methods=ALL_METHODS)],
        exception_handlers={HTTPException: _http_error},  # Starlette's own 404/405, as JSON
    )
    app.state.mock = state
    return app
