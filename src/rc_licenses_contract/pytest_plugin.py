"""pytest plugin: the gate's checks as pytest items in a team's own test run.

    pytest --rc-base-url https://staging.chat.example.com        # credentials from ROCKETCHAT_* variables

Without --rc-base-url (or the ini key rc_base_url) the plugin does nothing; it needs the `gate` extra.
The gate runs once, at the first item; every check
becomes an item `rc-licenses-contract::<check id>` that passes, fails with the findings, or skips.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

COLLECTOR_NAME = "rc-licenses-contract"
_RESULT = pytest.StashKey[Any]()


PROFILES = ("default", "8")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rc-licenses-contract", "Rocket.Chat licenses.info contract gate")
    group.addoption("--rc-base-url", metavar="URL", help="gate this workspace; credentials from ROCKETCHAT_* variables")
    group.addoption("--rc-profile", choices=PROFILES, help="profile (default: from the server version)")
    group.addoption("--rc-strict", action="store_true", default=None, help="undocumented properties are violations")
    group.addoption("--rc-max-requests", type=int, metavar="N", help="request budget (default 10)")
    group.addoption("--rc-seed", type=int, help="Schemathesis seed (default 0)")
    # The same settings as ini keys ([pytest] / [tool.pytest.ini_options]); the options above override them.
    parser.addini("rc_base_url", "gate this workspace (as --rc-base-url)", default="")
    parser.addini("rc_profile", "profile: default or 8 (as --rc-profile)", default="")
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
            number = int(value)
        except ValueError:
            raise pytest.UsageError(f"ini key rc_{name}: {value!r} is not a whole number") from None
        if name == "max_requests" and number < 1:
            raise pytest.UsageError(f"ini key rc_{name}: {value!r} must be 1 or more")
        return number
    if name == "profile" and value and value not in PROFILES:
        raise pytest.UsageError(f"ini key rc_profile: {value!r} is not one of {', '.join(PROFILES)}")
    return (value or None) if name in ("base_url", "profile") else value


def _check_ids() -> list[str]:
    from .gate.checks import CHECKS
    from .gate.run import SCHEMATHESIS_CHECKS

    return [*CHECKS, "rate-limit", *(f"schemathesis.{name}" for name in SCHEMATHESIS_CHECKS)]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _setting(config, "base_url"):
        return
    from .extras import missing_extra

    problem = missing_extra(["gate"], "the rc-licenses-contract pytest plugin")
    if problem:
        raise pytest.UsageError(problem)
    for name in ("profile", "strict", "max_requests", "seed"):
        _setting(config, name)  # a bad ini value stops the run here, once, not in every item
    token, user = os.environ.get("ROCKETCHAT_AUTH_TOKEN"), os.environ.get("ROCKETCHAT_USER_ID")
    if not token or not user:
        raise pytest.UsageError("--rc-base-url needs $ROCKETCHAT_AUTH_TOKEN and $ROCKETCHAT_USER_ID")
    parent = GateCollector.from_parent(session, name=COLLECTOR_NAME, nodeid=COLLECTOR_NAME)
    items.extend(GateCheckItem.from_parent(parent, name=check_id) for check_id in _check_ids())


def _gate_result(config: pytest.Config) -> Any:
    if _RESULT not in config.stash:
        from .gate.run import Credentials, GateOptions, run_gate

        unprivileged = None
        if os.environ.get("ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN") and os.environ.get("ROCKETCHAT_UNPRIVILEGED_USER_ID"):
            unprivileged = Credentials(
                os.environ["ROCKETCHAT_UNPRIVILEGED_USER_ID"], os.environ["ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN"]
            )
        options = GateOptions(
            base_url=_setting(config, "base_url"),
            privileged=Credentials(os.environ["ROCKETCHAT_USER_ID"], os.environ["ROCKETCHAT_AUTH_TOKEN"]),
            unprivileged=unprivileged,
            profile=_setting(config, "profile"),
            strict=bool(_setting(config, "strict")),
            max_requests=_setting(config, "max_requests"),
            seed=_setting(config, "seed"),
        )
        config.stash[_RESULT] = (run_gate(options), options)
    return config.stash[_RESULT]


class GateCheckFailed(Exception):
    pass


class GateCollector(pytest.Collector):
    """The parent of the gate's items, so that they read `rc-licenses-contract::<check id>`."""

    def collect(self) -> list[pytest.Item]:
        return []


class GateCheckItem(pytest.Item):
    def runtest(self) -> None:
        from .gate.report import _describe
        from .gate.secrets import Redactor

        result, options = _gate_result(self.config)
        redact = Redactor(
            [
                options.privileged.auth_token,
                options.privileged.user_id,
                *((options.unprivileged.auth_token, options.unprivileged.user_id) if options.unprivileged else ()),
            ]
        )
        check_id = self.name
        outcome = next(c for c in result.checks if c.id == check_id)
        findings = [f for f in result.failures if f.check == check_id]
        text = redact("\n".join(line for f in findings for line in _describe(f, result)))
        if outcome.state == "failed":
            raise GateCheckFailed(text)
        if outcome.state == "not checked":
            raise GateCheckFailed(redact(f"not checked: {result.stop_reason or outcome.note}"))
        if outcome.state == "skipped":
            pytest.skip(outcome.note or "not applicable in this run")
        if text:
            self.add_report_section("call", "warnings", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GateCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return ("rc-licenses-contract gate", None, self.name)
