"""The one command-line entry point. It only parses arguments; each command lives in its module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

EPILOG = """\
exit codes: 0 ok, 1 contract problems, 2 usage or configuration error, 3 could not complete.
"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line and exit 2, like argparse, but without the usage block drowning the message.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding openapi.yaml, schemas/ and contracts/ (default: the shipped contract)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rc-licenses-contract",
        description="Contract kit for Rocket.Chat's GET /api/v1/licenses.info.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    lint = commands.add_parser(
        "lint",
        help="check the contract itself: spec, schemas, refs, examples and cases",
        description="Check openapi.yaml (openapi-spec-validator), every schema against the 2020-12 "
        "metaschema, every $ref, and that every example and every case in contracts/ validates as declared.",
        epilog="example:\n  rc-licenses-contract lint\n  rc-licenses-contract lint --root ./my-fork\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_root(lint)
    lint.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "lint":
            from .commands import run_lint

            return run_lint(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
