"""The gate's connections: bounded name lookups, each address tried in turn, and sockets a watchdog can shut.

A read blocked on a server that trickles one byte a second ends when the watchdog shuts its socket down at
the request's wall-clock bound; a resolver that hangs is bounded by the connect timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import weakref
from typing import Any

import urllib3
from requests.adapters import HTTPAdapter


def _resolve_within(host: str, port: int, seconds: Any) -> list[str]:
    """The addresses of `host`, in the resolver's order, looked up in a helper thread: a resolver that hangs
    cannot hold the run past its bound (getaddrinfo itself takes no timeout)."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return [host]  # already an address
    except ValueError:
        pass
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append([info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)])
        except OSError as exc:
            found.append(exc)

    worker = threading.Thread(target=lookup, name="rc-gate-dns", daemon=True)
    worker.start()
    worker.join(seconds if isinstance(seconds, int | float) else None)
    if not found:
        raise TimeoutError(f"looking up {host} took longer than {seconds} s")
    if isinstance(found[0], OSError):
        raise found[0]
    return list(dict.fromkeys(str(address) for address in found[0]))


class _BoundedResolution:
    """Connections whose name lookup is bounded by the connect timeout, like the connection itself. Each
    address is tried in turn, as urllib3 does: a host whose IPv6 address is unreachable is reached on IPv4."""

    _dns_host: str
    port: int
    timeout: Any

    def _new_conn(self) -> socket.socket:
        original = self._dns_host
        try:
            addresses = _resolve_within(original, self.port, self.timeout)
        except TimeoutError as exc:
            raise urllib3.exceptions.ConnectTimeoutError(self, str(exc)) from None
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError(original, self, exc) from None  # type: ignore[arg-type]
        timeout = self.timeout
        # One connect timeout for all the addresses together, so that the run's wall-clock bound holds.
        until = time.monotonic() + timeout if isinstance(timeout, int | float) else None
        try:
            for index, address in enumerate(addresses):
                self._dns_host = address
                if until is not None:
                    self.timeout = max(0.001, until - time.monotonic())
                try:
                    sock: socket.socket = super()._new_conn()  # type: ignore[misc]
                    return sock
                except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
                    if index == len(addresses) - 1 or (until is not None and time.monotonic() >= until):
                        raise
            raise urllib3.exceptions.NameResolutionError(original, self, socket.gaierror("no address"))  # type: ignore[arg-type]
        finally:
            self._dns_host = original  # TLS checks the certificate against the name, not the address
            self.timeout = timeout


class TrackingAdapter(HTTPAdapter):
    """An adapter whose connections register themselves once connected, so a watchdog can shut them down."""

    def __init__(self, connections: weakref.WeakSet[Any]) -> None:
        self._connections = connections
        super().__init__(max_retries=0)

    def _pools(self) -> dict[str, Any]:
        register = self._connections.add

        class Connection(_BoundedResolution, urllib3.connection.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                register(self)

        class SecureConnection(_BoundedResolution, urllib3.connection.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                register(self)

        class Pool(urllib3.HTTPConnectionPool):
            ConnectionCls = Connection

        class SecurePool(urllib3.HTTPSConnectionPool):
            ConnectionCls = SecureConnection

        return {"http": Pool, "https": SecurePool}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools()

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = self._pools()
        return manager


class Watchdog:
    """Shuts the session's sockets down at a wall-clock instant: a blocked read then ends at once."""

    def __init__(self, connections: weakref.WeakSet[Any], seconds: float) -> None:
        self.fired = False
        self._connections = connections
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        for connection in list(self._connections):
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)
