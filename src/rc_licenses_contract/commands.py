"""Command implementations: each takes parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
