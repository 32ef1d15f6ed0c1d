"""The gate's HTTP client: a requests.Session that is gentle with the server and bounded.

Every request, including the probes Schemathesis sends itself, goes through `GateSession.request`:
- only GET, only to the documented path or the version probe;
- within the request budget and the overall deadline;
- paced: never more than the server's X-RateLimit-Remaining allows before X-RateLimit-Reset, and at
  most --rate-limit if one is set;
- a 429 is waited out (until X-RateLimit-Reset, in epoch milliseconds, or Retry-After) and retried;
- connect and read timeouts, TLS verification, and a cap on the response size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

MAX_BODY_BYTES = 5 * 1024 * 1024


class GateStop(Exception):
    """The run cannot go on (exit 3); the message is one line for the user."""


class BudgetExhausted(GateStop):
    pass


class DeadlineReached(GateStop):
    pass


class RequestRefused(Exception):
    """A request the gate never sends (not GET, or not a documented path)."""


@dataclass
class Pace:
    min_interval: float = 0.0  # from --rate-limit N/SECONDS
    remaining: int | None = None  # from the last X-RateLimit-Remaining
    reset_at: float | None = None  # epoch seconds, from the last X-RateLimit-Reset
    last_sent: float = 0.0


@dataclass
class Observed429:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes


class GateSession(requests.Session):
    def __init__(
        self,
        allowed_paths: tuple[str, ...],
        max_requests: int,
        deadline: float,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        min_interval: float = 0.0,
        verify: bool = True,
        uncounted_paths: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.allowed_paths = allowed_paths
        self.uncounted_paths = uncounted_paths  # another route: not the rate-limited one under test
        self.max_requests = max_requests
        self.deadline = deadline  # monotonic time after which nothing more is sent
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.pace = Pace(min_interval=min_interval)
        self.verify = verify
        self.sent = 0
        self.replayed = 0
        self.replay: dict[tuple[str, ...], requests.Response] = {}
        self.rate_limited: list[Observed429] = []
        self.stopped: GateStop | None = None  # kept: Schemathesis may swallow what its probes raise
        self.sleep = time.sleep
        self.headers["User-Agent"] = "rc-licenses-contract-gate"

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            return self._request(method, url, *args, **kwargs)
        except GateStop as exc:
            self.stopped = exc
            raise

    def _request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        if method.upper() != "GET" or urlsplit(url).path not in self.allowed_paths:
            raise RequestRefused(f"the gate only sends GET to {', '.join(self.allowed_paths)}, not {method} {url}")
        kwargs.setdefault("timeout", (self.connect_timeout, self.read_timeout))
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        # Set per request: a REQUESTS_CA_BUNDLE in the environment would otherwise override Session.verify,
        # and Schemathesis passes its own verify to its probes.
        kwargs["verify"] = self.verify
        # The same GET twice in one run tells nothing new: answer it from this run's replay cache.
        key = self._replay_key(url, kwargs)
        if key in self.replay:
            self.replayed += 1
            return self.replay[key]
        counted = urlsplit(url).path not in self.uncounted_paths
        while True:
            self._wait_for_turn()
            if counted and self.sent >= self.max_requests:
                raise BudgetExhausted(f"request budget of {self.max_requests} used up (--max-requests)")
            self.sent += counted
            self.pace.last_sent = time.monotonic()
            response = super().request(method, url, *args, **kwargs)
            self._read_bounded(response)
            self._learn_limits(response)
            if response.status_code != 429:
                self.replay[key] = response
                return response
            lowered = {k.lower(): v for k, v in response.headers.items()}
            self.rate_limited.append(Observed429(url, response.status_code, lowered, response.content))
            wait = self._wait_after_429(response)
            if wait is None or wait > self.time_left():
                raise DeadlineReached(
                    "rate limited (429) and the wait until the limit resets exceeds --timeout"
                    if wait is not None
                    else "rate limited (429) without X-RateLimit-Reset or Retry-After to say when to retry"
                )
            self.sleep(wait)

    def _replay_key(self, url: str, kwargs: dict[str, Any]) -> tuple[str, ...]:
        prepared = requests.Request("GET", url, params=kwargs.get("params")).prepare()
        headers = {k.lower(): str(v) for k, v in (kwargs.get("headers") or {}).items()}
        return (str(prepared.url), headers.get("x-auth-token", ""), headers.get("x-user-id", ""))

    def _read_bounded(self, response: requests.Response) -> None:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    response.close()
                    raise GateStop(f"response larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
                chunks.append(chunk)
        except requests.exceptions.ChunkedEncodingError:
            pass  # a body cut short: keep what arrived, the checks will say it is not JSON
        response._content = b"".join(chunks)
        response._content_consumed = True

    def _learn_limits(self, response: requests.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is not None and remaining.strip().lstrip("-").isdigit():
            self.pace.remaining = int(remaining)
        if reset is not None and reset.strip().isdigit():
            self.pace.reset_at = int(reset) / 1000.0  # epoch milliseconds

    def _wait_for_turn(self) -> None:
        now = time.monotonic()
        waits = [self.pace.last_sent + self.pace.min_interval - now]
        if self.pace.remaining is not None and self.pace.remaining <= 0 and self.pace.reset_at is not None:
            waits.append(self.pace.reset_at - time.time() + 0.05)
        wait = max(waits)
        if wait > 0:
            if wait > self.time_left():
                raise DeadlineReached(f"the next request would have to wait {wait:.0f} s, beyond --timeout")
            self.sleep(wait)
            if self.pace.remaining is not None and self.pace.remaining <= 0:
                self.pace.remaining = None  # the window has reset
        if self.time_left() <= 0:
            raise DeadlineReached("--timeout reached")

    def _wait_after_429(self, response: requests.Response) -> float | None:
        reset = response.headers.get("X-RateLimit-Reset")
        if reset and reset.strip().isdigit():
            return max(0.0, int(reset) / 1000.0 - time.time()) + 0.05
        retry_after = response.headers.get("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after)
        return None
