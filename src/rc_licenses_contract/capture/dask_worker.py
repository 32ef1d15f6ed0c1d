"""Loaded by each worker of a `--scheduler local` cluster (Dask's `preload`): Ctrl-C is the command's to handle
(see `interrupts.leave_ctrl_c_to_the_parent`); it closes the cluster, which stops its workers."""

from __future__ import annotations

from typing import Any

from ..interrupts import leave_ctrl_c_to_the_parent


def dask_setup(worker: Any) -> None:
    """Dask calls this in the worker process, on its main thread, as the worker starts."""
    del worker
    leave_ctrl_c_to_the_parent()
