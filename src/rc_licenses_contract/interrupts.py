"""Ctrl-C, never lost.

Python raises KeyboardInterrupt wherever SIGINT lands. When it lands in a garbage-collector or weakref
callback, Python only prints "Exception ignored in ..." and the work goes on: `gate` then ran to its end and
said PASSED, exit 0 (2 runs in 12, with SIGINT 1.3-1.8 s into `gate --mock`). So the CLI also notes the
signal: the gate checks the note before each request, and a command interrupted this way exits 130 all the same.
Python's report of the swallowed exception ("Exception ignored in ...", a traceback) is left out: the command
says "interrupted" instead.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

_noted = threading.Event()  # set by the handler while `noting_interrupts` is in force, and only then


@dataclass
class Interrupts:
    interrupted: bool = False  # filled in as `noting_interrupts` ends


def check() -> None:
    """Raise KeyboardInterrupt if SIGINT came, even when the exception it raised was swallowed where it landed."""
    if _noted.is_set():
        raise KeyboardInterrupt


@contextmanager
def noting_interrupts() -> Iterator[Interrupts]:
    """SIGINT raises KeyboardInterrupt, as by default, and is noted; whether one came is in the object yielded
    once the block ends. Only in the main thread and where Python's default handler is in place: a program
    that handles SIGINT itself, or ignores it, keeps its way. The note does not outlive the block (a later
    run in the same process starts clean)."""
    result = Interrupts()
    _noted.clear()
    installed = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )

    def note(signum: int, frame: FrameType | None) -> None:
        _noted.set()
        raise KeyboardInterrupt

    previous_hook = sys.unraisablehook

    def unraisable(seen: sys.UnraisableHookArgs) -> None:
        # A noted Ctrl-C swallowed in a callback is not printed with its traceback: the command ends with
        # "interrupted". Anything else goes to the hook that was in place.
        if not (isinstance(seen.exc_value, KeyboardInterrupt) and _noted.is_set()):
            previous_hook(seen)

    if installed:
        signal.signal(signal.SIGINT, note)
        sys.unraisablehook = unraisable
    try:
        yield result
    finally:
        if installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if sys.unraisablehook is unraisable:
                sys.unraisablehook = previous_hook
        result.interrupted = _noted.is_set()
        _noted.clear()


def leave_ctrl_c_to_the_parent() -> None:
    """In a worker process (a pool's, a local Dask cluster's): a terminal's Ctrl-C reaches the whole process
    group, and each worker printed its own traceback around "interrupted". The command alone handles it and
    ends its workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
