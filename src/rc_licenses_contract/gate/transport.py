"""Talking to a workspace that may not be there yet: waiting for it, and naming what went wrong in one line."""

from __future__ import annotations

import http.client
import time
from typing import TYPE_CHECKING

import requests
import urllib3

from .result import GateOptions
from .secrets import display_url
from .session import DeadlineReached, GateSession, GateStop

if TYPE_CHECKING:
    from .run import _Run

# The server's version route: outside the contract (openapi.yaml describes licenses.info alone), read once.
VERSION_PROBE = "/api/info"
NOT_YET_UP = (502, 503, 504)  # what a proxy answers while the workspace behind it starts


def wait_until_answering(run: _Run) -> None:
    """--wait-for: retry with backoff until the workspace answers (CI often starts right after a deploy).

    Each attempt uses a fresh, equally bounded session: the run's session remembers answers, and a
    proxy's 503 while the workspace starts must not be remembered.
    """
    if run.options.wait_for <= 0:
        return
    started = time.monotonic()
    give_up = started + run.options.wait_for
    probe_path = run.session.uncounted_paths[0]
    delay = 0.2
    while True:
        problem: Exception | None = None
        attempt = GateSession(
            (probe_path,),
            0,
            give_up,
            connect_timeout=run.options.connect_timeout,
            read_timeout=run.options.read_timeout,
            verify=not run.options.insecure,
            uncounted_paths=(probe_path,),
        )
        try:
            with attempt:
                if attempt.request("GET", run.base + VERSION_PROBE).status_code not in NOT_YET_UP:
                    break
        except requests.exceptions.SSLError:
            raise  # a certificate does not fix itself by waiting
        except (requests.exceptions.RequestException, GateStop) as exc:
            problem = exc
        if time.monotonic() + delay > give_up:
            run.result.waited = time.monotonic() - started
            if isinstance(problem, requests.exceptions.RequestException):
                raise problem  # named like any transport failure, with the time waited
            if isinstance(problem, DeadlineReached):  # the attempt's deadline is the end of the wait, not --timeout
                why = f"no answer to GET {VERSION_PROBE} within --wait-for {run.options.wait_for:g} s"
            else:
                why = str(problem) if problem is not None else f"it still answers {NOT_YET_UP[0]}-{NOT_YET_UP[-1]}"
            raise GateStop(f"{display_url(run.options.base_url)} did not come up: {why}")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)
    run.result.waited = time.monotonic() - started
    run.session.deadline = time.monotonic() + run.options.timeout  # --timeout counts from here


def transport_failure(exc: requests.exceptions.RequestException, options: GateOptions) -> str:
    """One line for a failed request: TLS, connect or read timeout, unreachable (no user info in it)."""
    base = display_url(options.base_url)
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failure talking to {base}: {_reason(exc)} (--insecure skips verification)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connecting to {base} timed out after {options.connect_timeout:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"{base} did not answer within {options.read_timeout:g} s (--read-timeout)"
    aborted = exc.args[0] if exc.args and isinstance(exc.args[0], urllib3.exceptions.ProtocolError) else None
    inner = aborted.args[-1] if aborted is not None and aborted.args else None
    if isinstance(inner, http.client.HTTPException):  # reached: it hung up, or its head was not HTTP
        what = f"{type(inner).__name__}: {inner}".splitlines()[0]
        return f"{base} closed the connection or answered with malformed HTTP: {what}"
    return f"cannot reach {base}: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    """The innermost, most telling line of a requests exception (no URL with credentials in it)."""
    text = str(exc)
    for marker in ("Name or service not known", "nodename nor servname", "Temporary failure in name resolution"):
        if marker in text:
            return "DNS lookup failed (unknown host)"
    if "Connection refused" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "certificate verify failed"
    # No cut here: a cut before the redactor could leave half a secret; the report cuts after masking.
    return text.splitlines()[0] if text else type(exc).__name__
