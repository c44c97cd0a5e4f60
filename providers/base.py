"""What every adapter is: three stages, from the standard query to the provider's request, from
the request to the raw reply, and from the raw reply to standard quotes."""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeVar

from providers.store import MemoryStore, Store

Request = TypeVar("Request")
Raw = TypeVar("Raw")


@dataclass(frozen=True)
class QuoteQuery:
    product: str
    profile: Mapping[str, Any]
    request_id: str


BINDING = "binding"
INDICATIVE = "indicative"
ESTIMATE = "estimate"
# How firm an offer is: the provider will honour it as shown; it is subject to the provider's
# underwriting; or we computed it from a rate page or sheet the provider published.
FIRMNESS = (BINDING, INDICATIVE, ESTIMATE)


@dataclass(frozen=True)
class Quote:
    """A provider's offer in the standard model; `terms` are still the provider's raw values, which
    the product line validates and types. `firmness` is None only for offers logged before it was
    recorded."""

    id: str
    product: str
    currency: str
    valid_until: datetime
    terms: Mapping[str, Any]
    url: str | None = None
    firmness: str | None = None


# A quote's status as its provider reports it (Candor Quote Protocol 1.1, `GET {url}/quotes/{id}`;
# modelled on Open Insurance Brasil's quote status): received and under_review are still open,
# accepted means the provider will go ahead on it, rejected and expired mean it can no longer be taken up.
RECEIVED = "received"
UNDER_REVIEW = "under_review"
ACCEPTED = "accepted"
REJECTED = "rejected"
EXPIRED = "expired"
QUOTE_STATUSES = (RECEIVED, UNDER_REVIEW, ACCEPTED, REJECTED, EXPIRED)
OPEN_STATUSES = (RECEIVED, UNDER_REVIEW, ACCEPTED)


@dataclass(frozen=True)
class QuoteStatus:
    """What a provider says of one of its quotes now: its status and, while it is open, its current
    terms (`quote`, which carries the quote's deep link as its `url`)."""

    quote_id: str
    status: str
    quote: Quote | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES and self.quote is not None


@dataclass(frozen=True)
class UnusableQuote:
    """One offer in a reply that could not even be read as a quote (no id, no expiry, not an
    object). The rest of the reply still counts; this one is reported naming the field."""

    id: str | None
    field: str
    problem: str


Offer = Quote | UnusableQuote


@dataclass(frozen=True)
class RawReply:
    """The size and SHA-256 of a provider's raw reply, as read: enough to match the provider's own
    copy in a dispute without keeping what it sent (docs/audit-log.md)."""

    size: int
    sha256: str

    @classmethod
    def of(cls, raw: object) -> RawReply | None:
        """For a raw reply that is bytes, text, or has its bytes as `body` (a page, a sheet)."""
        body = getattr(raw, "body", raw)
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        if not isinstance(body, (bytes, bytearray, memoryview)):
            return None
        return cls(len(body), hashlib.sha256(body).hexdigest())


_replies_seen = threading.local()


@contextmanager
def recording_replies() -> Iterator[list[RawReply]]:
    """Collects, in this thread, the raw replies adapters read while the block runs."""
    seen: list[RawReply] = []
    outer = getattr(_replies_seen, "seen", None)
    _replies_seen.seen = seen
    try:
        yield seen
    finally:
        _replies_seen.seen = outer


def note_reply(raw: object) -> None:
    seen = getattr(_replies_seen, "seen", None)
    if seen is not None:
        reply = RawReply.of(raw)
        if reply is not None:
            seen.append(reply)


@dataclass(frozen=True)
class ProviderConfig:
    key: str
    name: str
    adapter: str
    products: tuple[str, ...]
    house: bool = False
    timeout_s: float = 3.0
    commission: str = ""
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    base_dir: str | None = None
    """Directory of the providers file, against which relative file paths in `options` resolve."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class AdapterContext:
    """What the registry lends every adapter: a shared store for caches (Redis when configured,
    else this process's memory), the key prefix to use in it, and the clock."""

    store: Store
    namespace: str = "candor"
    clock: Callable[[], datetime] = utcnow

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))


class Adapter(ABC, Generic[Request, Raw]):
    """Subclass this, set `kind`, implement the three stages. The constructor should validate the
    provider's options (raise providers.errors.ProviderConfigError naming the setting) and must not
    touch the network; `fetch_quotes` may be called from many threads at once."""

    kind: ClassVar[str]
    _context: AdapterContext | None = None

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @property
    def context(self) -> AdapterContext:
        """Set by the registry before first use; an adapter built by hand gets a private one."""
        if self._context is None:
            self._context = AdapterContext(store=MemoryStore())
        return self._context

    @context.setter
    def context(self, value: AdapterContext) -> None:
        self._context = value

    @abstractmethod
    def transform_query(self, query: QuoteQuery) -> Request:
        """Build the provider's request from the standard query."""

    @abstractmethod
    def extract(self, request: Request, *, timeout_s: float) -> Raw:
        """Send the request and return the raw reply within `timeout_s`; raises ProviderError subclasses."""

    @abstractmethod
    def transform_data(self, raw: Raw, query: QuoteQuery) -> Sequence[Offer]:
        """Standard quotes from the raw reply; raises ProviderDeclined, InvalidReply or ParseError.
        An offer that cannot be read is returned as an UnusableQuote so the others still count."""

    def fetch_quotes(self, query: QuoteQuery, *, timeout_s: float) -> list[Offer]:
        request = self.transform_query(query)
        raw = self.extract(request, timeout_s=timeout_s)
        note_reply(raw)
        return list(self.transform_data(raw, query))

    def quote_status(self, quote: Quote, *, timeout_s: float) -> QuoteStatus | None:
        """The quote's status now, from the provider, or None when this provider tells no status (the
        caller asks it for a fresh quote instead). Raises ProviderError subclasses like extract."""
        return None

    def close(self) -> None:
        """Release pooled connections. Called once when the registry is closed or reloaded."""
