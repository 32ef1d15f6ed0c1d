"""Running the mock on a free loopback port, in a background thread or in the foreground."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from .app import MockConfig, create_app

LOOPBACK = "127.0.0.1"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _server(app: Any, host: str, port: int, log_level: str = "warning") -> Any:
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    return uvicorn.Server(config)


def free_port(host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_mock(
    config: MockConfig | None = None, host: str = LOOPBACK, port: int = 0, app: Any = None
) -> Iterator[str]:
    """Serve the mock (or a given ASGI app) in a daemon thread; yield its base URL; stop it on exit."""
    app = app if app is not None else create_app(config)
    server = _server(app, host, port or free_port(host), log_level="error")
    port = server.config.port
    server.install_signal_handlers = lambda: None  # not the main thread
    thread = threading.Thread(target=server.run, name="rc-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mock server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve_forever(config: MockConfig, host: str, port: int) -> int | None:
    """Foreground server until SIGINT or SIGTERM; returns the signal that stopped it.

    uvicorn shuts down gracefully on either signal and then re-raises it to the handler that was in
    place before; ours only records it, so the process exits normally instead of dying by signal.
    """
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _: received.append(signum)) for sig in STOP_SIGNALS}
    try:
        server = _server(create_app(config), host, port)
        server.run()
        if not server.started:
            raise OSError(98, "address already in use or not available")
    except SystemExit:  # uvicorn exits when it cannot bind
        raise OSError(98, "address already in use or not available") from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return received[0] if received else None
