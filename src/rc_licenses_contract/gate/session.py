"""The gate's HTTP client: a requests.Session that is gentle with the server and bounded.

Every request, including the probes Schemathesis sends itself, goes through `GateSession.request`:
- only GET, only to the documented path or the version probe;
- within the request budget and the overall deadline;
- paced: never more than the server's X-RateLimit-Remaining allows before X-RateLimit-Reset, and at
  most --rate-limit if one is set;
- a 429 is waited out (until X-RateLimit-Reset, in epoch milliseconds, or Retry-After) and retried;
- connect and read timeouts, TLS verification, and a cap on the response size;
- a wall-clock bound per request (connect + read timeout) and for the whole run (--timeout): a server
  that trickles one byte a second cannot keep a request open past it, because a watchdog shuts the
  request's socket down when the bound passes (`connections.py`);
- redirects are never followed; whatever the server sends in headers is parsed strictly (ASCII digits
  of bounded length), never trusted to crash or stall the run.
"""

from __future__ import annotations

import datetime
import email.utils
import http.cookiejar
import re
import time
import weakref
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.auth
import requests.utils
import urllib3

from ..interrupts import check as check_interrupted
from ..loader import RateLimitHeaders
from .connections import TrackingAdapter, Watchdog
from .secrets import display_url

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_WAIT_DIGITS = 15  # epoch milliseconds have 13; anything longer is garbage, not a number to convert
MIN_429_WAIT = 1.0  # a 429 whose advertised wait is already over: asking again at once cannot help
MAX_429_IN_A_ROW = 3  # 429s to one request although each wait was kept: the server is not letting the gate in
_WHOLE_NUMBER = re.compile(rf"[ \t]*(-?[0-9]{{1,{MAX_WAIT_DIGITS}}})[ \t]*")


def header_int(value: str | None) -> int | None:
    """A header's whole number: ASCII digits only, bounded in length; anything else is None."""
    match = _WHOLE_NUMBER.fullmatch(value) if value is not None else None
    return int(match.group(1)) if match else None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as RFC 9110 allows it: delay-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime)."""
    if value is None:
        return None
    seconds = header_int(value)
    if seconds is not None:
        return float(seconds) if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime carries no zone: HTTP dates are UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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


class _UrlUserInfoOnly(requests.auth.AuthBase):
    """HTTP Basic authentication from the URL's user info (which the redactor masks), and nothing else: a
    session without its own auth would add credentials from ~/.netrc ($NETRC), which the user never handed
    to the gate and no redactor knows."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        user, password = requests.utils.get_auth_from_url(request.url or "")
        if user or password:
            # UTF-8 (RFC 7617, and what curl sends): requests' default, latin-1, fails on most scripts.
            request = requests.auth.HTTPBasicAuth(user.encode(), password.encode())(request)
        return request


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
        rate_limit: RateLimitHeaders | None = None,
    ) -> None:
        super().__init__()
        self.rate_limit = rate_limit  # the contract's rate-limit header names; None: pace by Retry-After only
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
        self.auth = _UrlUserInfoOnly()
        # No cookie jar: a cookie set by one answer (a load balancer's, a session's) would ride along on every
        # later request, so the anonymous caller would no longer be anonymous, nor a replay the same request.
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()
        adapter = TrackingAdapter(self._connections)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

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
            shown = f"{method} {display_url(url)}"
            raise RequestRefused(f"the gate only sends GET to {', '.join(self.allowed_paths)}, not {shown}")
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
        rate_limited_in_a_row = 0
        while True:
            check_interrupted()  # a Ctrl-C that a callback swallowed still ends the run here
            self._wait_for_turn()
            if counted and self.sent >= self.max_requests:
                raise BudgetExhausted(f"request budget of {self.max_requests} used up (--max-requests)")
            self.sent += counted
            self.pace.last_sent = time.monotonic()
            response = self._bounded_request(method, url, *args, **kwargs)
            self._learn_limits(response)
            if response.status_code != 429:
                self.replay[key] = response
                return response
            lowered = {k.lower(): v for k, v in response.headers.items()}
            self.rate_limited.append(Observed429(url, response.status_code, lowered, response.content))
            rate_limited_in_a_row += 1
            if rate_limited_in_a_row >= MAX_429_IN_A_ROW:
                # Also what bounds the version probe, which no budget counts (Retry-After: 0 made it a flood).
                raise GateStop(
                    f"rate limited (429) {rate_limited_in_a_row} times in a row on GET {urlsplit(url).path}, "
                    "though the gate waited as told"
                )
            wait = self._wait_after_429(response)
            wait = None if wait is None else max(wait, MIN_429_WAIT)
            if wait is None or wait > self.time_left():
                raise DeadlineReached(
                    "rate limited (429) and the wait until the limit resets exceeds --timeout"
                    if wait is not None
                    else f"rate limited (429) without {self._reset_name} or Retry-After to say when to retry"
                )
            self.sleep(wait)

    def _bounded_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        """One request, read in full, within its own time bound and the run's: never past either."""
        left = self.time_left()
        # Per request, not per byte: the watchdog ends the request once connect + read time has passed.
        per_request = self.connect_timeout + self.read_timeout
        bound = min(per_request, left)
        kwargs["timeout"] = (min(self.connect_timeout, bound), min(self.read_timeout, bound))
        watchdog = Watchdog(self._connections, bound)
        started = time.monotonic()
        try:
            with watchdog:
                response = super().request(method, url, *args, **kwargs)
                self._read_bounded(response)
                # To the last byte: requests stops its clock at the headers, and a body can trickle for long.
                response.elapsed = datetime.timedelta(seconds=time.monotonic() - started)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):
            if not (watchdog.fired or self.time_left() <= 0):
                raise  # the caller says what failed: refused, DNS, TLS, timed out
            watchdog.fired = True  # a socket timeout cut at the same bound: the same verdict
            response = None
        except requests.exceptions.ContentDecodingError as exc:
            raise GateStop(f"the answer to GET {urlsplit(url).path} could not be decoded: {_cause(exc)}") from None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            if not watchdog.fired:
                raise GateStop(f"GET {urlsplit(url).path} failed: {_cause(exc)}") from None
            response = None
        if watchdog.fired:
            if bound >= left:
                raise DeadlineReached(f"--timeout reached while GET {urlsplit(url).path} was still answering")
            raise GateStop(
                f"GET {urlsplit(url).path} did not finish answering within {per_request:g} s "
                "(--connect-timeout + --read-timeout)"
            )
        assert response is not None
        return response

    def _replay_key(self, url: str, kwargs: dict[str, Any]) -> tuple[str, ...]:
        prepared = requests.PreparedRequest()  # the URL alone: a full prepare() would also build auth headers
        prepared.prepare_url(url, kwargs.get("params"))
        # The request's own headers are its credentials (whatever the contract names them): part of the key.
        headers = sorted(f"{k.lower()}: {v}" for k, v in (kwargs.get("headers") or {}).items())
        return (str(prepared.url), *headers)

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

    @property
    def _reset_name(self) -> str:
        return self.rate_limit.reset if self.rate_limit else "a rate-limit reset header"

    def _learn_limits(self, response: requests.Response) -> None:
        if self.rate_limit is None:
            return
        remaining = header_int(response.headers.get(self.rate_limit.remaining))
        reset = header_int(response.headers.get(self.rate_limit.reset))
        if remaining is not None:
            self.pace.remaining = remaining
        if reset is not None and reset >= 0:
            self.pace.reset_at = reset / 1000.0  # epoch milliseconds

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
        reset = header_int(response.headers.get(self.rate_limit.reset)) if self.rate_limit else None
        if reset is not None and reset >= 0:
            return max(0.0, reset / 1000.0 - time.time()) + 0.05
        # Retry-After is HTTP's own (RFC 9110), not an endpoint fact: the contract declares no such header.
        return retry_after_seconds(response.headers.get("Retry-After"))


def _cause(exc: BaseException) -> str:
    """The innermost reason of a transport error, one line."""
    while exc.__context__ is not None and not str(exc):
        exc = exc.__context__
    text = str(exc.args[0] if exc.args else exc)
    # The innermost "(Caused by …)"-style group; a plural's "(s)" in a plain message is no reason.
    inner = [group for group in re.findall(r"\(([^()]*)\)", text) if len(group.strip()) > 3]
    return (inner[-1] if inner else text).splitlines()[0] if text else type(exc).__name__
