"""Command implementations: each takes parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from .errors import ContractError
from .loader import default_root


def _root(args: argparse.Namespace) -> Path:
    root: Path = args.root if args.root is not None else default_root()
    return root.resolve()


def run_lint(args: argparse.Namespace) -> int:
    from .lint import lint

    try:
        root = _root(args)
    except ContractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not (root / "openapi.yaml").is_file():
        print(f"error: {root}: no openapi.yaml here", file=sys.stderr)
        return 2
    result = lint(root)
    for problem in result.problems:
        print(problem)
    if not args.quiet:
        counts = ", ".join(f"{n} {what}" for what, n in result.checked.items())
        verdict = "ok" if result.ok else f"{len(result.problems)} problem(s)"
        print(f"lint {root}: {verdict} ({counts} checked)", file=sys.stderr if not result.ok else sys.stdout)
    return 0 if result.ok else 1


def run_validate(args: argparse.Namespace) -> int:
    from .checker import ValidateOptions, run
    from .errors import UsageError
    from .reporters import REPORTERS, Progress, use_color

    options = ValidateOptions(
        paths=args.paths,
        response=args.response,
        profile=args.profile,
        strict=args.strict,
        engine=args.engine,
        jobs=args.jobs,
        max_errors=args.max_errors,
        input_format=args.input_format,
        root=args.root,
    )
    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    try:
        stream = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        print(f"error: {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
        return 2
    meta = {"profile": args.profile, "strict": args.strict, "response": args.response, "engine": args.engine}
    reporter = REPORTERS[args.format](stream, verbosity=verbosity, color=use_color(args.color, stream), meta=meta)
    options.keep_valid = reporter.keeps_valid
    progress = Progress(Progress.wanted(args.quiet))
    try:
        summary = run(options, reporter.record, progress.update)
    except UsageError as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContractError as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    progress.close()
    reporter.finish(summary)
    if stream is not sys.stdout:
        stream.close()
        if not args.quiet:
            state = "passed" if summary.passed else "failed"
            print(
                f"{state}: {summary.records} records, {summary.invalid} invalid, {summary.unreadable} unreadable; "
                f"report written to {args.output}",
                file=sys.stderr,
            )
    if summary.records == 0:
        print("error: no records read: nothing was validated", file=sys.stderr)
    return 0 if summary.passed else 1


def mock_config(args: argparse.Namespace, server_version: str | None = None) -> Any:
    from .mock.app import MockConfig

    return MockConfig(
        scenario=args.scenario,
        server_version=server_version or args.server_version or "8",
        rate_limit=None if args.no_rate_limit else args.mock_rate_limit,
        fault=args.fault,
        fault_delay=args.fault_delay,
        seed=args.seed,
        users_file=getattr(args, "users", None),
        root=args.root,
    )


def run_mock(args: argparse.Namespace) -> int:
    from .mock.faults import describe

    if args.list_faults:
        print(describe())
        return 0
    from .mock.app import build_state
    from .mock.runner import free_port, serve_forever

    config = mock_config(args)
    if args.port == 0:
        args.port = free_port(args.host)
    try:
        state = build_state(config)
    except ContractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list_scenarios:
        width = max(len(name) for name in state.scenarios)
        for name, scenario in state.scenarios.items():
            print(f"{name:<{width}}  {scenario.description}")
        return 0
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: the demo tokens are public, do not expose this", file=sys.stderr)
    limit = "off" if config.rate_limit is None else f"{config.rate_limit[0]} calls per {config.rate_limit[1]:g} s"
    print(f"rc-licenses-contract mock: http://{args.host}:{args.port}{state.contract.path}")
    print(
        f"  scenario {config.scenario}, server version {config.server_version}, rate limit {limit}"
        + (f", fault {config.fault}" if config.fault else "")
    )
    print("  demo callers (X-User-Id / X-Auth-Token):")
    for user in state.demo_users:
        print(f"    {user.name:<8} {user.user_id} / {user.auth_token}  {user.description}")
    print("  stop with Ctrl-C", flush=True)
    try:
        stopped_by = serve_forever(config, args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    if stopped_by is not None:
        print(f"stopped ({signal.Signals(stopped_by).name})", flush=True)
    return 0
