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
    reporter: Any = None
    # One redactor for every door this command writes by: the report, the annotations and its own errors.
    redact = _url_redactor([*args.paths, *([args.scheduler] if args.scheduler else [])])
    try:
        check_contract_names(args)
        # Every input is found before the report is opened: the report can never overwrite an input, nor be
        # read back as one.
        discovery = discover(options.paths, options.input_format, options.output)
        output = _open_report(args)
        reporter = _reporter(args, output or sys.stdout, redact)
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
        _abandon(output, reporter)
        print(escape_control(redact(f"error: {exc}") if redact else f"error: {exc}"), file=sys.stderr)
        return 2
    except BaseException:  # interrupted, or a bug: the previous report stays, no half-written one replaces it
        _abandon(output, reporter)
        raise
    _say_how_it_went(args, summary, written=output is not None)
    return 0 if summary.passed else 1


def _abandon(output: ReportFile | None, reporter: Any) -> None:
    """A run that failed: the reporter lets go of what it held, a report file is not put in place."""
    if reporter is not None:
        reporter.discard()
    if output is not None:
        output.abandon()


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


def _reporter(args: argparse.Namespace, stream: Any, redact: Any) -> Any:
    """The reporter `--format` names, with GitHub annotations alongside when they are wanted."""
    from .. import github
    from ..reporters import REPORTERS

    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    meta = {"profile": args.profile, "strict": args.strict, "response": args.response, "engine": args.engine}
    reporter = REPORTERS[args.format](
        _masked(stream, redact),
        verbosity=verbosity,
        color=use_color(args.color, stream),
        meta=meta,
        max_findings=args.max_findings,
        redact=redact,
    )
    if github.wanted(args.github) and args.format != "github":  # never inside a JSON/XML report on stdout
        from ..github_reporter import alongside

        annotations = sys.stdout if args.output or args.format == "text" else sys.stderr
        reporter = alongside(reporter, _masked(annotations, redact), verbosity)
    return reporter


def _url_redactor(paths: list[str]) -> Any:
    """A redactor for the user and password of the URL arguments, or None when there are none.

    Names and messages never carry them, but a remote store may echo its credentials (the HTTP Basic header
    of `https://user:pass@…`) into the very body being validated, and every report quotes values."""
    if not any("://" in path and "@" in path for path in paths):
        return None
    from ..gate.secrets import Redactor, url_secrets

    secrets = [secret for path in paths if "://" in path for secret in url_secrets(path)]
    redactor = Redactor(secrets)
    return redactor if redactor else None


def _masked(stream: Any, redact: Any) -> Any:
    return _Redacting(stream, redact) if redact else stream


class _Redacting:
    """A report stream whose every write is masked first (each write is a whole line, record or report part)."""

    def __init__(self, stream: Any, redact: Any) -> None:
        self._stream = stream
        self._redact = redact

    def write(self, text: str) -> int:
        written: int = self._stream.write(self._redact(text))
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
