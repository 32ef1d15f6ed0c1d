"""What every command's parser shares: the one-line error parser, the epilog, --root and --color."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..color import CHOICES as COLOR_CHOICES

EXIT_USAGE = 2
SECRET_VARIABLES = (
    "ROCKETCHAT_AUTH_TOKEN",
    "ROCKETCHAT_USER_ID",
    "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN",
    "ROCKETCHAT_UNPRIVILEGED_USER_ID",
)

EPILOG = """\
exit codes: 0 ok, 1 contract problems, 2 usage or configuration error, 3 could not complete,
70 internal error (a bug; set RC_LICENSES_CONTRACT_DEBUG=1 for the traceback).
defaults: [tool.rc-licenses-contract] in the nearest pyproject.toml (profile, strict, budget, junit,
json, color); flags override them.
"""

ARGV: list[str] = []  # the command line being parsed, for masking what argparse quotes from it


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line and exit 2, like argparse, but without the usage block drowning the message. argparse
        # quotes what it could not parse, so a mistyped `--auth-tokn=VALUE` would print the secret: mask it.
        line = redact_command_line(f"{self.prog}: error: {message}")
        self.exit(EXIT_USAGE, f"{line} (see --help)\n")


def redact_command_line(text: str) -> str:
    """`text` with every secret of the environment and of the command line masked, control characters escaped."""
    from ..gate.secrets import Redactor

    secret_flag = ("auth", "tok", "user", "url", "pass", "secret")  # mistyped ones too: --auth-tokn
    values: list[str | None] = [os.environ.get(name) for name in SECRET_VARIABLES]
    for index, arg in enumerate(ARGV):
        name, equals, value = arg.partition("=")
        if name.startswith("-") and any(marker in name.lower() for marker in secret_flag):
            values.append(value if equals else (ARGV[index + 1] if index + 1 < len(ARGV) else None))
    url = os.environ.get("ROCKETCHAT_URL")
    urls = [url, *(a.partition("=")[2] or a for a in ARGV if "://" in a)]
    redact = Redactor([*values, *(v for u in urls for v in Redactor.for_run(u).secrets)])
    return redact.clean(text)


def add_command(commands: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand parser whose description and epilog keep their line breaks."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )
    return parser


def add_root(parser: Any) -> None:  # a parser or an argument group
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding openapi.yaml, schemas/ and contracts/ (default: the shipped contract)",
    )


def add_color(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        default="auto",
        choices=list(COLOR_CHOICES),
        help="colour the output: auto (a terminal; honours NO_COLOR and FORCE_COLOR), always or never",
    )
