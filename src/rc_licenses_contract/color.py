"""Whether to colour a stream: `--color auto|always|never`, NO_COLOR and FORCE_COLOR.

`always` and `never` win; under `auto`, NO_COLOR (https://no-color.org) turns colour off, then
FORCE_COLOR turns it on (for CI logs that render ANSI), else colour only on a terminal.
"""

from __future__ import annotations

import os
from typing import IO

CHOICES = ("auto", "always", "never")
RED, GREEN, YELLOW, BOLD = "31", "32", "33", "1"


def use_color(choice: str, stream: IO[str]) -> bool:
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, code: str, on: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if on else text
