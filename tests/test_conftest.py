"""The shared test guard: unfaked network access fails loudly, loopback still works."""

from __future__ import annotations

import socket

import pytest


def test_connecting_to_a_public_address_fails_loudly() -> None:
    """A test that tries to reach a real server fails with a clear message."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="test tried to reach the network"),
    ):
        sock.connect(("203.0.113.7", 443))


def test_connect_ex_to_a_public_address_fails_loudly() -> None:
    """The error-code variant of connect is guarded too."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match=r"203\.0\.113\.7"),
    ):
        sock.connect_ex(("203.0.113.7", 443))


def test_create_connection_to_a_host_name_fails_before_any_lookup() -> None:
    """Connecting by host name to anything but localhost is refused."""
    with pytest.raises(RuntimeError, match=r"api\.twilio\.com"):
        socket.create_connection(("api.twilio.com", 443), timeout=1)


def test_loopback_connections_still_work() -> None:
    """Fake provider servers on 127.0.0.1 remain reachable."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1) as client:
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"
