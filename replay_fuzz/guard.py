"""Refuse outbound network traffic from user code while the fuzzer runs.

The fuzzer runs step bodies many times; a handler that calls a real service would
call it hundreds of times. The guard is an audit hook (`sys.addaudithook`), so every
wrapper that ends in the socket module meets it: `socket.connect` (and `connect_ex`),
`socket.sendto`, `socket.sendmsg`, and name resolution (`getaddrinfo`,
`gethostbyname[_ex]`, `gethostbyaddr`, `getnameinfo`). It decides on addresses, not
on spellings: an IP address passes only if it is loopback, and a host name only if
it is `localhost` (or ends in `.localhost`), because resolving any other name is
itself a packet to a DNS server (`127.0.0.1.nip.io` is refused, not resolved). A
refused look-up fails at once instead of idling in the resolver.

The C socket methods resolve a host name in an address *before* they raise their
audit event, so `socket.socket.connect`, `connect_ex` and `sendto` are also wrapped
to refuse a non-loopback name before it is resolved.

An audit hook cannot be removed; it is installed once per process and acts only
while a sink (the list refusals are appended to) is set. Forked processes (shards,
execution environments) inherit it; zygotes install their own.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class NetworkRefused(OSError):
    """A connection or name look-up durable-fuzz refused."""


_sink: list[str] | None = None  # where refusals go; None while the guard is off
_installed = False
_INET = (socket.AF_INET, socket.AF_INET6)
_ADDRESS_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_NAME_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                          "socket.gethostbyaddr", "socket.getnameinfo"})
_EVENTS = _ADDRESS_EVENTS | _NAME_EVENTS


def is_local_host(host: Any) -> bool:
    """Does reaching `host` stay on this machine, decided without resolving it?"""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip()
    if text == "":  # INADDR_ANY
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        name = text.lower().rstrip(".")
        return name == "localhost" or name.endswith(".localhost")
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _refuse(what: str, where: str, call: str) -> None:
    assert _sink is not None
    _sink.append(where)
    raise NetworkRefused(f"durable-fuzz refused {what} {where} ({call}) from the code under test; "
                         "pass --allow-network to permit it")


def _check_address(family: int, address: Any, call: str) -> None:
    if family not in _INET or not isinstance(address, tuple) or not address:
        return  # AF_UNIX paths, netlink and other local families
    if not is_local_host(address[0]):
        where = f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
        _refuse("a connection to", where, call)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _sink is None or event not in _EVENTS:
        return
    if event in _ADDRESS_EVENTS:
        sock, address = args[0], args[1]
        _check_address(getattr(sock, "family", socket.AF_INET), address, event)
        return
    host = args[0][0] if event == "socket.getnameinfo" and isinstance(args[0], tuple) else args[0]
    if is_local_host(host):
        return
    if event == "socket.getaddrinfo" and _is_address(host):  # no look-up: the connection that follows
        _refuse("a connection to", f"{host}:{args[1]}" if args[1] is not None else str(host), event)
    _refuse("to look up", str(host), event)


def _is_address(host: Any) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _named(method: Callable[..., Any], call: str, address_index: int) -> Callable[..., Any]:
    """`method` refusing a non-loopback host name before the C code resolves it."""

    @functools.wraps(method)
    def checked(self: socket.socket, *args: Any) -> Any:
        if _sink is not None and len(args) > address_index:
            _check_address(self.family, args[address_index] if address_index >= 0 else args[-1], call)
        return method(self, *args)

    return checked


def install() -> None:
    """Put the hook and the name checks in place in this process (once; they idle until a sink is set)."""
    global _installed
    if _installed:
        return
    _installed = True
    sys.addaudithook(_audit)
    socket.socket.connect = _named(socket.socket.connect, "socket.connect", 0)  # type: ignore[method-assign]
    socket.socket.connect_ex = _named(socket.socket.connect_ex, "socket.connect_ex", 0)  # type: ignore[method-assign]
    socket.socket.sendto = _named(socket.socket.sendto, "socket.sendto", -1)  # type: ignore[method-assign]


@contextmanager
def refuse_network(refused: list[str]) -> Iterator[None]:
    """Inside, non-loopback traffic fails; each refusal is appended to `refused` as host:port or host."""
    global _sink
    install()
    previous, _sink = _sink, refused
    try:
        yield
    finally:
        _sink = previous


def refuse_network_from_now() -> list[str]:
    """Turn the guard on for the rest of this process (a zygote and the environments it forks)."""
    global _sink
    install()
    _sink = []
    return _sink


def guarding() -> bool:
    """Is the guard on in this process?"""
    return _sink is not None
