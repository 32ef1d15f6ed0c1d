"""Compressed bodies (`Content-Encoding`): decoded where the coding can be undone, one clear line where it
cannot (Brotli without the optional `brotli` package), never compressed bytes handed on as if they were text."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract import content_coding
from rc_licenses_contract.content_coding import MAX_DECODED_BYTES, CodingError, decode, looks_encoded
from rc_licenses_contract.gate.report import text_report
from rc_licenses_contract.gate.result import Credentials, GateOptions
from rc_licenses_contract.gate.run import run_gate
from rc_licenses_contract.gate.secrets import Redactor
from rc_licenses_contract.mock.app import MockConfig, create_app
from rc_licenses_contract.mock.runner import running_mock

from .conftest import REPO, RunCli

brotli = pytest.importorskip("brotli")  # in the test extra; the kit itself only uses it when present

BODY = json.dumps(json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text())["value"]).encode()
Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def without_brotli(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if neither brotli nor brotlicffi were installed: for our decoder and for urllib3's."""
    from urllib3.response import HTTPResponse

    monkeypatch.setattr(content_coding, "_brotli_module", lambda: None)
    monkeypatch.setattr(HTTPResponse, "CONTENT_DECODERS", [c for c in HTTPResponse.CONTENT_DECODERS if c != "br"])


# --- the decoder -------------------------------------------------------------------------------------


# gzip with mtime=0: the same bytes, so the same test ids, in every pytest-xdist worker.
@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(BODY, mtime=0)),
        ("x-gzip", gzip.compress(BODY, mtime=0)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", zlib.compress(BODY)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress(BODY)),
        ("identity, br", brotli.compress(BODY)),
        ("gzip, br", brotli.compress(gzip.compress(BODY, mtime=0))),  # applied in order: undone last first
    ],
)
def test_each_coding_is_undone(coding: str, encoded: bytes) -> None:
    assert looks_encoded(encoded)
    assert decode(encoded, coding) == BODY


def test_a_body_already_decoded_is_left_alone() -> None:
    for text in (BODY, b"\xef\xbb\xbf" + BODY, b"  \n[1]", b"", b"true"):
        assert not looks_encoded(text), text


def test_zstd_is_undone_when_zstandard_is_installed() -> None:
    zstandard = pytest.importorskip("zstandard")
    assert decode(zstandard.ZstdCompressor().compress(BODY), "zstd") == BODY


@pytest.mark.parametrize(
    ("coding", "data", "words"),
    [
        ("br", b"\x8b\x02\x80not brotli at all", "Content-Encoding br: not valid br data"),
        ("br", brotli.compress(BODY)[:20], "Content-Encoding br: the compressed data is cut short"),
        ("gzip", gzip.compress(BODY, mtime=0)[:30], "Content-Encoding gzip: the compressed data is cut short"),
        ("gzip", b"\x1f\x8bgarbage", "Content-Encoding gzip: not valid gzip data"),
        ("compress", b"\x1f\x9d...", "Content-Encoding 'compress' is not a coding this tool decodes"),
        # quality 5: the default (11) spends 0.4 s on these 32 MB at every collection
        ("br", brotli.compress(b"{" + b" " * (MAX_DECODED_BYTES + 10) + b"}", quality=5), "decodes to more than 32 MB"),
        ("gzip", gzip.compress(b" " * (MAX_DECODED_BYTES + 10), mtime=0), "decodes to more than 32 MB"),
    ],
)
def test_what_cannot_be_decoded_is_one_line(coding: str, data: bytes, words: str) -> None:
    with pytest.raises(CodingError) as caught:
        decode(data, coding)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_brotli_without_its_package_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    without_brotli(monkeypatch)
    with pytest.raises(CodingError, match=r"needs the brotli package.*\(pip install brotli\)"):
        decode(brotli.compress(BODY), "br")


# --- validate: HAR entries recorded as they came over the wire ----------------------------------------------


def _har(tmp_path: Path, bodies: list[tuple[str, bytes]]) -> Path:
    entries = [
        {
            "request": {"method": "GET", "url": "https://chat.example.com/api/v1/licenses.info"},
            "response": {
                "status": 200,
                "headers": [{"name": "Content-Encoding", "value": coding}],
                "content": {
                    "mimeType": "application/json",
                    "text": base64.b64encode(data).decode(),
                    "encoding": "base64",
                },
            },
        }
        for coding, data in bodies
    ]
    path = tmp_path / "wire.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def test_validate_decodes_har_bodies_kept_compressed(run_cli: RunCli, tmp_path: Path) -> None:
    har = _har(tmp_path, [("br", brotli.compress(BODY)), ("gzip", gzip.compress(BODY)), ("br", BODY)])
    done = run_cli("validate", "--jobs", "1", str(har))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 records, 3 valid" in done.stdout


def test_validate_says_in_one_line_what_it_cannot_decode_and_goes_on(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_brotli(monkeypatch)
    har = _har(tmp_path, [("br", brotli.compress(BODY)), ("gzip", gzip.compress(BODY)), ("br", b"\x0b\x02garbage")])
    done = run_cli("validate", "--jobs", "1", str(har))
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "Content-Encoding br" in line]
    assert len(lines) == 2, done.stdout
    assert all("needs the brotli package" in line and "(pip install brotli)" in line for line in lines)
    assert "3 records, 1 valid" in done.stdout and "Traceback" not in done.stdout + done.stderr


# --- the gate: a workspace that answers in Brotli ---------------------------------------------------------


def brotli_everything(app: Asgi) -> Asgi:
    """The app behind a proxy that compresses every answer with Brotli, asked for or not."""

    async def compressed(
        scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            data = brotli.compress(bytes(body))
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length", b"content-encoding")]
            headers += [(b"content-encoding", b"br"), (b"content-length", str(len(data)).encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await app(scope, receive, capture)

    return compressed


def _gate_through_brotli() -> Any:
    app = brotli_everything(create_app(MockConfig(root=REPO)))
    with running_mock(app=app) as base:
        options = GateOptions(
            base_url=base,
            privileged=Credentials("rc-demo-admin", "demo-admin-token"),
            unprivileged=Credentials("rc-demo-user", "demo-user-token"),
            root=REPO,
            timeout=30.0,
        )
        options.schemathesis = False
        return run_gate(options)


def test_the_gate_decodes_brotli_when_the_package_is_there() -> None:
    result = _gate_through_brotli()
    assert result.exit_code == 0, [f.message for f in result.findings]
    assert {c.id: c.state for c in result.checks}["schema"] == "passed"


def test_the_gate_reports_brotli_it_cannot_decode_as_one_clear_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    without_brotli(monkeypatch)
    result = _gate_through_brotli()
    assert result.exit_code == 1
    [finding] = [f for f in result.findings if f.check == "json-body"]
    assert finding.message == (
        'body is not JSON: it is still br-encoded (Content-Encoding: "br"), a coding the gate did not ask for '
        "and cannot decode (pip install brotli)"
    )
    assert finding.value is not None and finding.value.endswith(' bytes, br"')
    text = text_report(result, Redactor([]))
    assert "[json-body] body is not JSON: it is still br-encoded" in text
    assert "\\x" not in text and "\ufffd" not in text, "no compressed bytes shown as text"
