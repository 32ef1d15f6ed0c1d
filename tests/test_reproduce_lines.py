"""A `reproduce:` line for a workspace behind HTTP Basic authentication (a base URL with user info) runs as
printed and holds no secret: the URL comes from $ROCKETCHAT_URL, the credentials from $ROCKETCHAT_*."""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.mock.app import MockConfig, create_app
from rc_licenses_contract.mock.runner import running_mock

from .canary import (
    TOKEN,
    UNPRIVILEGED_TOKEN,
    UNPRIVILEGED_USER_ID,
    URL_PASSWORD,
    URL_USER,
    USER_ID,
    canary_env,
    scan,
    url_with_password,
)
from .conftest import REPO, RunCli, cli_env

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def behind_basic_auth(app: Asgi, user: str, password: str) -> Asgi:
    """The app behind a proxy that answers 401 to every request without the right Basic credentials."""
    expected = b"Basic " + base64.b64encode(f"{user}:{password}".encode())

    async def guarded(
        scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != expected:
            body = b'{"error": "basic authentication required"}'
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return guarded


@pytest.fixture
def basic_auth_mock(tmp_path: Path) -> Iterator[str]:
    """The mock with a wrong-typed field, canary callers, behind Basic authentication with the canary URL
    user and password; yields its base URL without user info."""
    users = {
        "users": [
            {"name": "admin", "userId": USER_ID, "authToken": TOKEN, "permissions": ["view-privileged-setting"]},
            {"name": "user", "userId": UNPRIVILEGED_USER_ID, "authToken": UNPRIVILEGED_TOKEN, "permissions": []},
        ]
    }
    (tmp_path / "users.json").write_text(json.dumps(users), encoding="utf-8")
    config = MockConfig(root=REPO, fault="wrong-type", rate_limit=None, users_file=tmp_path / "users.json")
    with running_mock(app=behind_basic_auth(create_app(config), URL_USER, URL_PASSWORD)) as base:
        yield base


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_reproduce_line_for_a_url_with_user_info_runs_as_printed_without_a_secret(
    basic_auth_mock: str, run_cli: RunCli
) -> None:
    base = basic_auth_mock
    assert _status(base + "/api/info") == 401, "the proxy really requires Basic authentication"
    done = run_cli("gate", "--no-schemathesis", "--max-requests", "30", env=cli_env(**canary_env(base)))
    assert done.returncode == 1, done.stdout + done.stderr
    assert scan(done.stdout, done.stderr) == []
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("reproduce: "))
    command = line.strip().removeprefix("reproduce: ")
    assert '"${ROCKETCHAT_URL%/}/api/v1/licenses.info' in command
    assert '-H "X-Auth-Token: $ROCKETCHAT_AUTH_TOKEN" -H "X-User-Id: $ROCKETCHAT_USER_ID"' in command
    assert "***" not in command and "127.0.0.1" not in command

    # Run as printed, with the variables the gate itself read (URL with a trailing slash: one is dropped).
    env = cli_env(**canary_env(base))
    env["ROCKETCHAT_URL"] += "/"
    ran = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30, env=env, check=False)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("HTTP/1.1 200") and '"trial":"true"' in ran.stdout
    # Without the URL's user info the same line is turned away: it ran on the Basic credentials.
    env["ROCKETCHAT_URL"] = base
    refused = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30, env=env, check=False)
    assert refused.stdout.startswith("HTTP/1.1 401"), refused.stdout


def test_a_url_with_user_info_stays_out_of_the_reports(basic_auth_mock: str, run_cli: RunCli, tmp_path: Path) -> None:
    """The same run given --base-url: the URL is still read from $ROCKETCHAT_URL by the printed line."""
    base = basic_auth_mock
    env = cli_env(**{k: v for k, v in canary_env(base).items() if k != "ROCKETCHAT_URL"})
    report = tmp_path / "gate.json"
    done = run_cli(
        "gate",
        "--base-url",
        url_with_password(base),
        "--no-schemathesis",
        "--max-requests",
        "30",
        "--json",
        str(report),
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "carries user info" in done.stderr
    assert scan(done.stdout, done.stderr, report.read_bytes()) == []
    document = json.loads(report.read_text(encoding="utf-8"))
    lines = [o["reproduce"] for f in document["findings"] for o in f["occurrences"] if o.get("reproduce")]
    assert lines and all("${ROCKETCHAT_URL%/}" in line for line in lines)


def test_a_reproduce_line_for_a_plain_url_runs_as_printed(run_cli: RunCli) -> None:
    """Without user info the URL is printed as given (here: the mock behind no proxy), credentials still
    from the environment."""
    config = MockConfig(root=REPO, fault="wrong-type", rate_limit=None)
    with running_mock(config) as base:
        env = cli_env(ROCKETCHAT_AUTH_TOKEN="demo-admin-token", ROCKETCHAT_USER_ID="rc-demo-admin")
        done = run_cli("gate", "--base-url", base, "--no-schemathesis", "--max-requests", "30", env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        line = next(line for line in done.stdout.splitlines() if line.strip().startswith("reproduce: "))
        command = line.strip().removeprefix("reproduce: ")
        assert command.endswith(f"{base}/api/v1/licenses.info") and "demo-admin-token" not in command
        ran = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30, env=env, check=False)
    assert ran.stdout.startswith("HTTP/1.1 200") and '"trial":"true"' in ran.stdout, ran.stdout + ran.stderr
