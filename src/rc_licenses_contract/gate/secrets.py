"""Keeping credential values out of every byte the gate writes."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"


class Redactor:
    """Replaces every known secret value in text; the last pass before anything is written."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        values = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern else text
