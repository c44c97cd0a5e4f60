"""What every adapter is: three stages, from the standard query to the provider's request, from
the request to the raw reply, and from the raw reply to standard quotes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

Request = TypeVar("Request")
Raw = TypeVar("Raw")


@dataclass(frozen=True)
class QuoteQuery:
    product: str
    profile: Mapping[str, Any]
    request_id: str


@dataclass(frozen=True)
class Quote:
    """A provider's offer in the standard model; `terms` are still the provider's raw values, which
    the product line validates and types."""

    id: str
    product: str
    currency: str
    valid_until: datetime
    terms: Mapping[str, Any]
    url: str | None = None


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


class Adapter(ABC, Generic[Request, Raw]):
    kind: ClassVar[str]

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @abstractmethod
    def transform_query(self, query: QuoteQuery) -> Request:
        """Build the provider's request from the standard query."""

    @abstractmethod
    def extract(self, request: Request, *, timeout_s: float) -> Raw:
        """Send the request and return the raw reply; raises ProviderError subclasses."""

    @abstractmethod
    def transform_data(self, raw: Raw, query: QuoteQuery) -> list[Quote]:
        """Standard quotes from the raw reply; raises ProviderDeclined, InvalidReply or ParseError."""

    def fetch_quotes(self, query: QuoteQuery, *, timeout_s: float) -> list[Quote]:
        request = self.transform_query(query)
        raw = self.extract(request, timeout_s=timeout_s)
        return self.transform_data(raw, query)

    def close(self) -> None:
        """Release pooled connections."""
