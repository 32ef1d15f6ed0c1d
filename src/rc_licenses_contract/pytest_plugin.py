"""pytest plugin: the gate's checks as pytest items in a team's own test run.

    pytest --rc-base-url https://staging.chat.example.com        # credentials from ROCKETCHAT_* variables

Without --rc-base-url (or the ini key rc_base_url) the plugin does nothing; it needs the `gate` extra.
The gate runs once, at the first item; every check
becomes an item `rc-licenses-contract::<check id>` that passes, fails with the findings, or skips. A
gate that cannot run is one error (the other items skip), never a rerun per item. pytest never renders
the gate's objects: an item's failure text is the gate's own, masked and escaped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

COLLECTOR_NAME = "rc-licenses-contract"
COMPLETE_ITEM = "run-complete"
_RESULT = pytest.StashKey[Any]()


def _profiles() -> list[str]:
    """The profile names the loaded contract declares (contracts/profiles.json)."""
    from .errors import ContractError
    from .loader import load_contract

    try:
        return list(load_contract().profiles)
    except ContractError as exc:
        raise pytest.UsageError(f"rc-licenses-contract: {exc}") from None


def _check_profile(value: str, where: str) -> str:
    from .errors import not_one_of

    problem = not_one_of(where, value, _profiles())
    if problem:
        raise pytest.UsageError(problem)
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rc-licenses-contract", "Rocket.Chat licenses.info contract gate")
    group.addoption("--rc-base-url", metavar="URL", help="gate this workspace; credentials from ROCKETCHAT_* variables")
    # No `choices`: the profiles are the contract's, read only when one is asked for (pytest_configure).
    group.addoption("--rc-profile", metavar="NAME", help="profile from contracts/profiles.json (default: by version)")
    group.addoption("--rc-strict", action="store_true", default=None, help="undocumented properties are violations")
    group.addoption("--rc-max-requests", type=int, metavar="N", help="request budget (default 10)")
    group.addoption("--rc-seed", type=int, help="Schemathesis seed (default 0)")
    # The same settings as ini keys ([pytest] / [tool.pytest.ini_options]); the options above override them.
    parser.addini("rc_base_url", "gate this workspace (as --rc-base-url)", default="")
    parser.addini("rc_profile", "profile from contracts/profiles.json (as --rc-profile)", default="")
    parser.addini("rc_strict", "undocumented properties are violations (as --rc-strict)", type="bool", default=False)
    parser.addini("rc_max_requests", "request budget (as --rc-max-requests)", default="10")
    parser.addini("rc_seed", "Schemathesis seed (as --rc-seed)", default="0")


def _setting(config: pytest.Config, name: str) -> Any:
    """The option if given, else the ini key; ini values are checked like the options are."""
    given = config.getoption(f"--rc-{name.replace('_', '-')}")
    if given is not None:
        return given
    value = config.getini(f"rc_{name}")
    if name in ("max_requests", "seed"):
        try:
            return int(value)
        except ValueError:
            raise pytest.UsageError(f"ini key rc_{name}: {value!r} is not a whole number") from None
    if name == "profile" and value:
        _check_profile(value, "ini key rc_profile")
    return (value or None) if name in ("base_url", "profile") else value


def pytest_configure(config: pytest.Config) -> None:
    """An unknown --rc-profile is a usage error at once, as an argparse choice would be."""
    profile = config.getoption("--rc-profile")
    if profile is not None:
        _check_profile(profile, "--rc-profile")


def _check_ids() -> list[str]:
    from .gate.result import check_ids

    return check_ids()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    base_url = _setting(config, "base_url")
    if not base_url:
        return
    from .extras import missing_extra

    missing = missing_extra(["gate"], "the rc-licenses-contract pytest plugin")
    if missing:
        raise pytest.UsageError(missing)
    for name in ("profile", "strict", "seed"):
        _setting(config, name)  # a bad ini value stops the run here, once, not in every item
    from .commands import _base_url_problem
    from .gate.secrets import Redactor

    _credentials()  # missing or malformed credentials stop the run here, once
    if _setting(config, "max_requests") < 1:
        given = config.getoption("--rc-max-requests") is not None
        raise pytest.UsageError(f"{'--rc-max-requests' if given else 'ini key rc_max_requests'} must be 1 or more")
    problem = _base_url_problem(base_url)
    if problem is not None:
        raise pytest.UsageError(Redactor.for_run(base_url).clean(f"--rc-base-url {problem}"))
    from .gate.secrets import url_secrets

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if url_secrets(base_url) and reporter is not None:
        reporter.write_line(
            "rc-licenses-contract: warning: --rc-base-url carries user info: it is sent as HTTP Basic "
            "authentication and masked in every output; prefer a URL without it"
        )
    parent = GateCollector.from_parent(session, name=COLLECTOR_NAME, nodeid=COLLECTOR_NAME)
    items.extend(GateCheckItem.from_parent(parent, name=check_id) for check_id in _check_ids())
    # The gate's exit 3: a run that could not vouch for the contract (a rejected caller, a cut-short run,
    # nothing examined) fails here even when every check passed on what it saw.
    items.append(GateCompleteItem.from_parent(parent, name=COMPLETE_ITEM))


def _credentials() -> tuple[Any, Any]:
    """The privileged caller, and the unprivileged one if set: read from the environment by the same code
    as `gate`'s (stripped, refused by name when a header cannot carry them, both of a pair or neither)."""
    import argparse

    from .commands.gate_setup import SECRET_FLAGS, credential_pair
    from .errors import UsageError

    from_environment = argparse.Namespace(**dict.fromkeys(SECRET_FLAGS))  # no flags: every value from its variable
    try:
        privileged = credential_pair(from_environment, "auth_token", "user_id", "privileged")
        unprivileged = credential_pair(
            from_environment, "unprivileged_auth_token", "unprivileged_user_id", "unprivileged"
        )
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    if privileged is None:
        raise pytest.UsageError("--rc-base-url needs $ROCKETCHAT_AUTH_TOKEN and $ROCKETCHAT_USER_ID")
    return privileged, unprivileged


@dataclass
class _GateRun:
    """The one run of the gate in a pytest session, or why it could not run (crashed is reported once)."""

    redact: Any
    result: Any = None
    crash: str | None = None
    crash_reported: bool = False


def _gate_run(config: pytest.Config) -> _GateRun:
    if _RESULT not in config.stash:
        from .gate.result import GateOptions
        from .gate.run import run_gate
        from .gate.secrets import Redactor, redacting_logs

        base_url = _setting(config, "base_url")
        privileged, unprivileged = _credentials()
        redact = Redactor.for_run(base_url, *privileged.values(), *(unprivileged.values() if unprivileged else ()))
        run = _GateRun(redact)
        try:
            options = GateOptions(
                base_url=base_url,
                privileged=privileged,
                unprivileged=unprivileged,
                profile=_setting(config, "profile"),
                strict=bool(_setting(config, "strict")),
                max_requests=_setting(config, "max_requests"),
                seed=_setting(config, "seed"),
            )
            with redacting_logs(redact):
                run.result = run_gate(options)
        except Exception as exc:  # reported once, as one error, never re-run per item
            run.crash = redact.clean(f"the gate could not run: {type(exc).__name__}: {exc}", 300)
        config.stash[_RESULT] = run
    run_: _GateRun = config.stash[_RESULT]
    return run_


class GateCheckFailed(Exception):
    """A finding or a crash, already masked and escaped: the only text pytest shows for an item."""


class GateCollector(pytest.Collector):
    """The parent of the gate's items, so that they read `rc-licenses-contract::<check id>`."""

    def collect(self) -> list[pytest.Item]:
        return []


class GateCheckItem(pytest.Item):
    def setup(self) -> None:
        run = _gate_run(self.config)
        if run.crash is not None:
            if run.crash_reported:
                pytest.skip("the gate could not run: see the error reported once above")
            run.crash_reported = True
            raise GateCheckFailed(run.crash)

    def runtest(self) -> None:
        from .gate.report import NOTE_LIMIT, describe_finding

        run = _gate_run(self.config)
        result, redact = run.result, run.redact
        check_id = self.name
        outcome = next(c for c in result.checks if c.id == check_id)
        findings = result.findings_of(check_id)
        text = "\n".join(line for f in findings for line in describe_finding(f, result, redact, None))
        if outcome.state == "failed":
            raise GateCheckFailed(text)
        if outcome.state == "not checked":
            raise GateCheckFailed(redact.clean(f"not checked: {result.stop_reason or outcome.note}", NOTE_LIMIT))
        if outcome.state in ("skipped", "not applicable"):
            reason = f"{outcome.state}: {outcome.note}" if outcome.note else outcome.state
            pytest.skip(redact.clean(reason, NOTE_LIMIT))
        if text:
            self.add_report_section("call", "warnings", text)

    # pytest renders tracebacks (with -l, their frames' locals: options, headers, credentials) from these two;
    # an item of the gate shows only the gate's own masked text, whatever the exception and the options.
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return self._masked(excinfo)

    def _repr_failure_py(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        return self._masked(excinfo)

    def _masked(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, GateCheckFailed):
            return str(excinfo.value)
        run = self.config.stash.get(_RESULT, None)
        text = f"{type(excinfo.value).__name__}: {excinfo.value}"
        if run is None:
            from .cli import SECRET_VARIABLES
            from .gate.secrets import Redactor

            secrets = [os.environ.get(name) for name in SECRET_VARIABLES]
            return str(Redactor.for_run(self.config.getoption("--rc-base-url"), *secrets).clean(text, 300))
        return str(run.redact.clean(text, 300))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return ("rc-licenses-contract gate", None, self.name)


class GateCompleteItem(GateCheckItem):
    """Whether the run could vouch for the contract at all: the gate's exit 3, as one item."""

    def runtest(self) -> None:
        from .gate.report import NOTE_LIMIT

        run = _gate_run(self.config)
        reason = run.result.incomplete_reason
        if reason is not None:
            raise GateCheckFailed(run.redact.clean(f"incomplete: {reason}", NOTE_LIMIT))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return ("rc-licenses-contract gate", None, COMPLETE_ITEM)
