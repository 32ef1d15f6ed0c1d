"""Argument types: each turns one command-line string into a checked value or a one-line usage error."""

from __future__ import annotations

import argparse
import math


def rate(text: str) -> tuple[int, float]:
    """N/SECONDS: at most N calls per SECONDS (SECONDS defaults to 60)."""
    calls, _, seconds = text.partition("/")
    try:
        parsed = int(calls), float(seconds or "60")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not N/SECONDS, e.g. 10/60") from None
    if parsed[0] < 1 or not (0 < parsed[1] < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r}: both numbers must be positive")
    return parsed


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds (no nan, no inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (0 <= value < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: 0 to 65535 (0 picks a free one)")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value
