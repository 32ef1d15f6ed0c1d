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


def check_profile(args: argparse.Namespace) -> None:
    """A `--profile` (or config `profile`) the contract at `--root` declares; a usage error naming them otherwise.

    Not an argparse `choices`: the profiles are the contract's (contracts/profiles.json), and `--root` may name
    another contract than the bundled one.
    """
    if args.profile is None:
        return
    known = list(load_contract(contract_root(args)).profiles)
    if args.profile not in known:
        raise UsageError(f"--profile: {args.profile!r} is not one of {', '.join(known)} (contracts/profiles.json)")


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
