"""`gate`: the CI contract gate, its options in four groups."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import argtypes
from .base import add_command, add_root
from .mock import SERVER_VERSIONS, add_mock_options

GATE_DESCRIPTION = (
    "Check that a Rocket.Chat workspace honours the licenses.info contract: the interaction contract in "
    "contracts/interactions.json, then exploration with Schemathesis (seeded positive and negative queries, "
    "auth-bypass probes) under its checks, our semantic checks no schema can express, and drift. Gentle with "
    "the server: a request budget, pacing by the server's rate-limit headers, 429s waited out. Credentials "
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
CREDENTIAL_FLAGS = (
    ("--auth-token", "ROCKETCHAT_AUTH_TOKEN"),
    ("--user-id", "ROCKETCHAT_USER_ID"),
    ("--unprivileged-auth-token", "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN"),
    ("--unprivileged-user-id", "ROCKETCHAT_UNPRIVILEGED_USER_ID"),
)


def build_gate_parser(commands: Any) -> argparse.ArgumentParser:
    import textwrap

    gate = add_command(
        commands,
        "gate",
        help="the CI contract gate: check a workspace (or the bundled mock) against the contract",
        description=textwrap.fill(GATE_DESCRIPTION, 78),
        epilog=GATE_EPILOG,
    )
    _target_options(gate.add_argument_group("target and callers"))
    budget = gate.add_argument_group("budget and pacing")
    _budget_options(budget)
    _timing_options(budget)
    _report_options(gate.add_argument_group("reports"))
    add_mock_options(gate.add_argument_group("mock-only (with --mock)"), for_gate=True)
    return gate


def _target_options(target: Any) -> None:
    target.add_argument("--base-url", metavar="URL", help="the workspace's root URL (default: $ROCKETCHAT_URL)")
    target.add_argument(
        "--mock", action="store_true", help="start the bundled mock on a free loopback port and gate it"
    )
    target.add_argument(
        "--server-version",
        choices=list(SERVER_VERSIONS),
        default=None,
        help="with --mock: the version the mock acts as (default 8). Without --mock: take this as the "
        "workspace's version instead of asking GET /api/info (it picks the profile)",
    )
    target.add_argument(
        "--profile", metavar="NAME", help="a profile named in contracts/profiles.json (default: by server version)"
    )
    target.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="undocumented properties are violations, not warnings",
    )
    target.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (warns)")
    for flag, env in CREDENTIAL_FLAGS:
        target.add_argument(
            flag,
            metavar="VALUE",
            help=f"overrides ${env}; prefer the variable (flags land in shell history and process lists)",
        )
    add_root(target)


def _budget_options(budget: Any) -> None:
    budget.add_argument(
        "--max-requests",
        type=argtypes.positive_int,
        default=None,
        metavar="N",
        help="request budget for the licenses.info route, every probe included (default 10: one minute of "
        "the server's default limit; 500 with --mock, whose admin bypasses the rate limiter)",
    )
    budget.add_argument(
        "--examples",
        type=argtypes.positive_int,
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
        type=argtypes.rate,
        metavar="N/SECONDS",
        help="send at most N requests per SECONDS (default: as the server's rate-limit headers allow)",
    )


def _timing_options(budget: Any) -> None:
    budget.add_argument(
        "--wait-for",
        type=argtypes.seconds,
        default=0.0,
        metavar="SECONDS",
        help="retry with backoff until the workspace answers, up to SECONDS (for a gate right after a "
        "deploy); the time waited is reported (default 0: no waiting)",
    )
    budget.add_argument(
        "--timeout",
        type=argtypes.positive_seconds,
        default=180.0,
        metavar="SECONDS",
        help="wall-clock bound on the whole run, however slowly the server answers (default 180)",
    )
    budget.add_argument(
        "--connect-timeout",
        type=argtypes.positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="per connection (default 5)",
    )
    budget.add_argument(
        "--read-timeout",
        type=argtypes.positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="per answer, from request to last byte (default 30)",
    )
    budget.add_argument(
        "--max-response-time",
        type=argtypes.positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="slower answers are violations (default 2)",
    )


def _report_options(reports: Any) -> None:
    reports.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    reports.add_argument("--json", type=Path, metavar="FILE", help="also write a JSON report")
    reports.add_argument(
        "--github",
        action="store_true",
        help="print ::error/::warning annotations and append a summary to $GITHUB_STEP_SUMMARY "
        "(on by itself when GITHUB_ACTIONS=true)",
    )
    reports.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line")
