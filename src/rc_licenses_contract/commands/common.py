"""What more than one command needs: the contract's folder and a report file whose failed write is a usage error."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from ..errors import UsageError
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
        if value is not None and value not in known:
            raise UsageError(f"{flag}: {value!r} is not one of {', '.join(known)} ({source})")


class OutputError(Exception):
    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(f"{path}: cannot write: {exc.strerror or exc}")


class ReportFile:
    """The report file: a failed write (a full disk, /dev/full) is a usage error naming the file, not a crash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("w", encoding="utf-8")

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
        except OSError as exc:
            raise OutputError(self.path, exc) from None

    def abandon(self) -> None:
        """Close after a failure that is already being reported: a second write error says nothing new."""
        with contextlib.suppress(OSError):
            self.handle.close()
