"""Command implementations: each takes parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ContractError
from .loader import default_root


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
    for problem in result.problems:
        print(problem)
    if not args.quiet:
        counts = ", ".join(f"{n} {what}" for what, n in result.checked.items())
        verdict = "ok" if result.ok else f"{len(result.problems)} problem(s)"
        print(f"lint {root}: {verdict} ({counts} checked)", file=sys.stderr if not result.ok else sys.stdout)
    return 0 if result.ok else 1
