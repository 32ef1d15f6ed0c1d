"""The one command-line entry point. It only parses arguments; each command's options live in their own
module here (lint, validate, mock, gate, bundle), each command's work in `rc_licenses_contract.commands`."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..interrupts import noting_interrupts
from .base import ARGV, EPILOG, EXIT_USAGE, SECRET_VARIABLES, Parser, add_color
from .bundle import build_bundle
from .gate import build_gate_parser
from .lint import build_lint
from .mock import add_mock_options, build_mock
from .validate import build_validate

__all__ = ["SECRET_VARIABLES", "add_mock_options", "build_gate_parser", "build_parser", "main"]

EXIT_INTERNAL = 70  # EX_SOFTWARE
# Errors only a write gets (disk or quota full, file too large, read-only): the output is lost, not a bug.
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
DEBUG_ENV = "RC_LICENSES_CONTRACT_DEBUG"
SECRET_ARGS = ("auth_token", "user_id", "unprivileged_auth_token", "unprivileged_user_id")
# extras each command needs beyond the core install; `gate --mock` adds the mock's (see _needed_extras)
COMMAND_EXTRAS: dict[str, list[str]] = {"gate": ["gate"], "mock": ["mock"]}


def build_parser(defaults: dict[str, dict[str, Any]] | None = None) -> argparse.ArgumentParser:
    parser = Parser(
        prog="rc-licenses-contract",
        description="Contract kit for Rocket.Chat's GET /api/v1/licenses.info.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for build in (build_lint, build_validate, build_mock, build_gate_parser, build_bundle):
        build(commands)
    for name, command in commands.choices.items():
        add_color(command)
        # [tool.rc-licenses-contract] in pyproject.toml; the flags parsed later override these.
        command.set_defaults(**(defaults or {}).get(name, {}))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    from ..config import command_defaults
    from ..errors import UsageError

    try:
        defaults = command_defaults()
    except UsageError as exc:
        from ..textsafety import escape_control

        print(escape_control(f"rc-licenses-contract: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    args = build_parser(defaults).parse_args(argv)
    try:
        with noting_interrupts() as interrupts:
            code = _dispatch(args)
        if not interrupts.interrupted:
            return code
        raise KeyboardInterrupt  # one that landed in a callback, where Python only printed it
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, as other command-line tools do. Point stdout at
        # devnull so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            return _internal(args, exc)
        # `… > /dev/full`, a full disk or quota: what was printed could not be written, which is not a bug.
        # Point stdout at devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"rc-licenses-contract: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line for the user; the traceback only when asked for
        return _internal(args, exc)


def _internal(args: argparse.Namespace, exc: Exception) -> int:
    """A bug: one line for the user; the traceback only when asked for."""
    if os.environ.get(DEBUG_ENV):
        raise exc
    print(_internal_error(args, exc), file=sys.stderr)
    return EXIT_INTERNAL


def _internal_error(args: argparse.Namespace, exc: Exception) -> str:
    from ..gate.secrets import Redactor

    known = [os.environ.get(name) for name in SECRET_VARIABLES] + [getattr(args, name, None) for name in SECRET_ARGS]
    redact = Redactor.for_run(getattr(args, "base_url", None) or os.environ.get("ROCKETCHAT_URL"), *known)
    # Mask before the cut: the message is cut to a readable length only after the secrets are gone.
    message = f"rc-licenses-contract: internal error: {type(exc).__name__}: {redact.clean(str(exc), 300)}"
    return message + f" (a bug; set {DEBUG_ENV}=1 for the traceback)"


def _needed_extras(args: argparse.Namespace) -> list[str]:
    extras = COMMAND_EXTRAS.get(args.command, [])
    return [*extras, "mock"] if args.command == "gate" and args.mock else extras


def _dispatch(args: argparse.Namespace) -> int:
    from .. import commands
    from ..extras import missing_extra

    problem = missing_extra(_needed_extras(args), f"rc-licenses-contract {args.command}")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # Looked up on the module at call time, so a test can stand in a broken command.
    run: Any = getattr(commands, f"run_{args.command}")
    code: int = run(args)
    return code
