"""The suite talks to nothing but this machine. Tests of the address policy name private and
cloud-metadata addresses as redirect targets; were the policy ever to regress, the attempt must
fail here instead of sending a packet off loopback (this workplace's network rules, and plain
manners towards whatever answers at 10.0.0.7)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


class OffLoopbackConnection(ConnectionRefusedError):
    pass


def _allowed(address: Any) -> bool:
    if not isinstance(address, tuple):  # a Unix socket path
        return True
    host = str(address[0]).split("%")[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name at this level was not resolved by us: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def install() -> None:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
            raise OffLoopbackConnection(f"tests may only connect to loopback, not {address!r}")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
            raise OffLoopbackConnection(f"tests may only connect to loopback, not {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
