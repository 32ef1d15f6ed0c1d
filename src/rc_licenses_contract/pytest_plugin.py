"""pytest plugin: the gate's checks as pytest items in a team's own test run.

    pytest --rc-base-url https://staging.chat.example.com        # credentials from ROCKETCHAT_* variables

Without --rc-base-url the plugin does nothing. The gate runs once, at the first item; every check
becomes an item `rc-licenses-contract::<check id>` that passes, fails with the findings, or skips.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

COLLECTOR_NAME = "rc-licenses-contract"
_RESULT = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rc-licenses-contract", "Rocket.Chat licenses.info contract gate")
    group.addoption("--rc-base-url", metavar="URL", help="gate this workspace; credentials from ROCKETCHAT_* variables")
    group.addoption("--rc-profile", choices=["default", "8"], help="profile (default: from the server version)")
    group.addoption("--rc-strict", action="store_true", help="undocumented properties are violations")
    group.addoption("--rc-max-requests", type=int, default=10, metavar="N", help="request budget (default 10)")
    group.addoption("--rc-seed", type=int, default=0, help="Schemathesis seed (default 0)")


def _check_ids() -> list[str]:
    from .gate.result import check_ids

    return check_ids()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--rc-base-url"):
        return
    token, user = os.environ.get("ROCKETCHAT_AUTH_TOKEN"), os.environ.get("ROCKETCHAT_USER_ID")
    if not token or not user:
        raise pytest.UsageError("--rc-base-url needs $ROCKETCHAT_AUTH_TOKEN and $ROCKETCHAT_USER_ID")
    parent = GateCollector.from_parent(session, name=COLLECTOR_NAME, nodeid=COLLECTOR_NAME)
    items.extend(GateCheckItem.from_parent(parent, name=check_id) for check_id in _check_ids())


def _gate_result(config: pytest.Config) -> Any:
    if _RESULT not in config.stash:
        from .gate.result import Credentials, GateOptions
        from .gate.run import run_gate

        unprivileged = None
        if os.environ.get("ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN") and os.environ.get("ROCKETCHAT_UNPRIVILEGED_USER_ID"):
            unprivileged = Credentials(
                os.environ["ROCKETCHAT_UNPRIVILEGED_USER_ID"], os.environ["ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN"]
            )
        options = GateOptions(
            base_url=config.getoption("--rc-base-url"),
            privileged=Credentials(os.environ["ROCKETCHAT_USER_ID"], os.environ["ROCKETCHAT_AUTH_TOKEN"]),
            unprivileged=unprivileged,
            profile=config.getoption("--rc-profile"),
            strict=config.getoption("--rc-strict"),
            max_requests=config.getoption("--rc-max-requests"),
            seed=config.getoption("--rc-seed"),
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
        from .gate.report import describe_finding
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
        findings = result.findings_of(check_id)
        text = redact("\n".join(line for f in findings for line in describe_finding(f, result)))
        if outcome.state == "failed":
            raise GateCheckFailed(text)
        if outcome.state == "not checked":
            raise GateCheckFailed(redact(f"not checked: {result.stop_reason or outcome.note}"))
        if outcome.state in ("skipped", "not applicable"):
            pytest.skip(f"{outcome.state}: {outcome.note}" if outcome.note else outcome.state)
        if text:
            self.add_report_section("call", "warnings", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GateCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return ("rc-licenses-contract gate", None, self.name)
