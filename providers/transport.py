"""How providers/http.py talks to a provider: urllib3 directly (requests cost about twice the CPU per
request for nothing used here), through connections that reach only checked addresses and read
within the request's deadline (providers/pinned.py). No cookie jar, no proxies from the
environment, no retries or redirects of urllib3's own (HttpClient decides those), certificates
always verified."""

from __future__ import annotations

import json as json_module
import ssl
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import certifi
from urllib3 import BaseHTTPResponse, HTTPConnectionPool, HTTPHeaderDict, Timeout
from urllib3.exceptions import ConnectTimeoutError, LocationValueError, NewConnectionError, ReadTimeoutError, SSLError
from urllib3.util import parse_url
from urllib3.util.ssl_ import create_urllib3_context

from providers.errors import InvalidReply, ProviderError, ProviderTimeout, ProviderUnavailable
from providers.pinned import PinnedPoolManager

ACCEPT_ENCODING = "gzip, deflate"
"""What requests offered before; the reply cap applies to the decompressed body."""
MAX_POOLS = 4
"""Hosts one provider's session keeps connections to: its own, and a few it was redirected to."""
MAX_TARGETS = 64


_trusted: dict[str, ssl.SSLContext] = {}


def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A verifying TLS context trusting `ca_bundle`, made once per bundle: loading a bundle costs
    milliseconds, and urllib3 would load it again for every new connection."""
    context = _trusted.get(ca_bundle)
    if context is None:
        context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
        context.load_verify_locations(cafile=ca_bundle)
        context = _trusted.setdefault(ca_bundle, context)
    return context


class ProviderSession:
    """One provider's connection pools (see above). Thread-safe, as urllib3's pools are."""

    def __init__(self, *, pool_size: int = 8) -> None:
        self._pool_size = pool_size
        self._verify = certifi.where()
        self.pools = self._pools()
        self._targets: dict[str, tuple[HTTPConnectionPool, str]] = {}
        """URL -> its host's pool and the request target: an adapter asks the same few addresses
        over and over, and looking them up again was a tenth of a request's cost."""

    @property
    def verify(self) -> str:
        """The CA bundle certificates are checked against (certifi's, as requests used)."""
        return self._verify

    @verify.setter
    def verify(self, ca_bundle: str) -> None:
        # Only another bundle: turning verification off is not offered.
        if not isinstance(ca_bundle, str) or not ca_bundle:
            raise ValueError("verify takes the path of a CA bundle; certificates are always checked")
        self._verify = ca_bundle
        self.close()
        self.pools = self._pools()

    def _pools(self) -> PinnedPoolManager:
        return PinnedPoolManager(num_pools=MAX_POOLS, maxsize=self._pool_size, block=False,
                                 ssl_context=tls_context(self._verify), retries=False)

    def open(self, method: str, url: str, *, body: bytes | None, headers: Mapping[str, str],
             timeout: Timeout) -> BaseHTTPResponse:
        """The reply's status and headers, its body left to be read (and the connection held until
        it is, or the reply is closed)."""
        target = self._targets.get(url)
        if target is None or target[0].pool is None:  # a pool the manager let go of is closed
            parts = parse_url(url)
            target = (self.pools.connection_from_host(parts.host, port=parts.port, scheme=parts.scheme),
                      parts.request_uri)
            if len(self._targets) >= MAX_TARGETS:
                self._targets.clear()
            self._targets[url] = target
        pool, request_target = target
        return pool.urlopen(method, request_target, body=body, headers=headers, timeout=timeout, retries=False,
                            redirect=False, assert_same_host=False, preload_content=False, decode_content=True)

    def close(self) -> None:
        self._targets.clear()
        self.pools.clear()


def pooled_session(*, pool_size: int = 8) -> ProviderSession:
    return ProviderSession(pool_size=pool_size)


def request_parts(url: str, *, user_agent: str, accept: Sequence[str], headers: Mapping[str, str] | None,
                  json: Any) -> tuple[bytes | None, Mapping[str, str]]:
    """The body and headers of a request to `url`; InvalidReply when it is no address to ask.
    No Cookie header ever: one set for an earlier customer's request must not tie this
    customer's request to it."""
    problem = _address_problem(url)
    if problem is not None:
        raise InvalidReply("sent us to an address we cannot use", detail=problem)
    # No "Connection: keep-alive": HTTP/1.1 keeps connections open unless told otherwise.
    sent: Mapping[str, str] = {"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING,
                               "Accept": ", ".join(accept) if accept else "*/*"}
    body = None
    if json is not None:
        try:
            # As requests encoded it, so a provider sees the same bytes as before.
            body = json_module.dumps(json, allow_nan=False).encode("utf-8")
        except ValueError as error:
            raise ProviderUnavailable("could not be reached", detail="InvalidJSONError") from error
        sent = {**sent, "Content-Type": "application/json"}
    if headers:
        sent = HTTPHeaderDict(sent)
        for name, value in headers.items():
            sent[name] = value  # replaces ours whatever the case of its name
    return body, sent


def never_sent(error: Exception) -> bool:
    """True when the request cannot have reached the provider: the connection was refused, its
    name did not resolve, or connecting timed out."""
    return isinstance(error, ConnectTimeoutError)  # NewConnectionError is one too


def translate_transport_error(error: Exception) -> ProviderError:
    """Maps a transport failure onto the provider error a shopper can understand. The details keep
    the names requests gave these failures, which logs and health pages have been counting."""
    if isinstance(error, NewConnectionError):
        return ProviderUnavailable("could not be reached", detail="ConnectionError")
    if isinstance(error, ConnectTimeoutError):
        return ProviderTimeout(detail="ConnectTimeout")
    if isinstance(error, ReadTimeoutError):
        return ProviderTimeout(detail="ReadTimeout")
    if isinstance(error, LocationValueError):
        return InvalidReply("sent us to an address we cannot use", detail="InvalidURL")
    if isinstance(error, SSLError):
        return ProviderUnavailable("could not be reached", detail="SSLError")
    return ProviderUnavailable("could not be reached", detail="ConnectionError")


def _address_problem(url: str) -> str | None:
    """Why `url` cannot be asked at all (requests' name for it), None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "InvalidURL"
    if not parts.scheme:
        return "MissingSchema"
    if parts.scheme.lower() not in ("http", "https"):
        return "InvalidSchema"
    if not parts.hostname:
        return "InvalidURL"
    return None


