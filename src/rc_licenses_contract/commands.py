"""Command implementations: each takes parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from .color import BOLD, GREEN, RED, paint, use_color
from .errors import ContractError, UsageError
from .loader import default_root
from .textsafety import escape_control


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
    color = use_color(args.color, sys.stdout)
    for problem in result.problems:
        # file names and messages quote the files' contents: data, made inert before the terminal
        print(f"{paint(escape_control(problem.location), BOLD, color)}: {escape_control(problem.message)}")
    if not args.quiet:
        counts = ", ".join(f"{n} {what}" for what, n in result.checked.items())
        verdict = "ok" if result.ok else f"{len(result.problems)} problem(s)"
        stream = sys.stderr if not result.ok else sys.stdout
        verdict = paint(verdict, GREEN if result.ok else RED, use_color(args.color, stream))
        print(f"lint {root}: {verdict} ({counts} checked)", file=stream)
    return 0 if result.ok else 1


class _ReportFile:
    """The report file: a failed write (a full disk, /dev/full) is a usage error naming the file, not a crash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("w", encoding="utf-8")

    def write(self, text: str) -> int:
        try:
            return self.handle.write(text)
        except OSError as exc:
            raise _OutputError(self.path, exc) from None

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError as exc:
            raise _OutputError(self.path, exc) from None


class _OutputError(Exception):
    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(f"{path}: cannot write: {exc.strerror or exc}")


def run_validate(args: argparse.Namespace) -> int:
    from .capture import ValidateOptions, discover, run
    from .reporters import REPORTERS, Progress, use_color
    from .textsafety import escape_control

    options = ValidateOptions(
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
    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    output: _ReportFile | None = None
    try:
        # Every input is found before the report is opened: the report can never overwrite an input, nor be
        # read back as one.
        discovery = discover(options.paths, options.input_format, options.output)
        if args.output:
            try:
                output = _ReportFile(args.output)
            except OSError as exc:
                raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        stream: Any = output or sys.stdout
        meta = {"profile": args.profile, "strict": args.strict, "response": args.response, "engine": args.engine}
        reporter = REPORTERS[args.format](
            stream, verbosity=verbosity, color=use_color(args.color, stream), meta=meta, max_findings=args.max_findings
        )
        from . import github

        if github.wanted(args.github) and args.format != "github":  # never inside a JSON/XML report on stdout
            from .github_reporter import alongside

            annotations = sys.stdout if args.output or args.format == "text" else sys.stderr
            reporter = alongside(reporter, annotations, verbosity)
        options.keep_valid = reporter.keeps_valid
        progress = Progress(Progress.wanted(args.quiet))
        try:
            summary = run(options, reporter.record, progress.update, on_note=reporter.note, discovery=discovery)
        finally:
            progress.close()
        reporter.finish(summary)
        if output is not None:
            output.close()
    except (UsageError, ContractError, _OutputError) as exc:
        print(escape_control(f"error: {exc}"), file=sys.stderr)
        return 2
    if output is not None and not args.quiet:
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
    from .mock.runner import bind, serve_forever

    config = mock_config(args)
    try:
        state = build_state(config)
    except ContractError as exc:
        print(f"error: {escape_control(str(exc))}", file=sys.stderr)
        return 2
    if args.list_scenarios:
        width = max(len(name) for name in state.scenarios)
        for name, scenario in state.scenarios.items():
            print(f"{name:<{width}}  {scenario.description}")
        return 0
    # Bind first: a server that never started prints no banner, only why.
    try:
        listener = bind(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            f"error: --host/--port: cannot listen on {escape_control(f'{args.host}:{args.port}')}: {reason}",
            file=sys.stderr,
        )
        return 2
    port = listener.getsockname()[1]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: the demo tokens are public, do not expose this", file=sys.stderr)
    limit = "off" if config.rate_limit is None else f"{config.rate_limit[0]} calls per {config.rate_limit[1]:g} s"
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = paint(f"http://{host}:{port}{state.contract.path}", BOLD, use_color(args.color, sys.stdout))
    print(f"rc-licenses-contract mock: {url}")
    print(
        f"  scenario {config.scenario}, server version {config.server_version}, rate limit {limit}"
        + (f", fault {config.fault}" if config.fault else "")
    )
    print("  demo callers (X-User-Id / X-Auth-Token):")
    for user in state.demo_users:
        print(escape_control(f"    {user.name:<8} {user.user_id} / {user.auth_token}  {user.description}"))
    print("  stop with Ctrl-C", flush=True)
    stopped_by = serve_forever(config, listener, idle_timeout=args.idle_timeout)
    if stopped_by is not None:
        print(f"stopped ({signal.Signals(stopped_by).name})", flush=True)
    return 0


MOCK_BUDGET, MOCK_EXAMPLES = 500, 100  # gate --mock defaults: see run_gate
SECRET_FLAGS = {
    "auth_token": "ROCKETCHAT_AUTH_TOKEN",
    "user_id": "ROCKETCHAT_USER_ID",
    "unprivileged_auth_token": "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN",
    "unprivileged_user_id": "ROCKETCHAT_UNPRIVILEGED_USER_ID",
}


def _secret(args: argparse.Namespace, name: str) -> str | None:
    import os

    flag = getattr(args, name)
    if flag:
        option = "--" + name.replace("_", "-")
        print(
            f"warning: {option} puts a secret in shell history and process lists; set ${SECRET_FLAGS[name]} instead",
            file=sys.stderr,
        )
        return str(flag)
    return os.environ.get(SECRET_FLAGS[name]) or None


def _pair(args: argparse.Namespace, token: str, user: str, who: str) -> Any:
    from .gate.result import Credentials

    token_value, user_value = _secret(args, token), _secret(args, user)
    if bool(token_value) != bool(user_value):
        raise UsageError(f"{who} credentials need both ${SECRET_FLAGS[token]} and ${SECRET_FLAGS[user]}")
    return Credentials(user_value, token_value) if token_value and user_value else None


def mock_command(args: argparse.Namespace) -> str:
    """The `rc-licenses-contract mock ...` command that starts the same mock `gate --mock` ran against."""
    import shlex

    parts = [
        "rc-licenses-contract",
        "mock",
        "--scenario",
        args.scenario,
        "--server-version",
        args.server_version or "8",
    ]
    if args.fault:
        parts += ["--fault", args.fault]
        if args.fault_delay != 3.0:
            parts += ["--fault-delay", f"{args.fault_delay:g}"]
    if args.no_rate_limit:
        parts.append("--no-rate-limit")
    elif tuple(args.mock_rate_limit) != (10, 60.0):
        parts += ["--mock-rate-limit", f"{args.mock_rate_limit[0]}/{args.mock_rate_limit[1]:g}"]
    parts += ["--seed", str(args.seed)]
    if args.root is not None:
        parts += ["--root", str(args.root)]
    return " ".join(shlex.quote(part) for part in parts)


def _base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a workspace's root URL, or None. Never quotes the URL (it may hold a password)."""
    from urllib.parse import urlsplit

    if url != url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        reason = str(exc)
        if "IPv6" in reason or "[" in url or "]" in url:
            return "is not a valid URL (unbalanced [ ] around an IPv6 address)"
        if "port" in reason.lower():
            return "has an invalid port (a number from 1 to 65535)"
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host, like https://chat.example.com"
    if parts.port == 0:
        return "has an invalid port (a number from 1 to 65535)"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not carry a query string or a fragment: give the workspace's root URL"
    return None


def _report_targets(args: argparse.Namespace) -> None:
    """Refuse report files that cannot be written before the run, not after it."""
    import os

    seen: dict[Path, str] = {}
    for option, path in (("--junit", args.junit), ("--json", args.json)):
        if path is None:
            continue
        shown = escape_control(str(path))
        if path.is_dir():
            raise UsageError(f"{option} {shown}: is a folder, not a file")
        parent = path.parent if str(path.parent) else Path(".")
        if not path.exists() and not parent.is_dir():
            raise UsageError(f"{option} {shown}: folder {escape_control(str(parent))} does not exist")
        if (path.exists() and not os.access(path, os.W_OK)) or (not path.exists() and not os.access(parent, os.W_OK)):
            raise UsageError(f"{option} {shown}: not writable")
        key = path.resolve()
        if key in seen:
            raise UsageError(f"{option} {shown}: the same file as {seen[key]}")
        seen[key] = option


def run_gate(args: argparse.Namespace) -> int:
    import contextlib
    import os

    from . import github
    from .gate.report import github_annotations, github_summary, json_report, junit_report, text_report
    from .gate.result import Credentials, GateOptions, MockTarget
    from .gate.run import run_gate as gate
    from .gate.secrets import Redactor, redacting_logs, url_secrets

    base_url = args.base_url or os.environ.get("ROCKETCHAT_URL")
    url_option = "--base-url" if args.base_url else "$ROCKETCHAT_URL"
    # Every secret the run may see, known before the first line is printed: errors may quote any of them.
    redact = Redactor.for_run(
        base_url,
        *(os.environ.get(env) for env in SECRET_FLAGS.values()),
        *(getattr(args, name) for name in SECRET_FLAGS),
    )

    def say(text: str) -> None:
        print(redact.clean(text), file=sys.stderr)

    try:
        privileged = _pair(args, "auth_token", "user_id", "privileged")
        unprivileged = _pair(args, "unprivileged_auth_token", "unprivileged_user_id", "unprivileged")
        mock = None
        state = None
        if args.mock:
            from .mock.app import build_state

            state = build_state(mock_config(args))
            users = state.demo_users
            admin = next(u for u in users if u.can("view-privileged-setting"))
            ordinary = next((u for u in users if not u.can("view-privileged-setting")), None)
            privileged = Credentials(admin.user_id, admin.auth_token)
            unprivileged = Credentials(ordinary.user_id, ordinary.auth_token) if ordinary else None
            description = f"bundled mock: scenario {args.scenario}, version {args.server_version or '8'}" + (
                f", fault {args.fault}" if args.fault else ""
            )
            mock = MockTarget(mock_command(args), description)
        elif not base_url:
            raise UsageError("no target: give --base-url, set $ROCKETCHAT_URL, or use --mock")
        elif (problem := _base_url_problem(base_url)) is not None:
            raise UsageError(f"{url_option} {problem}")
        elif privileged is None:
            raise UsageError("no privileged credentials: set $ROCKETCHAT_AUTH_TOKEN and $ROCKETCHAT_USER_ID")
        _report_targets(args)
        if not args.mock and url_secrets(base_url):
            say(
                f"warning: {url_option} carries user info: it is sent as HTTP Basic authentication and masked in "
                "every output; prefer a URL without it"
            )
        if args.insecure:
            say("warning: --insecure: TLS certificates are not verified")
    except (UsageError, ContractError) as exc:
        say(f"error: {exc}")
        return 2
    assert privileged is not None
    # The bundled mock lets its admin past the rate limiter: explore for real. A workspace: stay gentle.
    default_budget, default_examples = (MOCK_BUDGET, MOCK_EXAMPLES) if args.mock else (10, 25)
    options = GateOptions(
        base_url=base_url or "",
        privileged=privileged,
        unprivileged=unprivileged,
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
        mock=mock,
    )
    # The mock's demo callers are public (README, `mock` prints them) and its reproduce lines need them.
    callers = [] if args.mock else [privileged, *([unprivileged] if unprivileged else [])]
    redact = Redactor.for_run(
        options.base_url, *redact.secrets, *(value for caller in callers for value in caller.headers().values())
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(redacting_logs(redact))
        if args.mock:
            from .mock.app import create_app
            from .mock.runner import running_mock

            options.base_url = stack.enter_context(running_mock(app=create_app(state=state)))
        try:
            result = gate(options)
        except ContractError as exc:
            say(f"error: {exc}")
            return 2
    report = text_report(result, redact)
    if args.quiet:
        report = report.rstrip("\n").rsplit("\n", 1)[-1] + "\n"
    body, _, verdict = report.rstrip("\n").rpartition("\n")
    verdict = paint(verdict, GREEN if result.exit_code == 0 else RED, use_color(args.color, sys.stdout))
    report = (body + "\n" if body else "") + verdict + "\n"
    code = result.exit_code
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
    for option, path, render in (("--junit", args.junit, junit_report), ("--json", args.json, json_report)):
        if path is not None:
            try:
                path.write_text(render(result, redact), encoding="utf-8")
            except OSError as exc:  # written or not, the other report is still attempted
                say(f"error: {option} {path}: cannot write: {exc.strerror or exc}")
                code = 2
    return code


def run_bundle(args: argparse.Namespace) -> int:
    from .bundling import bundle, dump
    from .loader import load_contract

    fmt = args.format or ("json" if args.output and args.output.suffix.lower() == ".json" else "yaml")
    try:
        text = dump(bundle(load_contract(args.root), dereference=args.dereference), fmt)
    except ContractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
        return 2
    return 0
