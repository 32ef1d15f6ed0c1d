"""Command implementations: each `run_<command>` takes parsed arguments and returns an exit code.

One module per command (lint, validate, mock, gate, bundle); `gate_setup` holds what the gate checks
before it sends anything, `common` what several commands share. The CLI looks each `run_*` up here.
"""

from __future__ import annotations

from .bundle import run_bundle
from .gate import run_gate
from .gate_setup import base_url_problem, mock_command
from .lint import run_lint
from .mock import mock_config, run_mock
from .validate import run_validate

_base_url_problem = base_url_problem  # the name the pytest plugin imports

__all__ = [
    "base_url_problem",
    "mock_command",
    "mock_config",
    "run_bundle",
    "run_gate",
    "run_lint",
    "run_mock",
    "run_validate",
]
