"""Helpers for tests that talk to the mock over real HTTP on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import requests

PATH = "/api/v1/licenses.info"
USERS = {
    "admin": ("rc-demo-admin", "demo-admin-token"),
    "auditor": ("rc-demo-auditor", "demo-auditor-token"),
    "user": ("rc-demo-user", "demo-user-token"),
}


def auth(user: str | None) -> dict[str, str]:
    if user is None:
        return {}
    user_id, token = USERS[user]
    return {"X-User-Id": user_id, "X-Auth-Token": token}


def get(base: str, user: str | None = None, query: str = "", prefer: str = "", **headers: str) -> requests.Response:
    all_headers: dict[str, Any] = {**auth(user), **headers}
    if prefer:
        all_headers["Prefer"] = prefer
    return requests.get(f"{base}{PATH}{'?' + query if query else ''}", headers=all_headers, timeout=10)
