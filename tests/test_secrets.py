"""The one redactor: every encoding of every secret, masked before any cut; logs, reprs, URLs, crashes."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from rc_licenses_contract.gate.run import Credentials
from rc_licenses_contract.gate.secrets import MASK, Redactor, display_url, redacting_logs, url_secrets
from rc_licenses_contract.gate.session import header_int, retry_after_seconds

from .canary import CANARIES, TOKEN, URL_PASSWORD, URL_USER, encodings, leaks, url_with_password

REDACT = Redactor.for_run(url_with_password("https://chat.example.com"), *CANARIES[:4])


@pytest.mark.parametrize("secret", CANARIES)
def test_every_encoding_of_every_secret_is_masked(secret: str) -> None:
    for form in encodings(secret):
        text = f"before {form.decode()} after"
        assert leaks(REDACT(text).encode()) == [], (form, REDACT(text))


@pytest.mark.parametrize("secret", CANARIES)
@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc"])
def test_base64_at_every_alignment_in_both_alphabets(secret: str, prefix: bytes) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for suffix in (b"", b"z", b"zz"):
            text = "Basic " + encode(prefix + secret.encode() + suffix).decode()
            masked = REDACT(text)
            assert MASK in masked and leaks(masked.encode()) == [], (prefix, suffix, masked)


def test_the_url_password_inside_http_basic_authentication() -> None:
    basic = base64.b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode()
    assert leaks(REDACT(f"Authorization: Basic {basic}").encode()) == []


def test_whitespace_around_a_secret_and_a_trailing_newline() -> None:
    redact = Redactor([f"  {TOKEN}\n"])
    assert redact(f"x{TOKEN}y") == f"x{MASK}y"
    assert TOKEN not in redact(json.dumps({"t": f" {TOKEN}\n"}))


def test_masked_before_cut_so_no_half_secret_survives_a_limit() -> None:
    text = "p" * 190 + TOKEN + "q" * 100
    for limit in range(185, 220):
        cut = REDACT.clean(text, limit)
        assert len(cut) <= limit and leaks(cut.encode()) == [], (limit, cut)
    # A text someone else cut already: the piece of a secret at its end (or start) goes too.
    assert REDACT("value: " + TOKEN[:12] + "…") == "value: " + MASK + "…"
    assert REDACT(TOKEN[-9:] + " and more") == MASK + " and more"


def test_json_stays_json_and_escapes_control_characters() -> None:
    document = {"a": f'"{TOKEN}"\\', TOKEN: ["\x1b[31m", "\ud800", "\ufffe"]}
    cleaned = REDACT.deep(document)
    text = json.dumps(cleaned)
    assert json.loads(REDACT(text)) == cleaned
    assert leaks(text.encode()) == [] and "\x1b" not in json.loads(text)["a"] + str(cleaned)
    assert REDACT.clean("line one\nline two\x1b[2J") == "line one\\x0aline two\\x1b[2J"


def test_url_user_info_is_a_secret_and_never_displayed() -> None:
    url = url_with_password("https://chat.example.com:8443/chat")
    assert URL_PASSWORD in url_secrets(url) and URL_USER in url_secrets(url)
    assert display_url(url) == f"https://{MASK}@chat.example.com:8443/chat"
    assert display_url("https://chat.example.com") == "https://chat.example.com"
    assert set(url_secrets("http://u:p4ssword@[::1")) == {"u", "p4ssword"}, "even from a URL that does not parse"


def test_short_values_are_not_treated_as_secrets() -> None:
    """A two-letter user name would mask every 'ci' in a report; the minimum keeps reports readable."""
    assert Redactor(["ci"])("specification") == "specification"


def test_credentials_never_show_in_a_repr() -> None:
    credentials = Credentials(user_id=CANARIES[1], auth_token=TOKEN)
    assert TOKEN not in repr(credentials) and CANARIES[1] not in repr(credentials)


def test_log_records_of_any_library_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG), redacting_logs(REDACT):
        logger.warning("sending %s to %s", TOKEN, url_with_password("http://h"))
        try:
            raise RuntimeError(f"failed with {TOKEN}")
        except RuntimeError:
            logger.exception("oops \x1b[31m")
    logging.getLogger("after").warning("untouched %s", "x")
    text = caplog.text
    assert leaks(text.encode()) == [] and MASK in text
    assert "\x1b" not in text and "RuntimeError: failed with ***" in text
    assert caplog.records[-1].getMessage() == "untouched x", "the factory is restored afterwards"


def test_an_internal_error_is_one_masked_line(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import rc_licenses_contract.gate.run as gate_run
    from rc_licenses_contract.cli import main

    def crash(options: object) -> None:
        raise RuntimeError(f"bug near {TOKEN}\n{url_with_password('http://h')} " + "x" * 1000)

    monkeypatch.setattr(gate_run, "run_gate", crash)
    monkeypatch.delenv("RC_LICENSES_CONTRACT_DEBUG", raising=False)
    monkeypatch.setenv("ROCKETCHAT_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ROCKETCHAT_USER_ID", CANARIES[1])
    code = main(["gate", "--base-url", url_with_password("http://127.0.0.1:9"), "--no-schemathesis"])
    out, err = capfd.readouterr()
    assert code == 70
    lines = [line for line in err.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and "internal error: RuntimeError: bug near ***" in lines[0]
    assert leaks((out + err).encode()) == [] and len(lines[0]) < 500


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" -5 ", -5), ("\u0661\u0662", None), ("\u00b2", None), ("9" * 5000, None), ("1e3", None), ("", None)],
)
def test_rate_limit_numbers_are_ascii_digits_of_bounded_length(value: str, expected: int | None) -> None:
    assert header_int(value) == expected


def test_retry_after_in_every_rfc_9110_form() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 11, 29, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds(later, now) == 30.0
    assert retry_after_seconds("Sunday, 29-Nov-26 12:00:10 GMT", now) == 10.0
    assert retry_after_seconds("Sun Nov 29 12:00:20 2026", now) == 20.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now) == 0.0, "a past date: retry now"
    for invalid in ("-1", "1.5", "soon", "9" * 5000, "Sun, 32 Nov 99999 08:49:37 GMT", "", None):
        assert retry_after_seconds(invalid, now) is None, invalid


def test_warnings_shown_meanwhile_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    shown: list[str] = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, *rest: shown.append(str(message)))
    with redacting_logs(REDACT):
        warnings.showwarning(UserWarning(f"token {TOKEN}\x1b[31m"), UserWarning, "x.py", 1)
    warnings.showwarning(UserWarning("after"), UserWarning, "x.py", 1)
    assert shown == ["token ***\\x1b[31m", "after"]


def test_argparse_never_quotes_a_secret_back(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from rc_licenses_contract.cli import main

    monkeypatch.setenv("ROCKETCHAT_USER_ID", CANARIES[1])
    for argv in (
        ["gate", f"--auth-tokn={TOKEN}"],
        ["gate", "--user-idd", CANARIES[3]],
        ["gate", CANARIES[1]],
        ["gate", "--base-urll", url_with_password("http://h")],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        out, err = capfd.readouterr()
        assert exit_.value.code == 2 and "error:" in err
        assert leaks((out + err).encode()) == [], (argv, err)


def test_a_transport_error_reason_is_never_a_plural_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests refuses a header value with a line break in words that hold "character(s)": the reason shown
    is that sentence, not "s" (the pytest plugin, which reads the variables as they are, said "failed: s")."""
    import time

    from rc_licenses_contract.gate.session import GateSession, GateStop

    session = GateSession(("/api/info",), 1, time.monotonic() + 5, uncounted_paths=("/api/info",))
    with pytest.raises(GateStop) as stop:
        session.request("GET", "http://127.0.0.1:9/api/info", headers={"X-Auth-Token": "tok-1234\r"})
    assert "header value" in str(stop.value) and not str(stop.value).endswith(": s"), str(stop.value)
