"""`lint`: check the contract itself and print its problems."""

from __future__ import annotations

import argparse
import sys

from ..color import BOLD, GREEN, RED, paint, use_color
from ..errors import ContractError
from ..textsafety import escape_control
from .common import contract_root


def run_lint(args: argparse.Namespace) -> int:
    from ..lint import lint

    try:
        root = contract_root(args)
    except ContractError as exc:
        print(escape_control(f"error: {exc}"), file=sys.stderr)
        return 2
    if not (root / "openapi.yaml").is_file():
        print(escape_control(f"error: {root}: no openapi.yaml here"), file=sys.stderr)
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
        print(f"lint {escape_control(str(root))}: {verdict} ({counts} checked)", file=stream)
    return 0 if result.ok else 1
