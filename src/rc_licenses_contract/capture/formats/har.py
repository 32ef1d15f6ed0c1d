"""`har`: HAR 1.2 captures. Every entry whose URL path ends in the endpoint's path is a record, checked
against the schema of its recorded status; other entries are skipped and counted. Every field is data of
unknown shape: a wrong type anywhere is one unreadable entry, never the end of the file."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ...bodies import BodyError, parse_body
from ...content_coding import CodingError, decode, looks_encoded
from ...records import UNREADABLE, VALID, RecordResult
from ..units import Unit, UnitResult, unreadable
from . import InputFormat

if TYPE_CHECKING:
    from ..checker import RecordChecker


def _object(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _header(response: dict[str, Any], name: str) -> str | None:
    """A recorded response header's value (HAR: a list of {name, value}); None if absent or malformed."""
    headers = response.get("headers")
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            value = header.get("value")
            return value if isinstance(value, str) else None
    return None


class HarCapture(InputFormat):
    name = "har"
    extensions = (".har",)

    def claims(self, document: Any) -> bool:
        return isinstance(document, dict) and isinstance(document.get("log"), dict) and "entries" in document["log"]

    def check(self, checker: RecordChecker, unit: Unit, data: bytes) -> UnitResult:
        name = unit.source.name
        out = UnitResult(bytes=len(data))
        try:
            har = parse_body(data, allow_lone_surrogates=True)
        except BodyError as exc:
            out.results.append(RecordResult(name, UNREADABLE, "", problem=f"not a HAR file: {exc}"))
            return out
        log = har.get("log") if isinstance(har, dict) else None
        entries = log.get("entries") if isinstance(log, dict) else None
        if not isinstance(entries, list):
            problem = "not a HAR file: " + (
                "log is not an object"
                if isinstance(har, dict) and "log" in har and not isinstance(log, dict)
                else "no log.entries list"
            )
            out.results.append(RecordResult(name, UNREADABLE, "", problem=problem))
            return out
        for index, entry in enumerate(entries):
            url = _object(entry, "request").get("url")
            if not isinstance(url, str):
                if isinstance(entry, dict) and "request" in entry:
                    out.results.append(
                        RecordResult(name, UNREADABLE, "", entry=index, problem="request.url is not a string")
                    )
                else:
                    out.results.append(
                        RecordResult(name, UNREADABLE, "", entry=index, problem="not a HAR entry (no request)")
                    )
                continue
            try:
                parts = urlsplit(url)
            except ValueError as exc:
                out.results.append(
                    RecordResult(name, UNREADABLE, "", entry=index, problem=f"malformed request.url: {exc}")
                )
                continue
            if not parts.path.endswith(checker.endpoint_path):
                out.skipped += 1
                continue
            query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)) or None
            out.results.append(self._entry(checker, name, index, entry, query))
        if not checker.options.keep_valid:
            kept = [r for r in out.results if r.state != VALID or r.warnings]
            out.valid = len(out.results) - len(kept)
            out.results = kept
        return out

    def _entry(
        self, checker: RecordChecker, name: str, index: int, entry: dict[str, Any], query: str | None
    ) -> RecordResult:
        response = _object(entry, "response")
        status = response.get("status")
        known = isinstance(status, int) and not isinstance(status, bool) and 0 <= status <= 999
        shown = status if known else None

        def make(state: str) -> RecordResult:
            return RecordResult(name, state, str(shown), entry=index, status=shown, query=query)

        def check() -> RecordResult:
            if not known:
                return unreadable(make, "response.status is not an HTTP status code")
            if status == 0:
                return unreadable(make, "no response recorded (status 0: aborted, blocked or still pending)")
            content = _object(response, "content")
            text = content.get("text")
            if not isinstance(text, str):
                return unreadable(make, "response body not captured (no content.text)")
            if content.get("encoding") == "base64":
                try:
                    raw = base64.b64decode(text, validate=True)
                except (binascii.Error, ValueError):
                    return unreadable(make, "content.text is not valid base64")
            else:
                try:
                    raw = text.encode("utf-8")
                except UnicodeEncodeError as exc:
                    code = ord(text[exc.start])
                    return unreadable(
                        make, f"content.text holds a lone UTF-16 surrogate \\u{code:04x}, which is not Unicode"
                    )
            # HAR keeps bodies decoded, but some tools record the bytes as they came over the wire.
            coding = _header(response, "content-encoding")
            if coding and looks_encoded(raw):
                try:
                    raw = decode(raw, coding)
                except CodingError as exc:
                    return unreadable(make, f"response body: {exc}")
            return checker.check(raw, make, str(status))

        return checker.safely(make, check)
