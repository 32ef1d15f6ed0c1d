"""`validate`: captured response bodies against the schemas. Choices come from the registries."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import argtypes
from .base import add_command, add_root

VALIDATE_DESCRIPTION = (
    "Validate captured licenses.info response bodies and locate every violation by JSON "
    "pointer. Folders (and URL prefixes) are searched recursively for *.json, *.jsonl, *.ndjson and *.har, "
    "also compressed (.gz, .bz2, .xz, .zst; compression is recognised by content). In a HAR capture, every "
    "entry whose URL path ends in the endpoint's path is checked against the schema of its status; other "
    "entries are skipped and counted. A summary groups distinct violations and undocumented properties."
)
VALIDATE_EPILOG = """\
examples:
  rc-licenses-contract validate body.json
  rc-licenses-contract validate --strict --profile 8 captures/
  rc-licenses-contract validate --response 401 unauthorized.json
  rc-licenses-contract validate --format junit --output report.xml dump.jsonl session.har
  rc-licenses-contract validate --max-findings 20 s3://gateway-logs/2026/11/ 'logs/*.jsonl.gz'
  rc-licenses-contract validate <(zcat dump.jsonl.gz)
  curl -s ... | rc-licenses-contract validate -

exit codes: 0 every record valid (warnings allowed unless --strict); 1 a violation, an unreadable
record or folder, or no record at all; 2 usage error (unknown option, a path that does not exist,
a report that would overwrite an input or cannot be written, a Dask scheduler out of reach).
"""


def report_formats() -> list[str]:
    from ..reporters import REPORTERS

    return list(REPORTERS)


def input_formats() -> list[str]:
    from ..capture.formats import FORMATS

    return list(FORMATS)


def build_validate(commands: Any) -> None:
    validate = add_command(
        commands,
        "validate",
        help="validate captured response bodies: JSON, JSON Lines, HAR; files, folders, stdin, URLs; compressed",
        description=VALIDATE_DESCRIPTION,
        epilog=VALIDATE_EPILOG,
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders, URLs (s3://, https://, file://), or - for stdin"
    )
    _contract_options(validate.add_argument_group("what to check against"))
    _reading_options(validate.add_argument_group("reading"))
    _report_options(validate.add_argument_group("the report"))


def _contract_options(group: Any) -> None:
    group.add_argument(
        "--response",
        default="200",
        metavar="STATUS",
        help="which of openapi.yaml's responses a bare body is (default 200); HAR entries use their recorded status",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default="default",
        help="a server-version profile named in contracts/profiles.json (default: default)",
    )
    group.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="undocumented properties are errors, not warnings",
    )
    group.add_argument(
        "--engine", default="rs", choices=["rs", "jsonschema"], help="rs (fast, default) or jsonschema (reference)"
    )
    add_root(group)


def _reading_options(group: Any) -> None:
    group.add_argument(
        "--input-format",
        default="auto",
        choices=["auto", *input_formats()],
        help="how to read files and stdin (default: by extension, else by content)",
    )
    group.add_argument(
        "-j", "--jobs", type=argtypes.positive_int, default=0, metavar="N", help="processes (default: all cores)"
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://HOST:8786, or 'local' for a local one (needs the [dask] extra)",
    )


def _report_options(group: Any) -> None:
    group.add_argument("--format", default="text", choices=report_formats(), help="report format")
    group.add_argument(
        "--github",
        action="store_true",
        help="also print ::error/::warning annotations and append a summary to $GITHUB_STEP_SUMMARY "
        "(on by itself when GITHUB_ACTIONS=true)",
    )
    group.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report here, not stdout")
    group.add_argument(
        "--max-errors", type=argtypes.positive_int, default=0, metavar="N", help="report at most N errors per record"
    )
    group.add_argument(
        "--max-findings",
        type=argtypes.positive_int,
        default=0,
        metavar="N",
        help="list at most N findings in all (text and json); the violation and drift tables still count every one",
    )
    loudness = group.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="errors only: no warnings, no summary")
    loudness.add_argument("-v", "--verbose", action="store_true", help="also list valid records")
