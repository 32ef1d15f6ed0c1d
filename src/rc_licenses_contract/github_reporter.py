"""`validate` in GitHub Actions: an `::error`/`::warning` annotation per problem (with file= and line=
where known) and a Markdown summary appended to $GITHUB_STEP_SUMMARY.

Registered as the `github` reporter; with GITHUB_ACTIONS=true or --github it also runs next to the
chosen report (`alongside`), which it never changes.
"""

from __future__ import annotations

from typing import IO, Any, ClassVar

from . import github
from .github import TITLE
from .records import INVALID, UNREADABLE, RecordResult, Summary
from .reporters import Reporter, pointer_text, summary_tables_markdown

SUMMARY_FINDINGS = 10
# Annotations printed at most (--max-findings, if given, instead): GitHub shows ten of each kind per step,
# and a dump with a million bad records must not write a million workflow commands into the job's log.
ANNOTATION_LIMIT = 50
STDIN_NAMES = ("-", "<stdin>", "(stdin)")


class GitHubReporter(Reporter):
    name: ClassVar[str] = "github"

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        super().__init__(stream, **kwargs)
        self.first_problems: list[str] = []
        self.annotation_limit = self.max_findings or ANNOTATION_LIMIT
        self.annotated = self.not_annotated = 0

    def _annotate(self, kind: str, text: str, where: dict[str, str | int | None], title: str) -> None:
        if self.annotated >= self.annotation_limit:
            self.not_annotated += 1
            return
        self.annotated += 1
        self.stream.write(github.command(kind, text, **where, title=title) + "\n")

    def _where(self, result: RecordResult) -> dict[str, str | int | None]:
        if result.source in STDIN_NAMES:
            return {}
        return {"file": result.source, "line": result.line}

    def record(self, result: RecordResult) -> None:
        where = self._where(result)
        if result.state == UNREADABLE:
            text = f"{result.location}: unreadable: {result.problem}"
            self._annotate("error", text, where, f"{TITLE}: unreadable")
            self._remember(text)
        for kind, findings in (("error", result.errors), ("warning", result.warnings if self.verbosity >= 0 else [])):
            for finding in findings:
                keyword = f" [{finding.keyword}]" if finding.keyword else ""
                text = f"{pointer_text(finding.pointer)}: {finding.message}{keyword}"
                extra = f" ({result.location})" if result.entry is not None else ""
                title = f"{TITLE}: {'violation' if kind == 'error' else 'undocumented property'}"
                self._annotate(kind, text + extra, where, title)
                if kind == "error":
                    self._remember(f"{result.location}::{text}")

    def _remember(self, text: str) -> None:
        if len(self.first_problems) < SUMMARY_FINDINGS:
            self.first_problems.append(text)

    def note(self, message: str) -> None:
        self.stream.write(github.command("notice", message, title=TITLE) + "\n")

    def finish(self, summary: Summary) -> None:
        if self.not_annotated:
            self.stream.write(
                github.command(
                    "notice",
                    f"{self.not_annotated} more problems not annotated (at most {self.annotation_limit}); "
                    "the report and the step summary count them all",
                    title=TITLE,
                )
                + "\n"
            )
        verdict = "passed" if summary.passed else ("failed: no records read" if not summary.records else "failed")
        lines = [
            f"## {TITLE}: captured bodies {verdict}",
            "",
            "| records | valid | invalid | unreadable | skipped | warnings |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {summary.records} | {summary.valid} | {summary.invalid} | {summary.unreadable} | "
            f"{summary.skipped} | {summary.warnings} |",
        ]
        lines += summary_tables_markdown(summary)
        if self.first_problems:
            lines += ["", f"First problems (of {summary.invalid + summary.unreadable} records):", ""]
            lines += [f"- {github.cell(text)}" for text in self.first_problems]
        problem = github.append_summary(self.redact("\n".join(lines) + "\n"))
        if problem:
            self.stream.write(github.command("warning", problem, title=TITLE) + "\n")


class Alongside(Reporter):
    """The chosen reporter, and the GitHub one next to it: every call goes to both."""

    name: ClassVar[str] = "alongside"

    def __init__(self, primary: Reporter, extra: GitHubReporter) -> None:
        super().__init__(primary.stream, verbosity=primary.verbosity, color=primary.color, meta=primary.meta)
        self.primary = primary
        self.extra = extra

    @property
    def keeps_valid(self) -> bool:
        return bool(self.primary.keeps_valid)

    def record(self, result: RecordResult) -> None:
        self.primary.record(result)
        if result.state in (INVALID, UNREADABLE) or result.warnings:
            self.extra.record(result)

    def note(self, message: str) -> None:
        primary_note = getattr(self.primary, "note", None)
        if primary_note is not None:
            primary_note(message)
        self.extra.note(message)

    def finish(self, summary: Summary) -> None:
        self.primary.finish(summary)
        self.extra.finish(summary)

    def discard(self) -> None:
        self.primary.discard()
        self.extra.discard()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.primary, name)


def alongside(primary: Reporter, stream: IO[str], verbosity: int = 0) -> Alongside:
    extra = GitHubReporter(
        stream, verbosity=verbosity, meta={}, max_findings=primary.max_findings, redact=primary.redact
    )
    return Alongside(primary, extra)
