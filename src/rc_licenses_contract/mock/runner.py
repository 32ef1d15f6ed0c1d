"""Running the mock on a free loopback port, in a background thread or in the foreground.

A connection that sends no complete request head within the idle timeout is closed, whether it is new,
between requests (keep-alive) or trickling its headers: a crowd of idle sockets cannot hold the file
descriptors the server needs to answer.
"""

from __future__ import annotations

import asyncio
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
IDLE_TIMEOUT = 5.0


def idle_closing_protocol(idle_timeout: float) -> type[Any]:
    """uvicorn's httptools protocol, closing connections that send no complete request head in time."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class IdleClosingProtocol(HttpToolsProtocol):
        _idle: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._idle = self.loop.call_later(idle_timeout, self._close_if_idle)

        def _disarm(self) -> None:
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None

        def _close_if_idle(self) -> None:
            self._idle = None
            if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request head, too, must arrive in time

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return IdleClosingProtocol


def _server(app: Any, host: str, port: int, log_level: str = "warning", idle_timeout: float = IDLE_TIMEOUT) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        http=idle_closing_protocol(idle_timeout),
        timeout_keep_alive=max(1, round(idle_timeout)),
    )
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); OSError if that is not possible."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


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
    listener = bind(host, port)  # bound here, so no other process can take the port in between
    port = listener.getsockname()[1]
    server = _server(app, host, port, log_level="error")
    server.install_signal_handlers = lambda: None  # not the main thread
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="rc-mock", daemon=True)
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
        listener.close()


def serve_forever(config: MockConfig, listener: socket.socket, idle_timeout: float = IDLE_TIMEOUT) -> int | None:
    """Foreground server on a bound socket until SIGINT or SIGTERM; returns the signal that stopped it.

    uvicorn shuts down gracefully on either signal and then re-raises it to the handler that was in
    place before; ours only records it, so the process exits normally instead of dying by signal.
    """
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _: received.append(signum)) for sig in STOP_SIGNALS}
    try:
        host, port = listener.getsockname()[:2]
        server = _server(create_app(config), host, port, idle_timeout=idle_timeout)
        server.run(sockets=[listener])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return received[0] if received else None
