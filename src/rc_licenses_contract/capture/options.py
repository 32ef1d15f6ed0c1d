"""What a `validate` run was asked to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ValidateOptions:
    paths: list[str]
    response: str = "200"
    profile: str = "default"
    strict: bool = False
    engine: str = "rs"
    jobs: int = 0  # 0: all cores
    max_errors: int = 0  # per record; 0: no limit
    input_format: str = "auto"
    keep_valid: bool = False  # reporters that list every record need valid ones too
    output: Path | None = None  # the report file: refused as an input, never read back
    scheduler: str | None = None  # a Dask scheduler's address, or "local"; None: processes on this machine
    root: Path | None = None
