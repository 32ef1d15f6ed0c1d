"""`validate`: discover the inputs, open the report, validate every record, say how it went."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..color import use_color
from ..errors import ContractError, UsageError
from ..textsafety import escape_control
from .common import OutputError, ReportFile, check_contract_names


def run_validate(args: argparse.Namespace) -> int:
    from ..capture import discover, run
    from ..reporters import Progress

    options = _options(args)
    output: ReportFile | None = None
    try:
        check_contract_names(args)
        # Every input is found before the report is opened: the report can never overwrite an input, nor be
        # read back as one.
        discovery = discover(options.paths, options.input_format, options.output)
        output = _open_report(args)
        reporter = _reporter(args, output or sys.stdout)
        options.keep_valid = reporter.keeps_valid
        progress = Progress(Progress.wanted(args.quiet))
        try:
            summary = run(options, reporter.record, progress.update, on_note=reporter.note, discovery=discovery)
        finally:
            progress.close()
        reporter.finish(summary)
        if output is not None:
            output.close()
    except (UsageError, ContractError, OutputError) as exc:
        if output is not None:
            output.abandon()
        print(escape_control(f"error: {exc}"), file=sys.stderr)
        return 2
    _say_how_it_went(args, summary, written=output is not None)
    return 0 if summary.passed else 1


def _options(args: argparse.Namespace) -> Any:
    from ..capture import ValidateOptions

    return ValidateOptions(
        paths=args.paths,
        response=args.response,
        profile=args.profile,
        strict=args.strict,
        engine=args.engine,
        jobs=args.jobs,
        max_errors=args.max_errors,
        input_format=args.input_format,
        output=args.output,
        scheduler=args.scheduler,
        root=args.root,
    )


def _open_report(args: argparse.Namespace) -> ReportFile | None:
    if not args.output:
        return None
    try:
        return ReportFile(args.output)
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None


def _reporter(args: argparse.Namespace, stream: Any) -> Any:
    """The reporter `--format` names, with GitHub annotations alongside when they are wanted."""
    from .. import github
    from ..reporters import REPORTERS

    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    meta = {"profile": args.profile, "strict": args.strict, "response": args.response, "engine": args.engine}
    reporter = REPORTERS[args.format](
        stream, verbosity=verbosity, color=use_color(args.color, stream), meta=meta, max_findings=args.max_findings
    )
    if github.wanted(args.github) and args.format != "github":  # never inside a JSON/XML report on stdout
        from ..github_reporter import alongside

        annotations = sys.stdout if args.output or args.format == "text" else sys.stderr
        reporter = alongside(reporter, annotations, verbosity)
    return reporter


def _say_how_it_went(args: argparse.Namespace, summary: Any, written: bool) -> None:
    if written and not args.quiet:
        state = "passed" if summary.passed else "failed"
        print(
            escape_control(
                f"{state}: {summary.records} records, {summary.invalid} invalid, {summary.unreadable} unreadable; "
                f"report written to {args.output}"
            ),
            file=sys.stderr,
        )
    if summary.records == 0:
        print("error: no records read: nothing was validated", file=sys.stderr)
