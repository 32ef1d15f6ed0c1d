"""Remote inputs through fsspec URLs (`s3://bucket/prefix/`, `gs://…`, `https://…`): globbing and "folders"
as for local paths, credentials from each store's usual environment and configuration. A URL's user and
password never appear in a source's name. Needs the optional `[remote]` extra (fsspec and the store's
package, e.g. s3fs)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, BinaryIO, cast

from ..errors import UsageError
from .formats import format_for_name
from .sources import Discovery, Source

GLOB_CHARACTERS = "*?["


def shown(url: str) -> str:
    """The URL without its user and password (the gate's display form)."""
    from ..gate.secrets import display_url

    return display_url(url)


def scrub(text: str, url: str | None) -> str:
    """A message about a URL's object with the URL's user and password masked, in any encoding."""
    if not url:
        return text
    from ..gate.secrets import Redactor, url_secrets

    secrets = url_secrets(url)
    return Redactor(secrets)(text) if secrets else text


def _filesystem(url: str) -> tuple[Any, str]:
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError(
            f"{shown(url)}: remote inputs need fsspec (pip install 'rc-licenses-contract[remote]')"
        ) from None
    try:
        return cast(tuple[Any, str], fsspec.core.url_to_fs(url))
    except (ImportError, ValueError) as exc:  # an unknown protocol, or its package missing
        raise UsageError(scrub(f"{shown(url)}: {_first_line(exc)}", url)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text


def expand(url: str, input_format: str, result: Discovery) -> None:
    fs, path = _filesystem(url)
    protocol = url.partition("://")[0]
    web = protocol in ("http", "https")  # a web address is one object: its own name, no listing

    def full_url(found_path: str) -> str:
        return url if web else f"{protocol}://{found_path}"

    def kind(name: str) -> str:
        return input_format if input_format != "auto" else (format_for_name(name) or "auto")

    def add(found_path: str, info: dict[str, Any], explicit: bool) -> None:
        name = shown(full_url(found_path))
        if not explicit and format_for_name(found_path) is None and input_format == "auto":
            return  # inside a "folder": only names of known formats, as for local folders
        size = info.get("size")
        size = size if isinstance(size, int) else -1
        result.sources.append(Source(name, kind(found_path), url=full_url(found_path), size=size))

    try:
        if any(character in path for character in GLOB_CHARACTERS) and not web:
            matches = fs.glob(path, detail=True)
            if not matches:
                result.notes.append(f"{shown(url)}: matched nothing")
            for found_path, info in sorted(matches.items()):
                if info.get("type") == "directory":
                    _walk(fs, found_path, add)
                else:
                    add(found_path, info, explicit=False)
            return
        info = fs.info(path)
        if info.get("type") == "directory":
            _walk(fs, path, add)
        else:
            add(path, info, explicit=True)
    except FileNotFoundError as exc:
        cause = exc.__cause__ or exc.__context__  # fsspec's HTTP store says "not found" for "cannot connect"
        detail = f" ({_first_line(cause)})" if cause is not None else ""
        raise UsageError(scrub(f"{shown(url)}: no such file or folder{detail}", url)) from None
    except Exception as exc:  # no credentials, access denied, unreachable: one line, the run goes on
        problem = scrub(f"cannot read: {_first_line(exc)}", url)
        result.sources.append(Source(shown(url), kind(path), url=url, problem=problem))


def _walk(fs: Any, folder: str, add: Any) -> None:
    for found_path, info in sorted(fs.find(folder, detail=True).items()):
        if info.get("type") != "directory":
            add(found_path, info, explicit=False)


def open_url(url: str) -> AbstractContextManager[BinaryIO]:
    import fsspec

    return cast(AbstractContextManager[BinaryIO], fsspec.open(url, "rb"))
