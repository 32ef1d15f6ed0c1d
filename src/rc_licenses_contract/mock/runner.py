"""Running the mock on a free loopback port, in a background thread or in the foreground.

A connection that sends no complete request head within the idle timeout is closed, whether it is new,
between requests (keep-alive) or trickling its headers: a crowd of idle sockets cannot hold the file
descriptors the server needs to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .app import MockConfig, create_app

LOOPBACK = "127.0.0.1"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
IDLE_TIMEOUT = 5.0
BACKLOG = 2048  # connections the kernel may hold for the mock before it accepts them


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
        backlog=BACKLOG,
        http=idle_closing_protocol(idle_timeout),
        timeout_keep_alive=max(1, round(idle_timeout)),
    )
    logging.getLogger("uvicorn.error").addFilter(_not_a_cut_answer)  # once: a filter is added only once
    return _prompt_server_class()(config)


def _not_a_cut_answer(record: logging.LogRecord) -> bool:
    """uvicorn logs each answer the stop cancels with the traceback of its CancelledError; the stop says in
    one line how many it cancelled instead. (Under the gate's redactor the error is already one line of text.)"""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, asyncio.CancelledError) or (record.exc_text or "").startswith("CancelledError"))


def _prompt_server_class() -> type[Any]:  # a class made in a function: uvicorn is imported only when a mock runs
    """uvicorn's Server without its fixed pauses on the way out. It looks at `should_exit` only every 0.1 s,
    and when stopping it sleeps 0.1 s for connections to wind down even when none is open; a stop here takes
    milliseconds (the suite starts and stops the mock some 200 times). What it waits for is uvicorn's: open
    connections are asked to close (busy ones after their response) within the graceful-shutdown timeout;
    but requests already sent are taken first, and an answer whose client has gone is not waited for."""
    import uvicorn

    class PromptServer(uvicorn.Server):
        wake: asyncio.Event | None = None
        loop: asyncio.AbstractEventLoop | None = None

        async def main_loop(self) -> None:
            self.loop, self.wake = asyncio.get_running_loop(), asyncio.Event()
            counter = 0
            while not await self.on_tick(counter):  # uvicorn's tick (date header, request limits): 0.1 s
                counter = (counter + 1) % 864000
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), 0.1)

        def stop(self) -> None:
            """Stop from any thread, at once."""
            self.should_exit = True
            loop, wake = self.loop, self.wake
            if loop is not None and wake is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed in between: it has stopped anyway
                    loop.call_soon_threadsafe(wake.set)

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self.stop()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 0)
            await _take_waiting_connections(self, sockets or [])
            for server in self.servers:
                server.close()
            for sock in sockets or []:
                sock.close()
            for connection in list(self.server_state.connections):
                connection.shutdown()  # idle ones close now, busy ones once their response is sent
            state = self.server_state
            while state.connections and not self.force_exit and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            # What still runs is cut: at the deadline, on a forced quit, or an answer whose client has gone
            # (nobody waits for it: uvicorn waited for those too, holding `gate --mock` past its --timeout).
            if state.connections and state.tasks:
                why = "forced quit" if self.force_exit else "timeout graceful shutdown exceeded"
                logging.getLogger("uvicorn.error").error("Cancel %s running task(s), %s", len(state.tasks), why)
            for task in list(state.tasks):
                task.cancel(msg="the mock stopped")
            for server in self.servers:  # on Python 3.12+ this waits for every connection: bounded too
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(server.wait_closed(), max(0.1, deadline - time.monotonic()))
            if not self.force_exit:
                await self.lifespan.shutdown()

    return PromptServer


async def _take_waiting_connections(server: Any, listeners: list[socket.socket]) -> None:
    """A request sent whole before the stop is answered even if the loop had not yet taken its connection:
    closing the listener would reset every connection still in its accept queue (uvicorn's 0.1 s tick hid this
    most of the time). uvloop takes one per turn of the loop; a few more turns and each is read, its request
    now in flight."""
    waiting = _readable_now(listeners)
    turns = 0  # bounded: a loop out of descriptors takes none, and must not spin until the deadline
    while waiting() and turns < BACKLOG and not server.force_exit:
        await asyncio.sleep(0)
        turns += 1
    for _ in range(8):
        await asyncio.sleep(0)


def _readable_now(sockets: list[socket.socket]) -> Callable[[], bool]:
    """Asks without waiting whether any of `sockets` is readable (a listener: a connection waits to be
    accepted). poll where there is one (select fails on descriptors past 1023), select on Windows."""
    if not sockets:
        return lambda: False
    if hasattr(select, "poll"):
        poller = select.poll()
        for sock in sockets:
            poller.register(sock, select.POLLIN)
        return lambda: bool(poller.poll(0))
    return lambda: bool(select.select(sockets, [], [], 0)[0])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); OSError if that is not possible."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(BACKLOG)
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
    try:  # a mock that does not start is stopped too, and its port closed
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock server did not start")
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        thread.join(timeout=10)
        listener.close()


def serve_forever(
    config: MockConfig,
    listener: socket.socket,
    idle_timeout: float = IDLE_TIMEOUT,
    announce: Callable[[], None] = lambda: None,
) -> int | None:
    """Foreground server on a bound socket until SIGINT or SIGTERM; returns the signal that stopped it.

    The signals are caught before `announce` (the banner) runs: a client that sees the banner may stop the
    mock at once, and a signal that comes while the server is still being built stops it as soon as it has
    started, instead of killing the process or being lost. uvicorn shuts down gracefully on either signal and
    then re-raises it to the handler that was in place before; ours only records it, so the process exits
    normally instead of dying by signal.
    """
    received: list[int] = []
    server: Any = None

    def early(signum: int, _: Any) -> None:
        received.append(signum)
        if server is not None:
            server.should_exit = True  # uvicorn's own handler takes over before the server's loop starts

    previous = {sig: signal.signal(sig, early) for sig in STOP_SIGNALS}
    try:
        announce()
        host, port = listener.getsockname()[:2]
        server = _server(create_app(config), host, port, idle_timeout=idle_timeout)
        if received:
            server.should_exit = True
        server.run(sockets=[listener])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return received[0] if received else None
