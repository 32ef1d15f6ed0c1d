"""Keeping secrets out of every byte the gate writes: the one redactor at every door.

The secrets of a run are both credential values of every caller and the user and password of a base URL
(`https://user:pass@host`). A server may echo them back in any form, and formatters add their own, so
each secret is masked in every form it can take on the way out:

- raw, and stripped of surrounding whitespace (a variable read from a file keeps its newline);
- URL-encoded (`%xx` in either case, `+` for a space), JSON-escaped (`\\uXXXX`, `\\"`, `\\/`),
  Python-repr-escaped (`\\xXX`, `\\uXXXX`, `\\UXXXXXXXX`), XML/HTML-escaped (`&#NN;`, `&#xXX;`, `&amp;`),
  JSON-pointer-escaped (`~1`, `~0`: a secret used as a key shows up in a pointer), any mix of these
  character by character, and escaped more than once;
- encoded twice, as a server's echo does it: URL-encoded again (`%252F`), a JSON string URL-encoded
  (`%5C%22`, `%5Cu00e9`), a JSON string XML-escaped (`\\&quot;`), a `+` for a space URL-encoded (`%2B`);
- base64 at each of the three byte alignments (so inside `Basic dXNlcjpwYXNz`, too), standard and
  URL-safe alphabets, padded or not; of the raw value and of its URL-encoded and JSON-escaped forms;
- hex of its UTF-8 bytes (and of those forms), upper or lower case.

A value shorter than `MIN_SECRET` cannot be masked wherever it occurs without masking ordinary words, so
it is masked where it stands whole, in every character form above: the whole text, a quoted string (`"ab"`,
`'ab'`, `&quot;ab&quot;`), a whole query or form value (`=ab&`), a whole header value (`Name: ab` at the
end of a line) and a whole JSON-pointer segment (`/echo/ab`). A URL's `user:password` is also masked
as one value, so a short password inside `Basic …` goes with it.

Masking comes before any cut: `clean` masks, escapes control characters, and only then cuts to length, so
a secret is never left half-visible by a limit. A text that arrives already cut (by someone else) is
also cleared of a trailing (or leading) piece of a secret of `MIN_PART` characters or more.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

from ..textsafety import escape_control

MASK = "***"
MIN_SECRET = 4  # shorter values are masked only where they stand whole (see the module docstring)
MIN_PART = 4  # the shortest leftover piece of a cut secret that is still masked
ELLIPSIS = "…"
# Characters XML 1.0 forbids that escape_control leaves alone (it handles controls and surrogates).
_XML_NONCHARACTERS = re.compile("[\ufffe\uffff]")
_SHORT_ESCAPES = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f"}
_XML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}


def _hex(text: str) -> str:
    """A case-insensitive pattern for hex digits."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in text)


# A percent sign as an outer layer leaves it: itself, URL-encoded again (%25...) or JSON-escaped.
_PERCENT = r"(?:%(?:25)*|\\+u0025)"
# Backslashes of one escaping or many, any of them URL-encoded by an outer layer (a JSON string in a URL).
_SLASHES = r"(?:\\|%(?:25)*5[cC])+"


def _char_forms(char: str) -> str:
    """Every way one character of a secret may be written by an encoder or an escaper, or by two in a row."""
    code = ord(char)
    utf8 = char.encode("utf-8")
    slashes = _SLASHES
    forms = [
        "".join(_PERCENT + _hex(f"{byte:02x}") for byte in utf8),  # URL-encoded, once or more
        "&(?:amp;)*#0*" + str(code) + ";",  # XML decimal reference
        "&(?:amp;)*#[xX]0*" + _hex(f"{code:x}") + ";",  # XML hex reference
    ]
    if code < 0x10000:
        forms.append(slashes + "u" + _hex(f"{code:04x}"))  # JSON and Python \uXXXX
    else:
        high, low = divmod(code - 0x10000, 0x400)
        forms.append(slashes + "u" + _hex(f"{0xD800 + high:04x}") + slashes + "u" + _hex(f"{0xDC00 + low:04x}"))
        forms.append(slashes + "U" + _hex(f"{code:08x}"))
    if code < 0x100:
        forms.append(slashes + "x" + _hex(f"{code:02x}"))  # Python repr
    if len(utf8) > 1:
        forms.append("".join(slashes + "x" + _hex(f"{byte:02x}") for byte in utf8))  # bytes repr
    if char in _SHORT_ESCAPES:
        forms.append(slashes + _SHORT_ESCAPES[char])
    if char in "\"'/\\":
        # The escaped character itself raw, or URL-encoded or XML-escaped by an outer layer.
        named = [f"&(?:amp;)*{_XML_NAMED[char]};"] if char in _XML_NAMED else []
        forms.append(slashes + "(?:" + "|".join([re.escape(char), _PERCENT + _hex(f"{code:02x}"), *named]) + ")")
    if char in _XML_NAMED:
        forms.append("&(?:amp;)*" + _XML_NAMED[char] + ";")
    if char == " ":
        forms.append(r"\+|" + _PERCENT + "2[bB]")  # a form's plus sign, and that plus URL-encoded again
    if char in "/~":
        forms.append("~1" if char == "/" else "~0")  # JSON pointer (a secret used as a key)
    forms.append(re.escape(char))  # last: the escaped forms win where both would match
    return "(?:" + "|".join(forms) + ")"


def _base64_cores(secret: bytes) -> list[str]:
    """The base64 characters that depend on the secret's bytes alone, at each of the three alignments."""
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret + b"\0\0").decode()
        first = -(-offset * 8 // 6)  # the first character whose six bits all come from the secret
        last = (offset + len(secret)) * 8 // 6  # one past the last such character
        core = encoded[first:last]
        if len(core) >= MIN_SECRET:
            cores.append(core)
    return cores


def _first_encodings(secret: str) -> list[bytes]:
    """The secret and what one encoder makes of it: the bytes that base64 or hex may then encode again."""
    forms = [secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]]
    return list(dict.fromkeys(form.encode("utf-8") for form in forms))


def _forms(secret: str) -> list[str]:
    """Patterns for one secret, longest-first friendly: per-character mixes, base64 and hex."""
    patterns = ["".join(_char_forms(c) for c in secret)]
    for raw in _first_encodings(secret):
        # The value encoded on its own (a `Basic …` token) goes whole, its last characters and padding too.
        whole = base64.b64encode(raw).decode().rstrip("=")
        patterns += [re.escape(whole) + "=*", re.escape(whole.replace("+", "-").replace("/", "_")) + "=*"]
        for core in _base64_cores(raw):
            patterns.append(re.escape(core))
            urlsafe = core.replace("+", "-").replace("/", "_")
            if urlsafe != core:
                patterns.append(re.escape(urlsafe))
        patterns.append(_hex(raw.hex()))
    return patterns


def _standing_whole(values: Iterable[str]) -> re.Pattern[str] | None:
    """Short values, in every character form, where they stand whole: the whole text, a quoted string, a
    query value, a header value at the end of a line, a JSON-pointer segment; never inside a word."""
    ordered = sorted(values, key=len, reverse=True)
    if not ordered:
        return None
    value = "(?:" + "|".join("".join(_char_forms(c) for c in v) for v in ordered) + ")"
    contexts = [
        rf"""(?<=["']){value}(?=\\*["'])""",  # a whole quoted string (also JSON inside JSON)
        rf"(?<=&quot;){value}(?=&quot;)",
        rf"(?<=%22){value}(?=(?:%5[cC])*%22)",  # a quoted string, URL-encoded
        rf"""(?<==){value}(?=[&#;\s"'<]|$)""",  # a whole query or form value
        rf"""(?:(?<=: )|(?<=:\t)){value}(?=[ \t]*(?:[\r\n"']|$))""",  # a whole header value
        rf"""(?<=/){value}(?=[/\s)"']|$)""",  # a whole JSON-pointer segment
        rf"\A\s*{value}(?=\s*\Z)",  # a whole text: one value handed over on its own (a report field, a line)
    ]
    return re.compile("|".join(contexts))


def url_secrets(url: str | None) -> list[str]:
    """The user and password of a URL's user info, as written and decoded."""
    if not url:
        return []
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^@/?#]*)@", url.strip())
        if not match:
            return []
        user, _, password = match.group(1).partition(":")
    else:
        if "@" not in parts.netloc:
            return []
        user, _, password = parts.netloc.rpartition("@")[0].partition(":")
    return [value for part in (user, password) for value in (part, unquote(part)) if value]


def basic_credentials(url: str | None) -> list[str]:
    """A URL's `user:password`, as written and decoded: what its `Authorization: Basic …` encodes."""
    match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)@", (url or "").strip())
    if match is None or ":" not in match.group(1):
        return []
    user, _, password = match.group(1).partition(":")
    return list(dict.fromkeys([f"{user}:{password}", f"{unquote(user)}:{unquote(password)}"]))


def display_url(url: str) -> str:
    """The URL with any user info replaced by the mask: safe to print."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(://)[^@/?#]*@", r"\1" + MASK + "@", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=MASK + "@" + parts.netloc.rpartition("@")[2]))


_MEMO_ENTRIES = 16_384
_MEMO_TEXT_MAX = 512
# What the memo keeps, texts and their masked forms, in characters: a few MB at most (up to 4 bytes each).
# Entries alone would let a server's distinct long texts hold some 60 MB that would otherwise be freed.
_MEMO_CHARS = 1 << 20


class Redactor:
    """Masks every known secret in every encoding; the last pass before anything is written."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        values: set[str] = set()
        short: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            for value in (secret, secret.strip()):
                if len(value) >= MIN_SECRET:
                    values.add(value)
                elif value:
                    short.add(value)
        self.secrets = sorted(values, key=len, reverse=True)
        self.short = sorted(short)
        self._standing_whole = _standing_whole(short)
        self._longest = len(self.secrets[0]) if self.secrets else 0
        self._masked: dict[str, str] = {}
        self._memo_chars = 0
        patterns = [form for value in self.secrets for form in _forms(value)]
        self._pattern = re.compile("|".join(patterns)) if patterns else None
        # Pieces of a secret that a cut made elsewhere left at the end (or start) of a text.
        heads = {v[:n] for v in self.secrets for n in range(MIN_PART, len(v))}
        tails = {v[-n:] for v in self.secrets for n in range(MIN_PART, len(v))}
        self._cut_head = (
            re.compile("(?:" + "|".join(map(re.escape, sorted(heads, key=len, reverse=True))) + ")(?=…|\\.\\.\\.|$)")
            if heads
            else None
        )
        self._cut_tail = (
            re.compile("^(?:…|\\.\\.\\.)?(?:" + "|".join(map(re.escape, sorted(tails, key=len, reverse=True))) + ")")
            if tails
            else None
        )

    @classmethod
    def for_run(cls, base_url: str | None, *values: str | None) -> Redactor:
        """The redactor for a run: credential values, and the user and password of the base URL (also as
        the one `user:password` that HTTP Basic authentication encodes)."""
        return cls([*values, *url_secrets(base_url), *basic_credentials(base_url)])

    def __bool__(self) -> bool:
        return self._pattern is not None or self._standing_whole is not None

    def __call__(self, text: str) -> str:
        # A report repeats its short texts (field names, paths, messages) thousands of times: each is masked
        # once. The memo is bounded in entries, in the length of each text and in all it keeps.
        known = self._masked.get(text)
        if known is not None:
            return known
        masked = text
        if self._pattern is not None:
            masked = self._pattern.sub(MASK, masked)
            if self._cut_head is not None and self._cut_tail is not None:
                masked = self._cut_tail.sub(MASK, self._cut_head.sub(MASK, masked))
        if self._standing_whole is not None:
            masked = self._standing_whole.sub(MASK, masked)
        kept = len(text) + len(masked)
        if len(text) <= _MEMO_TEXT_MAX and len(self._masked) < _MEMO_ENTRIES and self._memo_chars + kept <= _MEMO_CHARS:
            self._masked[text] = masked
            self._memo_chars += kept
        return masked

    def clean(self, value: Any, limit: int | None = None) -> str:
        """One value for a report or a terminal: masked, control characters escaped, then cut to `limit`."""
        text = value if isinstance(value, str) else str(value)
        if limit is not None:
            # Only the head can be shown: mask a generous head, not megabytes. A secret reaching past this
            # point starts far beyond `limit` (no encoding spends 64 characters on one), so the cut below
            # removes any piece of it.
            text = text[: 2 * limit + 64 * self._longest + 1024]
        text = escape_control(self(text))
        text = _XML_NONCHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        if limit is not None and len(text) > limit:
            text = text[: limit - 1] + ELLIPSIS
        return text

    def lines(self, text: str) -> str:
        """A text of our own making, each line cleaned; our line breaks stay line breaks."""
        return "\n".join(self.clean(line) for line in text.split("\n"))

    def deep(self, value: Any, limit: int | None = None) -> Any:
        """Every string (keys included) in a JSON-like structure, cleaned."""
        if isinstance(value, str):
            return self.clean(value, limit)
        if isinstance(value, dict):
            return {self.clean(str(k)): self.deep(v, limit) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(item, limit) for item in value]
        return value


@contextlib.contextmanager
def redacting_logs(redact: Redactor) -> Iterator[None]:
    """Every log record created meanwhile, by any library, carries masked, escaped text only; so does every
    warning shown."""
    previous = logging.getLogRecordFactory()
    previous_show = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        previous_show(redact.lines(str(message)), category, filename, lineno, file, line)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a library's broken format string must not end the run
            message = str(record.msg)
        record.msg, record.args = redact.lines(message), None
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_text = redact.lines(f"{type(error).__name__}: {error}")
            record.exc_info = None  # no traceback: its frames' locals and lines are not ours to print
        if record.stack_info:
            record.stack_info = redact.lines(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
    warnings.showwarning = show
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)
        warnings.showwarning = previous_show
