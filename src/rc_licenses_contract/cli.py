"""The one command-line entry point. It only parses arguments; each command lives in its module."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_INTERNAL = 70  # EX_SOFTWARE
DEBUG_ENV = "RC_LICENSES_CONTRACT_DEBUG"
SECRET_VARIABLES = (
    "ROCKETCHAT_AUTH_TOKEN",
    "ROCKETCHAT_USER_ID",
    "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN",
    "ROCKETCHAT_UNPRIVILEGED_USER_ID",
)
SECRET_ARGS = ("auth_token", "user_id", "unprivileged_auth_token", "unprivileged_user_id")

EPILOG = """\
exit codes: 0 ok, 1 contract problems, 2 usage or configuration error, 3 could not complete,
70 internal error (a bug; set RC_LICENSES_CONTRACT_DEBUG=1 for the traceback).
defaults: [tool.rc-licenses-contract] in the nearest pyproject.toml (profile, strict, budget, junit,
json, color); flags override them.
"""


_ARGV: list[str] = []  # the command line being parsed, for masking what argparse quotes from it


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line and exit 2, like argparse, but without the usage block drowning the message. argparse
        # quotes what it could not parse, so a mistyped `--auth-tokn=VALUE` would print the secret: mask it.
        line = _redact_command_line(f"{self.prog}: error: {message}")
        self.exit(EXIT_USAGE, f"{line} (see --help)\n")


def _redact_command_line(text: str) -> str:
    """`text` with every secret of the environment and of the command line masked, control characters escaped."""
    from .gate.secrets import Redactor

    secret_flag = ("auth", "tok", "user", "url", "pass", "secret")  # mistyped ones too: --auth-tokn
    values: list[str | None] = [os.environ.get(name) for name in SECRET_VARIABLES]
    argv = _ARGV
    for index, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name.startswith("-") and any(marker in name.lower() for marker in secret_flag):
            values.append(value if equals else (argv[index + 1] if index + 1 < len(argv) else None))
    url = os.environ.get("ROCKETCHAT_URL")
    urls = [url, *(a.partition("=")[2] or a for a in argv if "://" in a)]
    redact = Redactor([*values, *(v for u in urls for v in Redactor.for_run(u).secrets)])
    return redact.clean(text)


def _add_root(parser: Any) -> None:  # a parser or an argument group
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding openapi.yaml, schemas/ and contracts/ (default: the shipped contract)",
    )


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
    _build_validate(commands)

    mock = commands.add_parser(
        "mock",
        help="serve a faithful, steerable stand-in for a Rocket.Chat workspace",
        description="Serve GET /api/v1/licenses.info (and GET /api/info) as a Rocket.Chat server does: "
        "authentication, permission-shaped bodies, loadValues, query validation, the rate limiter and the "
        "version-specific error forms. Every answer is built from the contract's data. Steer single requests "
        "with the header `Prefer: scenario=NAME, version=6|7|8, code=200|400|401|429, fault=NAME, dynamic=true`.",
        epilog="examples:\n"
        "  rc-licenses-contract mock\n"
        "  rc-licenses-contract mock --scenario community --server-version 6 --port 3100\n"
        "  rc-licenses-contract mock --fault wrong-type\n"
        "  rc-licenses-contract mock --list-faults\n"
        "  curl -H 'X-User-Id: rc-demo-admin' -H 'X-Auth-Token: demo-admin-token' \\\n"
        "       -H 'Prefer: scenario=expired' http://127.0.0.1:3000/api/v1/licenses.info\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_mock_options(mock)
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    mock.add_argument("--port", type=_port, default=3000, help="port (default 3000; 0 picks a free one)")
    mock.add_argument(
        "--idle-timeout",
        type=_positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="close a connection that sends no complete request for this long (default 5)",
    )
    mock.add_argument(
        "--users", type=Path, metavar="FILE", help="users and tokens (default: contracts/mock/users.json)"
    )
    mock.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    mock.add_argument("--list-scenarios", action="store_true", help="list the workspace scenarios and exit")
    _add_root(mock)

    build_gate_parser(commands)

    bundle = commands.add_parser(
        "bundle",
        help="write one self-contained OpenAPI 3.1 document (for code generators)",
        description="Bundle openapi.yaml, schemas/ and the examples into one OpenAPI 3.1 document: every schema "
        "under components/schemas by its title, every $ref internal. --dereference also inlines every $ref, for "
        "tools that handle $ref badly.",
        epilog="examples:\n"
        "  rc-licenses-contract bundle -o licenses-info.openapi.yaml\n"
        "  rc-licenses-contract bundle --format json --dereference -o licenses-info.dereferenced.json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bundle.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    bundle.add_argument(
        "--format",
        choices=["yaml", "json"],
        default=None,
        help="yaml or json (default: from the output's extension, else yaml)",
    )
    bundle.add_argument("--dereference", action="store_true", help="inline every $ref")
    _add_root(bundle)
    for name, command in commands.choices.items():
        command.add_argument(
            "--color",
            default="auto",
            choices=["auto", "always", "never"],
            help="colour the output: auto (a terminal; honours NO_COLOR and FORCE_COLOR), always or never",
        )
        # [tool.rc-licenses-contract] in pyproject.toml; the flags parsed later override these.
        command.set_defaults(**(defaults or {}).get(name, {}))
    return parser


def _build_validate(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="validate captured response bodies: JSON, JSON Lines, HAR; files, folders, stdin, URLs; compressed",
        description="Validate captured licenses.info response bodies and locate every violation by JSON "
        "pointer. Folders (and URL prefixes) are searched recursively for *.json, *.jsonl, *.ndjson and *.har, "
        "also compressed (.gz, .bz2, .xz, .zst; compression is recognised by content). In a HAR capture, every "
        "entry whose URL path ends in the endpoint's path is checked against the schema of its status; other "
        "entries are skipped and counted. A summary groups distinct violations and undocumented properties.",
        epilog="examples:\n"
        "  rc-licenses-contract validate body.json\n"
        "  rc-licenses-contract validate --strict --profile 8 captures/\n"
        "  rc-licenses-contract validate --response 401 unauthorized.json\n"
        "  rc-licenses-contract validate --format junit --output report.xml dump.jsonl session.har\n"
        "  rc-licenses-contract validate --max-findings 20 s3://gateway-logs/2026/11/ 'logs/*.jsonl.gz'\n"
        "  rc-licenses-contract validate <(zcat dump.jsonl.gz)\n"
        "  curl -s ... | rc-licenses-contract validate -\n\n"
        "exit codes: 0 every record valid (warnings allowed unless --strict); 1 a violation, an unreadable\n"
        "record or folder, or no record at all; 2 usage error (unknown option, a path that does not exist,\n"
        "a report that would overwrite an input or cannot be written, a Dask scheduler out of reach).\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders, URLs (s3://, https://, file://), or - for stdin"
    )
    contract = validate.add_argument_group("what to check against")
    contract.add_argument(
        "--response",
        default="200",
        choices=["200", "400", "401", "429"],
        help="which response a bare body is (default 200); HAR entries use their recorded status",
    )
    contract.add_argument("--profile", default="default", choices=["default", "8"], help="server-version profile")
    contract.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="undocumented properties are errors, not warnings",
    )
    contract.add_argument(
        "--engine", default="rs", choices=["rs", "jsonschema"], help="rs (fast, default) or jsonschema (reference)"
    )
    _add_root(contract)
    inputs = validate.add_argument_group("reading")
    inputs.add_argument(
        "--input-format",
        default="auto",
        choices=["auto", *_input_formats()],
        help="how to read files and stdin (default: by extension, else by content)",
    )
    inputs.add_argument(
        "-j", "--jobs", type=_positive_int, default=0, metavar="N", help="processes (default: all cores)"
    )
    inputs.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://HOST:8786, or 'local' for a local one (needs the [dask] extra)",
    )
    report = validate.add_argument_group("the report")
    report.add_argument("--format", default="text", choices=_report_formats(), help="report format")
    report.add_argument(
        "--github",
        action="store_true",
        help="also print ::error/::warning annotations and append a summary to $GITHUB_STEP_SUMMARY "
        "(on by itself when GITHUB_ACTIONS=true)",
    )
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report here, not stdout")
    report.add_argument(
        "--max-errors", type=_positive_int, default=0, metavar="N", help="report at most N errors per record"
    )
    report.add_argument(
        "--max-findings",
        type=_positive_int,
        default=0,
        metavar="N",
        help="list at most N findings in all (text and json); the violation and drift tables still count every one",
    )
    loudness = report.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="errors only: no warnings, no summary")
    loudness.add_argument("-v", "--verbose", action="store_true", help="also list valid records")


GATE_DESCRIPTION = (
    "Check that a Rocket.Chat workspace honours the licenses.info contract: the interaction contract in "
    "contracts/interactions.json, then exploration with Schemathesis (seeded positive and negative queries, "
    "auth-bypass probes) under its checks, our semantic checks no schema can express, and drift. Gentle with "
    "the server: a request budget, pacing by the server's X-RateLimit-* headers, 429s waited out. Credentials "
    "come from the environment and never appear in any output."
)
GATE_EPILOG = """\
environment:
  ROCKETCHAT_URL                       default for --base-url
  ROCKETCHAT_AUTH_TOKEN, ROCKETCHAT_USER_ID
                                       a privileged caller (view-privileged-setting)
  ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN, ROCKETCHAT_UNPRIVILEGED_USER_ID
                                       optional: an ordinary user
  GITHUB_ACTIONS=true, GITHUB_STEP_SUMMARY
                                       as --github: annotations and a step summary

examples:
  rc-licenses-contract gate --mock
  rc-licenses-contract gate --mock --scenario community --server-version 6
  ROCKETCHAT_URL=https://staging.chat.example.com rc-licenses-contract gate --wait-for 120 --junit gate.xml

exit codes: 0 the contract holds (an exploration cut short by the budget is reported, not failed);
1 violations; 2 usage or configuration error; 3 could not complete (unreachable, DNS or TLS failure,
timeout, credentials rejected, the interaction contract not completed).
"""


def build_gate_parser(commands: Any) -> argparse.ArgumentParser:
    import textwrap

    gate: argparse.ArgumentParser = commands.add_parser(
        "gate",
        help="the CI contract gate: check a workspace (or the bundled mock) against the contract",
        description=textwrap.fill(GATE_DESCRIPTION, 78),
        epilog=GATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = gate.add_argument_group("target and callers")
    target.add_argument("--base-url", metavar="URL", help="the workspace's root URL (default: $ROCKETCHAT_URL)")
    target.add_argument(
        "--mock", action="store_true", help="start the bundled mock on a free loopback port and gate it"
    )
    target.add_argument(
        "--server-version",
        choices=["6", "7", "8"],
        default=None,
        help="with --mock: the version the mock acts as (default 8). Without --mock: take this as the "
        "workspace's version instead of asking GET /api/info (it picks the profile)",
    )
    target.add_argument("--profile", choices=["default", "8"], help="profile (default: from the server version)")
    target.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="undocumented properties are violations, not warnings",
    )
    target.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (warns)")
    for flag, env in (
        ("--auth-token", "ROCKETCHAT_AUTH_TOKEN"),
        ("--user-id", "ROCKETCHAT_USER_ID"),
        ("--unprivileged-auth-token", "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN"),
        ("--unprivileged-user-id", "ROCKETCHAT_UNPRIVILEGED_USER_ID"),
    ):
        target.add_argument(
            flag,
            metavar="VALUE",
            help=f"overrides ${env}; prefer the variable (flags land in shell history and process lists)",
        )
    _add_root(target)

    budget = gate.add_argument_group("budget and pacing")
    budget.add_argument(
        "--max-requests",
        type=_positive_int,
        default=None,
        metavar="N",
        help="request budget for the licenses.info route, every probe included (default 10: one minute of "
        "the server's default limit; 500 with --mock, whose admin bypasses the rate limiter)",
    )
    budget.add_argument(
        "--examples",
        type=_positive_int,
        default=None,
        metavar="N",
        help="cases Schemathesis draws per generation mode, positive and negative (default 25; 100 with --mock); "
        "the budget decides how many are sent",
    )
    budget.add_argument("--seed", type=int, default=0, help="seed for generation and for the mock (default 0)")
    budget.add_argument(
        "--exploration-must-finish",
        action="store_true",
        help="an exploration cut short by the budget or the time is incomplete (exit 3); by default it is "
        "reported and the verdict rests on what was checked",
    )
    budget.add_argument("--no-schemathesis", action="store_true", help="skip Schemathesis: no exploration")
    budget.add_argument(
        "--rate-limit",
        type=_rate,
        metavar="N/SECONDS",
        help="send at most N requests per SECONDS (default: as the server's X-RateLimit-* headers allow)",
    )
    budget.add_argument(
        "--wait-for",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="retry with backoff until the workspace answers, up to SECONDS (for a gate right after a "
        "deploy); the time waited is reported (default 0: no waiting)",
    )
    budget.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=180.0,
        metavar="SECONDS",
        help="wall-clock bound on the whole run, however slowly the server answers (default 180)",
    )
    budget.add_argument(
        "--connect-timeout", type=_positive_seconds, default=5.0, metavar="SECONDS", help="per connection (default 5)"
    )
    budget.add_argument(
        "--read-timeout",
        type=_positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="per answer, from request to last byte (default 30)",
    )
    budget.add_argument(
        "--max-response-time",
        type=_positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="slower answers are violations (default 2)",
    )

    reports = gate.add_argument_group("reports")
    reports.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    reports.add_argument("--json", type=Path, metavar="FILE", help="also write a JSON report")
    reports.add_argument(
        "--github",
        action="store_true",
        help="print ::error/::warning annotations and append a summary to $GITHUB_STEP_SUMMARY "
        "(on by itself when GITHUB_ACTIONS=true)",
    )
    reports.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line")

    mock_only = gate.add_argument_group("mock-only (with --mock)")
    add_mock_options(mock_only, for_gate=True)
    return gate


def add_mock_options(parser: Any, for_gate: bool = False) -> None:
    """Options shared by `mock` and `gate --mock` (the gate has its own --server-version and --seed)."""
    parser.add_argument("--scenario", default="enterprise-trial", metavar="NAME", help="workspace scenario")
    if not for_gate:
        parser.add_argument("--server-version", choices=["6", "7", "8"], default=None, help="server version to act as")
    parser.add_argument("--fault", metavar="NAME", help="break the contract in one way (see mock --list-faults)")
    parser.add_argument(
        "--fault-delay", type=_seconds, default=3.0, metavar="SECONDS", help="delay of the slow fault (default 3)"
    )
    parser.add_argument(
        "--mock-rate-limit",
        dest="mock_rate_limit",
        metavar="N/SECONDS",
        type=_rate,
        default=(10, 60.0),
        help="the mock's rate limiter (default 10/60)",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="turn the mock's rate limiter off")
    if not for_gate:
        parser.add_argument("--seed", type=int, default=0, help="seed for anything random (default 0)")


def _report_formats() -> list[str]:
    from .reporters import REPORTERS

    return list(REPORTERS)


def _input_formats() -> list[str]:
    from .capture.formats import FORMATS

    return list(FORMATS)


def _rate(text: str) -> tuple[int, float]:
    calls, _, seconds = text.partition("/")
    try:
        parsed = int(calls), float(seconds or "60")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not N/SECONDS, e.g. 10/60") from None
    if parsed[0] < 1 or not (0 < parsed[1] < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r}: both numbers must be positive")
    return parsed


def _seconds(text: str) -> float:
    """A finite, non-negative number of seconds (no nan, no inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (0 <= value < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: 0 to 65535 (0 picks a free one)")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    _ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    from .config import command_defaults
    from .errors import UsageError

    try:
        defaults = command_defaults()
    except UsageError as exc:
        print(f"rc-licenses-contract: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser(defaults).parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, as other command-line tools do. Point stdout at
        # devnull so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: one line for the user; the traceback only when asked for
        if os.environ.get(DEBUG_ENV):
            raise
        from .gate.secrets import Redactor

        known = [os.environ.get(name) for name in SECRET_VARIABLES] + [
            getattr(args, name, None) for name in SECRET_ARGS
        ]
        redact = Redactor.for_run(getattr(args, "base_url", None) or os.environ.get("ROCKETCHAT_URL"), *known)
        # Mask before the cut: the message is cut to a readable length only after the secrets are gone.
        message = f"rc-licenses-contract: internal error: {type(exc).__name__}: {redact.clean(str(exc), 300)}"
        print(message + f" (a bug; set {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _needed_extras(args: argparse.Namespace) -> list[str]:
    if args.command == "gate":
        return ["gate", "mock"] if args.mock else ["gate"]
    return ["mock"] if args.command == "mock" else []


def _dispatch(args: argparse.Namespace) -> int:
    from .extras import missing_extra

    problem = missing_extra(_needed_extras(args), f"rc-licenses-contract {args.command}")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "lint":
        from .commands import run_lint

        return run_lint(args)
    if args.command == "bundle":
        from .commands import run_bundle

        return run_bundle(args)
    if args.command == "gate":
        from .commands import run_gate

        return run_gate(args)
    if args.command == "mock":
        from .commands import run_mock

        return run_mock(args)
    if args.command == "validate":
        from .commands import run_validate

        return run_validate(args)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
