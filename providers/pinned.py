"""Connections that go only to an address that was checked (providers/addresses.py).

urllib3 normally hands the host name to the operating system, which resolves it while connecting:
a check made beforehand on a separate lookup could be answered differently (DNS rebinding). Here
each new connection resolves the name once, drops the addresses the provider may not reach, and
connects to one of those checked addresses itself. TLS still verifies the certificate for the
name (SNI and hostname checks use the host, not the address), and Host names the site.

The route also carries the request's deadline: every read from the socket, the status line and
headers included, waits at most until then, so a provider that trickles its headers or body a byte
at a time is cut off at the deadline rather than at the next idle gap.
"""

from __future__ import annotations

import http.client
import io
import socket
import sys
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from providers.addresses import Egress, parse_address
from providers.errors import AddressRefused

Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) -> the addresses the name resolves to, as text; raises socket.gaierror."""


def system_resolver(host: str, port: int) -> list[str]:
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


@dataclass(frozen=True)
class Route:
    """How the request being sent in this thread may connect."""

    egress: Egress
    resolve: Resolver = system_resolver
    reply_by: float | None = None
    """The deadline on the monotonic clock by which the whole reply must have arrived; None: no
    deadline beyond the socket's own timeout."""


current_route: ContextVar[Route] = ContextVar("candor_provider_route", default=Route(Egress()))
"""Set by HttpClient around each request; without it only public addresses are reached."""


def checked_addresses(host: str, port: int, route: Route) -> list[str]:
    """The addresses of `host` this route may connect to, in the resolver's order; AddressRefused
    when it resolves to none of them."""
    literal = parse_address(host)
    answers = [host] if literal is not None else list(route.resolve(host, port))
    allowed: list[str] = []
    refused: list[str] = []
    for answer in answers:
        address = parse_address(answer)
        why = "not an address" if address is None else route.egress.refusal(address)
        (refused if why else allowed).append(why or answer)
    if not allowed:
        raise AddressRefused(detail=f"{host} is {', '.join(dict.fromkeys(refused)) or 'nowhere'}")
    return allowed


class _DeadlineSocketIO(socket.SocketIO):
    """A connection's socket as a file, each read waiting only for what is left until `reply_by`.
    Counted among the socket's open files as socket.makefile's are, so the socket stays open
    while the reply is read even when the connection lets go of it (a reply with Connection: close)."""

    def __init__(self, sock: socket.socket, reply_by: float) -> None:
        super().__init__(sock, "rb")
        sock._io_refs += 1  # type: ignore[attr-defined]
        self._reply_by = reply_by

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._reply_by - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("the reply was still arriving at the deadline")
        self._sock.settimeout(remaining)
        return super().readinto(buffer)


class _DeadlineSocket:
    """What http.client's response reads its socket through (it only calls makefile)."""

    def __init__(self, sock: socket.socket, reply_by: float) -> None:
        self._sock = sock
        self._reply_by = reply_by

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineSocketIO(self._sock, self._reply_by))


class DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading within the current route's deadline (see above)."""

    def __init__(self, sock: Any, debuglevel: int = 0, method: str | None = None, url: str | None = None) -> None:
        reply_by = current_route.get().reply_by
        super().__init__(sock if reply_by is None else _DeadlineSocket(sock, reply_by), debuglevel, method, url)


class _PinnedConnectionMixin:
    response_class = DeadlineResponse
    checked_for: Egress | None = None
    """The rules the connected address was checked against."""
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        route = current_route.get()
        try:
            addresses = checked_addresses(self._dns_host, self.port, route)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error  # type: ignore[arg-type]
        failure: OSError | None = None
        for address in addresses:
            try:
                sock = connection.create_connection((address, self.port), self.timeout,
                                                    source_address=self.source_address,
                                                    socket_options=self.socket_options)
            except socket.timeout as error:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
            except OSError as error:
                failure = error
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            self.checked_for = route.egress
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure}")  # type: ignore[arg-type]


class PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _RecheckingPoolMixin:
    def _get_conn(self, timeout: float | None = None) -> Any:
        # A kept-alive connection checked under other rules (another provider URL's, more lenient
        # perhaps) is closed, so it connects — and is checked — again under this request's rules.
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        checked_for = getattr(conn, "checked_for", None)
        if checked_for is not None and checked_for != current_route.get().egress:
            conn.close()
            conn.checked_for = None
        return conn


class _PinnedHTTPPool(_RecheckingPoolMixin, HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSPool(_RecheckingPoolMixin, HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedPoolManager(PoolManager):
    """urllib3's pool manager with the connections above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = {"http": _PinnedHTTPPool, "https": _PinnedHTTPSPool}
