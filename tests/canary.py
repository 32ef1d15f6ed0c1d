"""Canary secrets, every encoding of them, and a scanner for every byte a run wrote."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

# Four credential values and a URL password, each distinct enough that a hit is never a coincidence.
TOKEN = "canaryTok-7f3a9c1e2b4d/Q+x"
USER_ID = "canaryUsr-51c8e0 z&9"
UNPRIVILEGED_TOKEN = "canaryLowTok-0d9e8f7a6b"
UNPRIVILEGED_USER_ID = "canaryLowUsr-3c2b1a"
URL_USER = "gateuser"
URL_PASSWORD = "canaryPw-s3cr3t:x@y"
CANARIES = (TOKEN, USER_ID, UNPRIVILEGED_TOKEN, UNPRIVILEGED_USER_ID, URL_PASSWORD)


def url_with_password(base: str) -> str:
    scheme, _, rest = base.partition("://")
    return f"{scheme}://{URL_USER}:{quote(URL_PASSWORD, safe='')}@{rest}"


def canary_env(base: str | None = None) -> dict[str, str]:
    env = {
        "ROCKETCHAT_AUTH_TOKEN": TOKEN,
        "ROCKETCHAT_USER_ID": USER_ID,
        "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN": UNPRIVILEGED_TOKEN,
        "ROCKETCHAT_UNPRIVILEGED_USER_ID": UNPRIVILEGED_USER_ID,
    }
    if base is not None:
        env["ROCKETCHAT_URL"] = url_with_password(base)
    return env


def _base64_pieces(secret: bytes) -> list[str]:
    """A long stretch of the secret's base64 at each alignment (both alphabets)."""
    pieces = []
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + secret + b"\x00\x00").decode()
        # The characters that depend on the secret's bits alone: what any leak at this alignment shows.
        core = encoded[-(-offset * 8 // 6) : (offset + len(secret)) * 8 // 6]
        pieces += [core, core.replace("+", "-").replace("/", "_")]
    return pieces


def encodings(secret: str) -> list[bytes]:
    """Every form a secret is looked for in: the same forms the redactor promises to mask."""
    raw = secret.encode()
    forms = [
        secret,
        quote(secret, safe=""),
        re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=True).replace("/", "\\/")[1:-1],
        repr(secret)[1:-1],
        repr(raw)[2:-1],
        html.escape(secret, quote=True),
        "".join(f"&#{ord(c)};" for c in secret),
        raw.hex(),
        raw.hex().upper(),
        *_base64_pieces(raw),
    ]
    return sorted({f.encode() for f in forms if f})


def leaks(blob: bytes, secrets: tuple[str, ...] = CANARIES) -> list[str]:
    """Which secret in which form appears in `blob` (empty: none)."""
    found = []
    for secret in secrets:
        for form in encodings(secret):
            if form in blob:
                found.append(f"{secret!r} as {form!r}")
        # A cut secret: any piece of 8 or more characters of it.
        for start in range(0, len(secret) - 7):
            piece = secret[start : start + 8].encode()
            if piece in blob:
                found.append(f"{secret!r}: piece {piece!r}")
                break
    return found


def scan(*blobs: bytes | str, folder: Path | None = None) -> list[str]:
    """Leaks in the given outputs and in every file under `folder`."""
    everything = [b if isinstance(b, bytes) else b.encode("utf-8", "surrogateescape") for b in blobs]
    if folder is not None:
        everything += [p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()]
    return [leak for blob in everything for leak in leaks(blob)]
