"""The redactor's edges: short credentials masked where they stand whole (never inside a word), and
secrets a server encoded twice. Unit cases first, then real gate runs against servers that echo them."""

from __future__ import annotations

import base64
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from rc_licenses_contract.gate.secrets import MASK, Redactor

from .canary import CANARIES, canary_env, scan, url_with_password
from .conftest import REPO, RunCli, cli_env
from .hostile import Conn, HostileServer, Request, json_response, version_info

SHORT_TOKEN, SHORT_USER = "Qj7", "zK"  # three and two characters: below the redactor's MIN_SECRET


# --- short values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"x-auth-token": "Qj7"}',
        "{'x-auth-token': 'Qj7'}",
        '{"echo": "{\\"t\\": \\"Qj7\\"}"}',  # JSON inside a JSON string
        "X-Auth-Token: Qj7",
        "X-Auth-Token: Qj7\r\nX-Other: 1",
        "GET /api/v1/licenses.info?token=Qj7&loadValues=true",
        "/api/v1/licenses.info?token=Qj7",
        "at: /license/echo/Qj7 (additionalProperties)",
        "<value>&quot;Qj7&quot;</value>",
        "q=%22Qj7%22",
        '{"x-auth-token": "\\u0051j7"}',  # JSON-escaped characters
        "token=Q%6a7",  # URL-encoded characters
    ],
)
def test_a_short_credential_is_masked_where_it_stands_whole(text: str) -> None:
    masked = Redactor([SHORT_TOKEN])(text)
    assert MASK in masked and "Qj7" not in masked and "\\u0051j7" not in masked and "Q%6a7" not in masked, masked


def test_a_short_credential_handed_over_alone_is_masked() -> None:
    redact = Redactor([SHORT_TOKEN])
    assert redact.deep({"value": "Qj7", "line": " Qj7\n", "other": "Qj7 and more"}) == {
        "value": MASK,
        "line": f"{MASK}\\x0a",  # the whitespace around goes with it; the newline is escaped after masking
        "other": "Qj7 and more",
    }
    assert redact.lines("first\nQj7\nlast") == f"first\n{MASK}\nlast"


@pytest.mark.parametrize(
    "text",
    [
        "Qj7 in prose, Qj7.",
        "aQj7b xQj7 Qj7y",
        "specification ab crab lab",
        '"Qj7x" "xQj7"',
        "token=Qj7x&a=xQj7",
        "/Qj7x/",
    ],
)
def test_a_short_credential_never_garbles_a_word_that_contains_it(text: str) -> None:
    assert Redactor([SHORT_TOKEN, "ab"])(text) == text


def test_texts_masked_again_and_again_stay_masked_and_the_memo_stays_bounded() -> None:
    """The redactor remembers short texts it masked (reports repeat them): a repeat is masked the same,
    a long text is masked but not kept, and the memory stops growing at its bound."""
    secret = "canary-token-7f3a9c"
    redact = Redactor([secret])
    text = f"token={secret}"
    assert redact(text) == redact(text) == f"token={MASK}"
    long_text = "x" * 600 + secret
    assert redact(long_text) == "x" * 600 + MASK and long_text not in redact._masked
    for number in range(20_000):
        assert redact(f"{number} {secret}") == f"{number} {MASK}"
    assert len(redact._masked) == 16_384
    assert redact(f"19999 {secret}") == f"19999 {MASK}", "a text past the bound is masked all the same"


def test_the_memo_keeps_a_bounded_number_of_characters() -> None:
    """A server's distinct long texts (up to the memo's length limit, astral characters, each masked longer)
    do not fill every entry: what the memo keeps is bounded in characters, and each is still masked."""
    from rc_licenses_contract.gate import secrets

    redact = Redactor(["ab"])
    for number in range(2_000):  # twice the bound's worth of characters, far fewer than its entries
        text = (f'\U0001f600{number}"ab",' * 64)[: secrets._MEMO_TEXT_MAX]
        assert MASK in redact(text) and '"ab"' not in redact(text)
    assert redact._masked, "the memo is used"
    assert sum(len(text) + len(masked) for text, masked in redact._masked.items()) <= secrets._MEMO_CHARS


def test_a_short_url_password_inside_http_basic_authentication() -> None:
    url = "https://gateuser:pw@chat.example.com"
    redact = Redactor.for_run(url)
    basic = base64.b64encode(b"gateuser:pw").decode()
    assert redact(f"Authorization: Basic {basic}") == f"Authorization: Basic {MASK}"
    assert redact('{"password": "pw", "note": "pwd"}') == f'{{"password": "{MASK}", "note": "pwd"}}'


# --- encoded twice ---------------------------------------------------------------------------------


def double_encodings(secret: str) -> dict[str, str]:
    """What a server's echo makes of a secret when two encoders meet on the way."""
    url, as_json = quote(secret, safe=""), json.dumps(secret)
    return {
        "URL-encoded twice": quote(url, safe=""),
        "JSON-escaped URL-encoding": json.dumps(url, ensure_ascii=True).replace("%", "\\u0025"),
        "percent-encoded JSON string": quote(as_json, safe=""),
        "percent-encoded JSON string (ASCII escapes)": quote(json.dumps(secret, ensure_ascii=True), safe=""),
        "JSON string escaped into JSON": json.dumps(as_json),
        "JSON string XML-escaped": html.escape(as_json, quote=True),
        "form-encoded, then URL-encoded": quote(quote_plus(secret), safe=""),
        "base64 of the URL-encoding": base64.b64encode(url.encode()).decode(),
        "base64 of the JSON escaping": base64.b64encode(as_json[1:-1].encode()).decode(),
        "URL-safe base64 of the URL-encoding": base64.urlsafe_b64encode(b"x" + url.encode()).decode(),
        "hex of the URL-encoding": url.encode().hex(),
    }


def double_leaks(blob: str, secrets: tuple[str, ...] = CANARIES) -> list[str]:
    """Any double encoding of a secret, or a stretch of 8 characters of one, left in `blob`."""
    found = []
    for secret in secrets:
        for name, form in double_encodings(secret).items():
            core = form.strip('"=')
            pieces = [core[start : start + 12] for start in range(0, max(1, len(core) - 11))]
            if any(piece in blob for piece in pieces if len(piece) >= 12 and not set(piece) <= set("0")):
                found.append(f"{secret!r} {name}")
    return found


@pytest.mark.parametrize("secret", CANARIES)
def test_every_double_encoding_of_every_secret_is_masked(secret: str) -> None:
    redact = Redactor.for_run(url_with_password("https://chat.example.com"), *CANARIES[:4])
    for name, form in double_encodings(secret).items():
        masked = redact(f"before {form} after")
        assert MASK in masked and double_leaks(masked, (secret,)) == [], (name, form, masked)


def test_the_double_leak_scanner_finds_what_it_looks_for() -> None:
    for secret in CANARIES:
        for name, form in double_encodings(secret).items():
            assert double_leaks(f"x {form} y", (secret,)), name


# --- real runs ----------------------------------------------------------------------------------------


def _echo_twice(request: Request, conn: Conn) -> None:
    """A server that echoes every credential it was sent, encoded twice, into undocumented properties."""
    if version_info(request, conn):
        return
    sent = [v for k, v in request.headers.items() if k in ("x-auth-token", "x-user-id", "authorization")]
    # Module names break the schema one by one, so each finding quotes its value whole.
    modules = [form for value in sent for form in double_encodings(value).values()]
    body = {"success": True, "license": {"trial": False, "activeModules": modules}}
    conn.send(json_response(200, body, {f"X-Echo-{i}": quote(quote(v, safe=""), safe="") for i, v in enumerate(sent)}))


def test_a_server_echoing_secrets_encoded_twice_leaks_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    with HostileServer(_echo_twice, max_seconds=30.0).running() as server:
        done = run_cli(
            "gate", "--strict", "--no-schemathesis", "--timeout", "20", "--json", str(tmp_path / "gate.json"),
            "--junit", str(tmp_path / "gate.xml"), env=cli_env(**canary_env(server.base)),
        )  # fmt: skip
    assert done.returncode in (1, 3), done.stdout + done.stderr
    assert any(r.headers.get("x-auth-token") for r in server.requests), "the server was sent the canaries"
    written = [done.stdout, done.stderr, *(p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("gate.*")))]
    assert all(double_leaks(blob) == [] for blob in written), [double_leaks(blob) for blob in written]
    assert scan(*written) == []
    assert "at: /license/activeModules/10 (anyOf)" in done.stdout and MASK in done.stdout, "reported, masked"
    ET.fromstring(written[-1])  # the JUnit report stays well-formed
    json.loads(written[-2])


@pytest.fixture
def short_callers(tmp_path: Path) -> Path:
    users = {
        "users": [
            {
                "name": "admin",
                "userId": SHORT_USER,
                "authToken": SHORT_TOKEN,
                "permissions": ["view-privileged-setting", "api-bypass-rate-limit"],
            },
            {"name": "user", "userId": "rc-demo-user", "authToken": "demo-user-token", "permissions": []},
        ]
    }
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users), encoding="utf-8")
    return path


def test_short_credentials_echoed_by_the_mock_are_masked(run_cli: RunCli, tmp_path: Path, short_callers: Path) -> None:
    """`mock --fault echo-credentials`, run as the CLI runs it, echoes a three- and a two-character secret."""
    from rc_licenses_contract.mock.app import MockConfig
    from rc_licenses_contract.mock.runner import running_mock

    config = MockConfig(root=REPO, fault="echo-credentials", users_file=short_callers)
    env = cli_env(
        ROCKETCHAT_AUTH_TOKEN=SHORT_TOKEN,
        ROCKETCHAT_USER_ID=SHORT_USER,
        ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN="demo-user-token",
        ROCKETCHAT_UNPRIVILEGED_USER_ID="rc-demo-user",
    )
    report = tmp_path / "gate.json"
    with running_mock(config) as base:
        done = run_cli("gate", "--base-url", base, "--no-schemathesis", "--strict", "--json", str(report), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    text = report.read_text(encoding="utf-8")
    assert '"x-auth-token":"***"' in done.stdout and '\\"x-user-id\\":\\"***\\"' in text, "echoed, then masked"
    for blob in (done.stdout, done.stderr, text):
        assert f'"{SHORT_TOKEN}"' not in blob and f'"{SHORT_USER}"' not in blob
        assert SHORT_TOKEN not in blob, "not even inside a word: nothing else in this run spells it"
