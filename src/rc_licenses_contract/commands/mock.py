"""`mock`: build the stand-in workspace from the contract, bind, print the banner, serve until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from ..color import BOLD, paint, use_color
from ..contract_facts import TOKEN_SCHEME, USER_ID_SCHEME
from ..errors import ContractError
from ..textsafety import escape_control


def mock_config(args: argparse.Namespace, server_version: str | None = None) -> Any:
    from ..mock.app import MockConfig

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
    from ..mock.faults import describe

    if args.list_faults:
        print(describe())
        return 0
    from ..mock.app import build_state
    from ..mock.runner import bind, serve_forever

    config = mock_config(args)
    try:
        state = build_state(config)
    except ContractError as exc:
        print(f"error: {escape_control(str(exc))}", file=sys.stderr)
        return 2
    if args.list_scenarios:
        width = max(len(name) for name in state.scenarios)
        for name, scenario in state.scenarios.items():
            print(escape_control(f"{name:<{width}}  {scenario.description}"))
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
    stopped_by = serve_forever(
        config, listener, idle_timeout=args.idle_timeout, announce=lambda: _banner(args, config, state, port)
    )
    if stopped_by is not None:
        print(f"stopped ({signal.Signals(stopped_by).name})", flush=True)
    return 0


def _banner(args: argparse.Namespace, config: Any, state: Any, port: int) -> None:
    """Where the mock listens, how it behaves and who may call it."""
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
    names = state.contract.auth_headers
    print(f"  demo callers ({names[USER_ID_SCHEME]} / {names[TOKEN_SCHEME]}):")
    for user in state.demo_users:
        print(escape_control(f"    {user.name:<8} {user.user_id} / {user.auth_token}  {user.description}"))
    print("  stop with Ctrl-C", flush=True)
