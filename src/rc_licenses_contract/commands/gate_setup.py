"""Before the gate sends anything: credentials, the target URL, the report files, the mock's command line.

Each refusal is a UsageError with one line that never quotes a secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..textsafety import escape_control

SECRET_FLAGS = {
    "auth_token": "ROCKETCHAT_AUTH_TOKEN",
    "user_id": "ROCKETCHAT_USER_ID",
    "unprivileged_auth_token": "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN",
    "unprivileged_user_id": "ROCKETCHAT_UNPRIVILEGED_USER_ID",
}


def _secret(args: argparse.Namespace, name: str) -> str | None:
    flag = getattr(args, name)
    option = "--" + name.replace("_", "-")
    if flag:
        print(
            f"warning: {option} puts a secret in shell history and process lists; set ${SECRET_FLAGS[name]} instead",
            file=sys.stderr,
        )
    value = str(flag) if flag else os.environ.get(SECRET_FLAGS[name])
    return clean_secret(value, option if flag else f"${SECRET_FLAGS[name]}")


def clean_secret(value: str | None, where: str) -> str | None:
    """A credential as a header can carry it, or None when unset; a UsageError naming `where`, never the value."""
    # A value read from a file keeps its line end (a CRLF .env file, `echo` into a secret store): surrounding
    # whitespace goes. What else a header cannot carry (controls, non-ASCII) is refused by name, not value.
    value = value.strip() if value else value
    if value and not (value.isascii() and value.isprintable()):
        raise UsageError(f"{where} holds a line break, a control or a non-ASCII character; check how it is set")
    return value or None


def credential_pair(args: argparse.Namespace, token: str, user: str, who: str) -> Any:
    from ..gate.result import Credentials

    token_value, user_value = _secret(args, token), _secret(args, user)
    if bool(token_value) != bool(user_value):
        raise UsageError(f"{who} credentials need both ${SECRET_FLAGS[token]} and ${SECRET_FLAGS[user]}")
    return Credentials(user_value, token_value) if token_value and user_value else None


def mock_command(args: argparse.Namespace) -> str:
    """The `rc-licenses-contract mock ...` command that starts the same mock `gate --mock` ran against."""
    import shlex

    parts = [
        "rc-licenses-contract",
        "mock",
        "--scenario",
        args.scenario,
        "--server-version",
        args.server_version or "8",
    ]
    if args.fault:
        parts += ["--fault", args.fault]
        if args.fault_delay != 3.0:
            parts += ["--fault-delay", f"{args.fault_delay:g}"]
    if args.no_rate_limit:
        parts.append("--no-rate-limit")
    elif tuple(args.mock_rate_limit) != (10, 60.0):
        parts += ["--mock-rate-limit", f"{args.mock_rate_limit[0]}/{args.mock_rate_limit[1]:g}"]
    parts += ["--seed", str(args.seed)]
    if args.root is not None:
        parts += ["--root", str(args.root)]
    return " ".join(shlex.quote(part) for part in parts)


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a workspace's root URL, or None. Never quotes the URL (it may hold a password)."""
    from urllib.parse import urlsplit

    if url != url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        reason = str(exc)
        if "IPv6" in reason or "[" in url or "]" in url:
            return "is not a valid URL (unbalanced [ ] around an IPv6 address)"
        if "port" in reason.lower():
            return "has an invalid port (a number from 1 to 65535)"
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host, like https://chat.example.com"
    if parts.port == 0:
        return "has an invalid port (a number from 1 to 65535)"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not carry a query string or a fragment: give the workspace's root URL"
    return None


def check_report_targets(args: argparse.Namespace) -> None:
    """Refuse report files that cannot be written before the run, not after it."""
    seen: dict[Path, str] = {}
    for option, path in (("--junit", args.junit), ("--json", args.json)):
        if path is None:
            continue
        shown = escape_control(str(path))
        if path.is_dir():
            raise UsageError(f"{option} {shown}: is a folder, not a file")
        parent = path.parent if str(path.parent) else Path(".")
        if not path.exists() and not parent.is_dir():
            raise UsageError(f"{option} {shown}: folder {escape_control(str(parent))} does not exist")
        if (path.exists() and not os.access(path, os.W_OK)) or (not path.exists() and not os.access(parent, os.W_OK)):
            raise UsageError(f"{option} {shown}: not writable")
        key = path.resolve()
        if key in seen:
            raise UsageError(f"{option} {shown}: the same file as {seen[key]}")
        seen[key] = option
