"""Loaded by each worker of a `--scheduler local` cluster (Dask's `preload`).

A terminal's Ctrl-C reaches the whole process group, the cluster's worker processes too: each printed its
own traceback (KeyboardInterrupt, CancelledError) around "interrupted". The command alone handles it and
closes the cluster, which stops its workers.
"""

from __future__ import annotations

import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Dask calls this in the worker process, on its main thread, as the worker starts."""
    del worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
