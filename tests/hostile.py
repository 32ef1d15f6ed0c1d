"""A hostile HTTP server of our own on 127.0.0.1: it sends exactly the bytes a test tells it to.

Each connection is served by a thread: the request head is read (bounded), handed to the test's
handler as a `Request`, and the handler writes whatever it likes to the socket: garbage headers,
corrupt compression, endless or trickling bodies, nothing at all, or an early close. Every connection
ends by itself within `max_seconds`, so a test can never leave a thread spinning.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


@dataclass
class Conn:
    sock: socket.socket
    deadline: float
    closed: threading.Event

    def send(self, data: bytes) -> bool:
        """False once the client is gone or the server is stopping."""
        if self.closed.is_set() or time.monotonic() > self.deadline:
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def wait(self, seconds: float) -> bool:
        return not self.closed.wait(seconds) and time.monotonic() < self.deadline


Handler = Callable[[Request, Conn], None]


def response(status: int, body: bytes, headers: dict[str, str] | None = None, reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    merged = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    merged.update(headers or {})
    lines += [f"{k}: {v}" for k, v in merged.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def json_response(status: int, value: object, headers: dict[str, str] | None = None) -> bytes:
    return response(status, orjson.dumps(value), headers)


def version_info(request: Request, conn: Conn) -> bool:
    """Answer /api/info like an 8.x server; True if it was that request."""
    if request.path.endswith("/api/info"):
        conn.send(json_response(200, {"version": "8.8.1", "success": True}))
        return True
    return False


@dataclass
class HostileServer:
    handler: Handler
    max_seconds: float = 30.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.port = self._listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._stop.is_set():  # the wake-up connection of running()'s end
                sock.close()
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        conn = Conn(sock, time.monotonic() + self.max_seconds, self._stop)
        with contextlib.closing(sock):
            sock.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    head += chunk
            except OSError:
                return
            lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            request = Request(method, target, headers)
            self.requests.append(request)
            with contextlib.suppress(OSError):
                self.handler(request, conn)

    def stop_listening(self) -> None:
        """The server dies: later connections are refused."""
        self._listener.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[HostileServer]:
        thread = threading.Thread(target=self._accept_loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            with contextlib.suppress(OSError):  # wakes accept() now rather than at its next 0.2 s timeout
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            thread.join(5)
            self._listener.close()
            for worker in self._threads:
                worker.join(5)
