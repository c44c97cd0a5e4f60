"""HTTP discipline shared by adapters (docs/writing-an-adapter.md, "HTTP"):

- one pool of kept-alive connections per provider (providers/transport.py), with an honest
  User-Agent;
- a connect timeout inside the provider's deadline, and the deadline bounding the whole reply,
  status line and headers included: a provider trickling bytes is cut off at the deadline, not at
  the next idle gap (providers/pinned.py reads the socket that way);
- no cookies, kept or sent; no proxy from the environment; TLS certificates always verified;
- a cap on the reply size enforced while reading (after decompression);
- the content type checked before the body is trusted;
- redirects followed by hand, a few at most, never in circles, never from https to http, a POST
  never to another site, and no request to an address the provider may not reach, checked on the
  address actually connected to (providers/addresses.py, providers/pinned.py);
- retries only where they are safe and time remains: a GET again after a connection failure or
  a 5xx, any request again only when it never reached the provider (connection refused).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from urllib3 import BaseHTTPResponse, Timeout
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from providers.addresses import Egress, origin, redirect_refusal
from providers.errors import (
    AddressRefused,
    InvalidReply,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    RedirectLoop,
    RedirectRefused,
    RefusedRequest,
    ReplyTooLarge,
)
from providers.pinned import Resolver, Route, current_route, system_resolver
from providers.transport import never_sent, pooled_session, request_parts, translate_transport_error

logger = logging.getLogger("candor.providers.http")

USER_AGENT = "CandorComparison/1.0 (+https://candor.example/about-our-robot)"
ROBOTS_TOKEN = "CandorComparison"
"""The product token robots.txt rules name us by."""
DEFAULT_MAX_REPLY_BYTES = 1024 * 1024
CONNECT_TIMEOUT_CAP_S = 1.0
CHUNK_BYTES = 16 * 1024
MAX_REDIRECTS = 3
REDIRECTS_LIMIT = 5
"""No client follows more, whatever an adapter asks for (RFC 9309 §2.3.1.2 asks robots for five)."""
MAX_ATTEMPTS = 3
RETRY_PAUSE_S = 0.05
MIN_ATTEMPT_S = 0.1
"""A retry is only worth starting with at least this much of the deadline left."""
MAX_RETRY_AFTER_S = 3600.0
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
RETRYABLE_GET_STATUSES = {500, 502, 503, 504}


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock by which an answer must be in."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + max(0.0, seconds))

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.at


@dataclass(frozen=True)
class HttpReply:
    status: int
    url: str
    headers: Mapping[str, str]
    media_type: str
    charset: str | None
    body: bytes


def media_type_of(content_type: str) -> tuple[str, str | None]:
    """("application/json", "utf-8") from "application/json; charset=UTF-8"."""
    media_type, _, parameters = content_type.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped; None when absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def read_capped(response: BaseHTTPResponse, max_bytes: int, deadline: Deadline | None = None) -> bytes:
    """The body, refusing more than `max_bytes` (declared or actual, after decompression) and
    giving up at the deadline even when bytes keep trickling in (each read from the socket also
    waits only until the deadline: providers/pinned.py)."""
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise ReplyTooLarge(max_bytes, detail=f"Content-Length {int(declared):,}")
    body = bytearray()
    while True:
        if deadline is not None and deadline.expired():
            raise ProviderTimeout(detail="the reply was still arriving at the deadline")
        try:
            # read1 returns after one read from the socket, so the deadline is checked between
            # every burst of bytes rather than after a full chunk that may never come; with
            # decoding it returns at most CHUNK_BYTES of decompressed body, so a small compressed
            # body cannot unpack into memory past the cap.
            chunk = response.read1(CHUNK_BYTES, decode_content=True)
        except (ReadTimeoutError, TimeoutError) as error:
            raise ProviderTimeout(detail="the reply stopped arriving") from error
        except (Urllib3Error, OSError) as error:  # reset, broken chunking, bad compression
            raise ProviderUnavailable("broke off its reply", detail=type(error).__name__) from error
        if not chunk:
            return bytes(body)
        body.extend(chunk)
        if len(body) > max_bytes:
            raise ReplyTooLarge(max_bytes, detail="body exceeded the cap while reading")


class HttpClient:
    """One provider's HTTP connection pool and the rules above. Thread-safe: the session is shared
    between threads only for sending through its connection pools."""

    def __init__(self, *, max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES, max_attempts: int = MAX_ATTEMPTS,
                 max_redirects: int = MAX_REDIRECTS, pool_size: int = 8, resolve: Resolver = system_resolver,
                 allow_addresses: Collection[str] = (), home: str | None = None) -> None:
        """`home`: the provider's configured URL, whose own kind of address (loopback, private, …;
        providers/addresses.py) it may reach — without it, the first URL of each request counts.
        `allow_addresses`: further non-public kinds it may reach (the operator's setting).
        `resolve` turns a host name into addresses (tests give their own)."""
        self.max_reply_bytes = max_reply_bytes
        self.max_attempts = max(1, max_attempts)
        self.max_redirects = min(max(0, max_redirects), REDIRECTS_LIMIT)
        self.resolve = resolve
        self.allow_addresses = frozenset(allow_addresses)
        self.home = home
        self._home_egress = Egress.of(home, self.allow_addresses) if home else None
        self.session = pooled_session(pool_size=pool_size)

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, *, deadline: Deadline, accept: Sequence[str], headers: Mapping[str, str] | None = None,
            same_origin: bool = False, raise_for_status: bool = True, what: str = "a reply") -> HttpReply:
        return self.send("GET", url, deadline=deadline, accept=accept, headers=headers, idempotent=True,
                         same_origin=same_origin, raise_for_status=raise_for_status, what=what)

    def post_json(self, url: str, document: Any, *, deadline: Deadline, accept: Sequence[str],
                  headers: Mapping[str, str] | None = None, what: str = "a reply") -> HttpReply:
        return self.send("POST", url, deadline=deadline, accept=accept, headers=headers, json=document,
                         idempotent=False, what=what)

    def send(self, method: str, url: str, *, deadline: Deadline, accept: Sequence[str],
             headers: Mapping[str, str] | None = None, json: Any = None, idempotent: bool,
             same_origin: bool = False, raise_for_status: bool = True, what: str = "a reply") -> HttpReply:
        attempt = 0
        egress = self._home_egress if self._home_egress is not None else Egress.of(url, self.allow_addresses)
        route = current_route.set(Route(egress, self.resolve, reply_by=deadline.at))
        try:
            while True:
                attempt += 1
                try:
                    return self._follow(method, url, deadline=deadline, accept=accept, headers=headers, json=json,
                                        same_origin=same_origin, raise_for_status=raise_for_status, what=what)
                except _Retryable as retryable:
                    error = retryable.error
                    pause = RETRY_PAUSE_S * attempt
                    safe = retryable.never_sent or idempotent
                    if not safe or attempt >= self.max_attempts or deadline.remaining() < pause + MIN_ATTEMPT_S:
                        raise error from retryable.__cause__
                    logger.info("Retrying %s %s after %s (attempt %d).", method, origin(url), error.kind, attempt + 1)
                    time.sleep(pause)
        finally:
            current_route.reset(route)

    def _follow(self, method: str, url: str, *, deadline: Deadline, accept: Sequence[str],
                headers: Mapping[str, str] | None, json: Any, same_origin: bool, raise_for_status: bool,
                what: str) -> HttpReply:
        seen = [url]
        current = url
        while True:
            try:
                reply = self._once(method, current, deadline=deadline, accept=accept, json=json,
                                   headers=headers if origin(current) == origin(url) else None,
                                   raise_for_status=raise_for_status, what=what)
            except AddressRefused as refused:
                if current == url:
                    raise
                raise _not_followed(url, current, refused.detail or "") from refused
            if isinstance(reply, HttpReply):
                return reply
            status, location = reply
            # A POST is only re-sent where the provider asked for exactly that (307/308): anything
            # else would turn a quote request into a page fetch.
            if method != "GET" and status not in (307, 308):
                raise InvalidReply("refused our request", detail=f"HTTP {status} redirect for a {method}")
            target = urljoin(current, location)
            if urlsplit(target).scheme not in ("http", "https"):
                raise InvalidReply("sent us to an address we cannot use", detail="redirect to a non-HTTP address")
            why = redirect_refusal(method, url, target, same_origin=same_origin)
            if why is not None:
                raise _not_followed(url, target, why)
            if target in seen or len(seen) > self.max_redirects:
                raise RedirectLoop(detail=f"{len(seen)} redirects")
            seen.append(target)
            current = target

    def _once(self, method: str, url: str, *, deadline: Deadline, accept: Sequence[str],
              headers: Mapping[str, str] | None, json: Any, raise_for_status: bool,
              what: str) -> HttpReply | tuple[int, str]:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ProviderTimeout(detail="no time left to ask")
        body, sent_headers = request_parts(url, user_agent=USER_AGENT, accept=accept, headers=headers, json=json)
        try:
            response = self.session.open(method, url, body=body, headers=sent_headers,
                                         timeout=Timeout(connect=min(CONNECT_TIMEOUT_CAP_S, remaining), read=remaining))
        except Urllib3Error as error:
            raise _Retryable(translate_transport_error(error), never_sent=never_sent(error)) from error
        finished = False
        try:
            status = response.status
            if status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise InvalidReply("refused our request", detail=f"HTTP {status} without a Location")
                return status, location
            if raise_for_status:
                self._check_status(response, method)
            media_type, charset = media_type_of(response.headers.get("Content-Type", ""))
            if raise_for_status and accept and media_type not in {a.lower() for a in accept}:
                raise InvalidReply(f"sent something that is not {what}", detail=f"Content-Type {media_type or 'missing'!r}")
            try:
                body_read = read_capped(response, self.max_reply_bytes, deadline)
            except ProviderUnavailable as error:
                raise _Retryable(error, never_sent=False) from error
            finished = True
            return HttpReply(status=status, url=url, headers=dict(response.headers), media_type=media_type,
                             charset=charset, body=body_read)
        finally:
            if not finished:
                # A reply not read to its end leaves the connection mid-stream: it is closed, never
                # used again, and its place in the pool given back.
                response.close()
            response.release_conn()

    def _check_status(self, response: BaseHTTPResponse, method: str) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(detail="HTTP 429", retry_after_s=retry_after)
        if status >= 500:
            error = ProviderUnavailable("had a problem on its side", detail=f"HTTP {status}", retry_after_s=retry_after)
            # Asked to wait (Retry-After), we wait: the circuit breaker keeps us away that long.
            if status in RETRYABLE_GET_STATUSES and method == "GET" and retry_after is None:
                raise _Retryable(error, never_sent=False)
            raise error
        raise RefusedRequest(status)


class _Retryable(Exception):
    """Internal: a failure that may be retried if the request is safe to send again."""

    def __init__(self, error: ProviderError, *, never_sent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.never_sent = never_sent


def _not_followed(start: str, target: str, why: str) -> RedirectRefused:
    # Origins only: a provider's redirect address may carry anything, a customer's data included.
    logger.warning("Not following a redirect from %s to %s: %s.", origin(start), origin(target), why)
    return RedirectRefused(detail=why)
