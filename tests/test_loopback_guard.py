"""The suite itself cannot reach beyond this machine: the guard in conftest refuses it."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("10.0.0.1", 443), ("2001:db8::1", 80, 0, 0)])
def test_a_non_loopback_connection_is_refused(address: tuple[object, ...]) -> None:
    family = socket.AF_INET6 if ":" in str(address[0]) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError, match="loopback"):
        sock.connect(address)


def test_loopback_still_works() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
