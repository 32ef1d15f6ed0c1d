"""`gate`: resolve the target, run the gate (against the bundled mock or a workspace), print and write reports."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from ..color import GREEN, RED, paint, use_color
from ..errors import ContractError, UsageError
from .common import OutputError, ReportFile, check_contract_names
from .gate_setup import SECRET_FLAGS, base_url_problem, check_report_targets, credential_pair, mock_command
from .mock import mock_config

MOCK_BUDGET, MOCK_EXAMPLES = 500, 100  # gate --mock defaults: see _gate_options
WORKSPACE_BUDGET, WORKSPACE_EXAMPLES = 10, 25


class _Say:
    """Warnings and errors on stderr through the current redactor (it grows once the callers are known)."""

    def __init__(self, redact: Any) -> None:
        self.redact = redact

    def __call__(self, text: str) -> None:
        print(self.redact.clean(text), file=sys.stderr)


@dataclass
class _Target:
    base_url: str
    privileged: Any  # Credentials
    unprivileged: Any  # Credentials | None
    mock: Any = None  # MockTarget, with --mock
    state: Any = None  # the mock's state, built once, with --mock


def run_gate(args: argparse.Namespace) -> int:
    from ..gate.run import run_gate as gate
    from ..gate.secrets import Redactor, redacting_logs

    base_url = args.base_url or os.environ.get("ROCKETCHAT_URL")
    # Every secret the run may see, known before the first line is printed: errors may quote any of them.
    say = _Say(
        Redactor.for_run(
            base_url,
            *(os.environ.get(env) for env in SECRET_FLAGS.values()),
            *(getattr(args, name) for name in SECRET_FLAGS),
        )
    )
    try:
        check_contract_names(args)
        target = _target(args, base_url, say)
    except (UsageError, ContractError) as exc:
        say(f"error: {exc}")
        return 2
    options = _gate_options(args, target)
    # The mock's demo callers are public (README, `mock` prints them) and its reproduce lines need them.
    callers = [] if args.mock else [target.privileged, *([target.unprivileged] if target.unprivileged else [])]
    say.redact = redact = Redactor.for_run(
        options.base_url, *say.redact.secrets, *(value for caller in callers for value in caller.values())
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(redacting_logs(redact))
        if args.mock:
            from ..mock.app import create_app
            from ..mock.runner import running_mock

            options.base_url = stack.enter_context(running_mock(app=create_app(state=target.state)))
        try:
            result = gate(options)
        except ContractError as exc:
            say(f"error: {exc}")
            return 2
    return _report(args, result, redact, say)


def _target(args: argparse.Namespace, base_url: str | None, say: _Say) -> _Target:
    """Who to gate and as whom; a UsageError for anything missing or malformed, before any request."""
    from ..gate.secrets import url_secrets

    url_option = "--base-url" if args.base_url else "$ROCKETCHAT_URL"
    privileged = credential_pair(args, "auth_token", "user_id", "privileged")
    unprivileged = credential_pair(args, "unprivileged_auth_token", "unprivileged_user_id", "unprivileged")
    if args.mock:
        target = _mock_target(args)
    elif not base_url:
        raise UsageError("no target: give --base-url, set $ROCKETCHAT_URL, or use --mock")
    elif (problem := base_url_problem(base_url)) is not None:
        raise UsageError(f"{url_option} {problem}")
    elif privileged is None:
        raise UsageError("no privileged credentials: set $ROCKETCHAT_AUTH_TOKEN and $ROCKETCHAT_USER_ID")
    else:
        target = _Target(base_url, privileged, unprivileged)
    check_report_targets(args)
    if not args.mock and url_secrets(target.base_url):
        say(
            f"warning: {url_option} carries user info: it is sent as HTTP Basic authentication and masked in "
            "every output; prefer a URL without it"
        )
    if args.insecure:
        say("warning: --insecure: TLS certificates are not verified")
    return target


def _mock_target(args: argparse.Namespace) -> _Target:
    """The bundled mock, gated as its demo admin and its demo ordinary user."""
    from ..gate.result import Credentials, MockTarget
    from ..mock.app import build_state

    state = build_state(mock_config(args))
    users = state.demo_users
    admin = next(u for u in users if u.can("view-privileged-setting"))
    ordinary = next((u for u in users if not u.can("view-privileged-setting")), None)
    description = f"bundled mock: scenario {args.scenario}, version {args.server_version or '8'}" + (
        f", fault {args.fault}" if args.fault else ""
    )
    return _Target(
        base_url="",  # known once the mock listens
        privileged=Credentials(admin.user_id, admin.auth_token),
        unprivileged=Credentials(ordinary.user_id, ordinary.auth_token) if ordinary else None,
        mock=MockTarget(mock_command(args), description),
        state=state,
    )


def _gate_options(args: argparse.Namespace, target: _Target) -> Any:
    from ..gate.result import GateOptions

    # The bundled mock lets its admin past the rate limiter: explore for real. A workspace: stay gentle.
    default_budget, default_examples = (
        (MOCK_BUDGET, MOCK_EXAMPLES) if args.mock else (WORKSPACE_BUDGET, WORKSPACE_EXAMPLES)
    )
    return GateOptions(
        base_url=target.base_url,
        privileged=target.privileged,
        unprivileged=target.unprivileged,
        profile=args.profile,
        strict=args.strict,
        server_version=None if args.mock else args.server_version,
        seed=args.seed,
        max_requests=args.max_requests or default_budget,
        min_interval=(args.rate_limit[1] / args.rate_limit[0]) if args.rate_limit else 0.0,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
        max_response_time=args.max_response_time,
        insecure=args.insecure,
        schemathesis=not args.no_schemathesis,
        examples=args.examples or default_examples,
        exploration_must_finish=args.exploration_must_finish,
        wait_for=args.wait_for,
        root=args.root,
        mock=target.mock,
    )


def _report(args: argparse.Namespace, result: Any, redact: Any, say: _Say) -> int:
    """Print the report (and the GitHub annotations and summary), write --junit and --json; the exit code."""
    from .. import github
    from ..gate.report import github_annotations, github_summary, text_report

    report = text_report(result, redact)
    if args.quiet:
        report = report.rstrip("\n").rsplit("\n", 1)[-1] + "\n"
    body, _, verdict = report.rstrip("\n").rpartition("\n")
    verdict = paint(verdict, GREEN if result.exit_code == 0 else RED, use_color(args.color, sys.stdout))
    report = (body + "\n" if body else "") + verdict + "\n"
    code: int = result.exit_code
    in_github = github.wanted(args.github)
    if in_github and (problem := github.append_summary(github_summary(result, redact))):
        say(f"warning: {problem}")
    try:
        if in_github:
            sys.stdout.write(github_annotations(result, redact))
        sys.stdout.write(report)
        sys.stdout.flush()
    except OSError as exc:  # e.g. `> /dev/full`: say so, and keep the interpreter's last flush quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        say(f"error: standard output: cannot write the report: {exc.strerror or exc}")
        code = 2
    return _write_report_files(args, result, redact, say) or code


def _write_report_files(args: argparse.Namespace, result: Any, redact: Any, say: _Say) -> int:
    """Write --junit and --json; 2 if either failed (each is attempted whatever became of the other), else 0."""
    from ..gate.report import GATE_REPORTERS

    code = 0
    for option, path, fmt in (("--junit", args.junit, "junit"), ("--json", args.json, "json")):
        if path is not None:
            text = GATE_REPORTERS[fmt](result, redact)
            try:
                # Written beside its place and moved there whole: a failed or interrupted write keeps the
                # previous report, and leaves no half-written one.
                with ReportFile(path) as report:
                    report.write(text)
            except (OSError, OutputError) as exc:
                reason = exc.reason if isinstance(exc, OutputError) else exc.strerror or exc
                say(f"error: {option} {path}: cannot write: {reason}")
                code = 2
    return code
