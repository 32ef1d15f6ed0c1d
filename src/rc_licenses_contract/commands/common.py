"""What more than one command needs: the contract's folder and a report file whose failed write is a usage error."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TextIO

from ..errors import UsageError, not_one_of
from ..loader import default_root, load_contract


def contract_root(args: argparse.Namespace) -> Path:
    root: Path = args.root if args.root is not None else default_root()
    return root.resolve()


def check_contract_names(args: argparse.Namespace) -> None:
    """A `--profile` (or config `profile`) and a `--response` the contract at `--root` declares; else a usage error.

    Not argparse `choices`: the names are the contract's (contracts/profiles.json, openapi.yaml's responses), and
    `--root` may name another contract than the bundled one.
    """
    contract = load_contract(contract_root(args))
    for flag, value, known, source in (
        ("--profile", getattr(args, "profile", None), list(contract.profiles), "contracts/profiles.json"),
        ("--response", getattr(args, "response", None), sorted(contract.responses), "openapi.yaml"),
    ):
        problem = None if value is None else not_one_of(flag, value, known)
        if problem:
            raise UsageError(f"{problem} ({source})")


class OutputError(Exception):
    def __init__(self, path: Path, exc: OSError) -> None:
        self.reason = exc.strerror or str(exc)
        super().__init__(f"{path}: cannot write: {self.reason}")


class ReportFile:
    """The report file: a failed write (a full disk, /dev/full) is a usage error naming the file, not a crash.

    A regular file (or a new one) is written beside its place and moved there only once the report is
    whole: a run that fails or is interrupted leaves the previous report as it was, never a truncated one.
    Anything else (a device, a pipe, a link) is written in place.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._part: Path | None = None
        self.handle = self._open_beside(path) or path.open("w", encoding="utf-8")

    def _open_beside(self, path: Path) -> TextIO | None:
        try:
            current = path.lstat()
        except FileNotFoundError:
            mode = _default_mode()
        except OSError:
            return None
        else:
            if not stat.S_ISREG(current.st_mode):
                return None
            mode = stat.S_IMODE(current.st_mode)
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        except OSError:  # a folder we cannot create files in: write in place, as asked
            return None
        os.chmod(name, mode)
        self._part = Path(name)
        return os.fdopen(fd, "w", encoding="utf-8")

    def __enter__(self) -> ReportFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Put in place when the block ends well; on any exception, an interruption too, abandoned."""
        if kind is None:
            self.close()
        else:
            self.abandon()

    def write(self, text: str) -> int:
        try:
            return self.handle.write(text)
        except OSError as exc:
            raise OutputError(self.path, exc) from None

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        try:
            self.handle.close()
            if self._part is not None:
                os.replace(self._part, self.path)
                self._part = None
        except OSError as exc:
            self.abandon()
            raise OutputError(self.path, exc) from None

    def abandon(self) -> None:
        """Close after a failure that is already being reported (a second write error says nothing new); the
        previous report, if any, stays as it was."""
        with contextlib.suppress(OSError):
            self.handle.close()
        if self._part is not None:
            with contextlib.suppress(OSError):
                self._part.unlink()
            self._part = None


def _default_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp itself makes files private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
