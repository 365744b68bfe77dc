"""Refuse outbound network connections from user code while the fuzzer runs.

The fuzzer runs step bodies many times; a handler that calls a real service would
call it hundreds of times. Connections to loopback and Unix sockets are allowed;
anything else raises `NetworkRefused` (an OSError, as a failed connection would),
naming the call and the `--allow-network` flag.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOOPBACK = ("127.", "::1", "localhost", "0:0:0:0:0:0:0:1")


class NetworkRefused(OSError):
    """A connection durable-fuzz refused."""


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and other local families
    host = str(address[0])
    return host.startswith(_LOOPBACK)


@contextmanager
def refuse_network(refused: list[str]) -> Iterator[None]:
    """Inside, non-loopback connections fail; each refusal is appended to `refused`."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    original_create = socket.create_connection

    def check(address: Any, call: str) -> None:
        if not _loopback(address):
            where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) > 1 else str(address)
            refused.append(where)
            raise NetworkRefused(
                f"durable-fuzz refused a network connection to {where} ({call}) from the code under test; "
                "pass --allow-network to permit it"
            )

    def connect(self: socket.socket, address: Any) -> None:
        check(address, "socket.connect")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address, "socket.connect_ex")
        return original_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address, "socket.create_connection")
        return original_create(address, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
    socket.create_connection = create_connection  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]
        socket.create_connection = original_create  # type: ignore[assignment]
