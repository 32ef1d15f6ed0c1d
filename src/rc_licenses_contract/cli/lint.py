"""`lint`: check the contract itself."""

from __future__ import annotations

from typing import Any

from .base import EPILOG, add_command, add_root


def build_lint(commands: Any) -> None:
    lint = add_command(
        commands,
        "lint",
        help="check the contract itself: spec, schemas, refs, examples and cases",
        description="Check openapi.yaml (openapi-spec-validator), every schema against the 2020-12 "
        "metaschema, every $ref, and that every example and every case in contracts/ validates as declared.",
        epilog="example:\n  rc-licenses-contract lint\n  rc-licenses-contract lint --root ./my-fork\n\n" + EPILOG,
    )
    add_root(lint)
    lint.add_argument("-q", "--quiet", action="store_true", help="print problems only")
