"""`bundle`: write the one self-contained OpenAPI document."""

from __future__ import annotations

import argparse
import sys

from ..errors import ContractError
from ..textsafety import escape_control


def run_bundle(args: argparse.Namespace) -> int:
    from ..bundling import bundle, dump
    from ..loader import load_contract

    fmt = args.format or ("json" if args.output and args.output.suffix.lower() == ".json" else "yaml")
    try:
        text = dump(bundle(load_contract(args.root), dereference=args.dereference), fmt)
    except ContractError as exc:
        print(escape_control(f"error: {exc}"), file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(escape_control(f"error: {args.output}: cannot write: {exc.strerror}"), file=sys.stderr)
        return 2
    return 0
