"""`mock`: serve a stand-in workspace; also the mock options `gate --mock` shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import argtypes
from .base import add_command, add_root

SERVER_VERSIONS = ("6", "7", "8")

# A help example, like README's: the shipped contract's header names and path with the public demo values.
MOCK_EPILOG = """\
examples:
  rc-licenses-contract mock
  rc-licenses-contract mock --scenario community --server-version 6 --port 3100
  rc-licenses-contract mock --fault wrong-type
  rc-licenses-contract mock --list-faults
  curl -H 'X-User-Id: rc-demo-admin' -H 'X-Auth-Token: demo-admin-token' \\
       -H 'Prefer: scenario=expired' http://127.0.0.1:3000/api/v1/licenses.info
"""


def build_mock(commands: Any) -> None:
    mock = add_command(
        commands,
        "mock",
        help="serve a faithful, steerable stand-in for a Rocket.Chat workspace",
        description="Serve GET /api/v1/licenses.info (and GET /api/info) as a Rocket.Chat server does: "
        "authentication, permission-shaped bodies, loadValues, query validation, the rate limiter and the "
        "version-specific error forms. Every answer is built from the contract's data. Steer single requests "
        "with the header `Prefer: scenario=NAME, version=6|7|8, code=200|400|401|429, fault=NAME, dynamic=true`.",
        epilog=MOCK_EPILOG,
    )
    add_mock_options(mock)
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    mock.add_argument("--port", type=argtypes.port, default=3000, help="port (default 3000; 0 picks a free one)")
    mock.add_argument(
        "--idle-timeout",
        type=argtypes.positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="close a connection that sends no complete request for this long (default 5)",
    )
    mock.add_argument(
        "--users", type=Path, metavar="FILE", help="users and tokens (default: contracts/mock/users.json)"
    )
    mock.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    mock.add_argument("--list-scenarios", action="store_true", help="list the workspace scenarios and exit")
    add_root(mock)


def add_mock_options(parser: Any, for_gate: bool = False) -> None:
    """Options shared by `mock` and `gate --mock` (the gate has its own --server-version and --seed)."""
    parser.add_argument("--scenario", default="enterprise-trial", metavar="NAME", help="workspace scenario")
    if not for_gate:
        parser.add_argument(
            "--server-version", choices=list(SERVER_VERSIONS), default=None, help="server version to act as"
        )
    parser.add_argument("--fault", metavar="NAME", help="break the contract in one way (see mock --list-faults)")
    parser.add_argument(
        "--fault-delay",
        type=argtypes.seconds,
        default=3.0,
        metavar="SECONDS",
        help="delay of the slow fault (default 3)",
    )
    parser.add_argument(
        "--mock-rate-limit",
        dest="mock_rate_limit",
        metavar="N/SECONDS",
        type=argtypes.rate,
        default=(10, 60.0),
        help="the mock's rate limiter (default 10/60)",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="turn the mock's rate limiter off")
    if not for_gate:
        parser.add_argument("--seed", type=int, default=0, help="seed for anything random (default 0)")
