"""Connections that go only to an address that was checked (providers/addresses.py).

urllib3 normally hands the host name to the operating system, which resolves it while connecting:
a check made beforehand on a separate lookup could be answered differently (DNS rebinding). Here
each new connection resolves the name once, drops the addresses the provider may not reach, and
connects to one of those checked addresses itself. TLS still verifies the certificate for the
name (SNI and hostname checks use the host, not the address), and Host names the site.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
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


class _PinnedConnectionMixin:
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


class PinnedAdapter(HTTPAdapter):
    """requests' adapter with the connections above."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PinnedHTTPPool, "https": _PinnedHTTPSPool}
