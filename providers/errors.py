"""Typed provider failures. Each carries a `kind` that is logged and counted, and a message in plain
words that the shopper sees after the provider's name ("Acme Auto did not answer in time").

The kinds are a public vocabulary (docs/writing-an-adapter.md lists them): compliance reports and
the provider health page group failures by kind, so a kind is never renamed.
"""

from __future__ import annotations


class ProviderError(Exception):
    kind = "error"
    detail_is_ours = False
    """True when `detail` is our own words (an operator's setting), which the shopper may read; a
    provider's own text is never shown to the shopper (app/comparison/bounds.py)."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message if self.detail is None else f"{self.message} ({self.detail})"


class ProviderTimeout(ProviderError):
    kind = "timeout"

    def __init__(self, message: str = "did not answer in time", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or said it could not answer now. `retry_after_s` is set
    when it told us how long to stay away (Retry-After)."""

    kind = "unavailable"

    def __init__(self, message: str = "could not be reached", *, detail: str | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, detail=detail)
        self.retry_after_s = retry_after_s


class RateLimited(ProviderUnavailable):
    kind = "rate_limited"

    def __init__(self, message: str = "was too busy to quote", *, detail: str | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, detail=detail, retry_after_s=retry_after_s)


class CircuitOpen(ProviderUnavailable):
    """Not asked at all: the provider failed repeatedly (or asked us to wait) and is resting."""

    kind = "circuit_open"

    def __init__(self, message: str = "is temporarily unavailable", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class NotAllowed(ProviderError):
    """The provider's robots.txt does not let us read the page its rates are on."""

    kind = "not_allowed"

    def __init__(self, message: str = "does not allow us to read its rate page", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class ProviderDeclined(ProviderError):
    kind = "declined"

    def __init__(self, reason: str, *, ours: bool = False) -> None:
        super().__init__(f"declined to quote: {reason}", detail=reason)
        self.reason = reason
        self.detail_is_ours = ours


class InvalidReply(ProviderError):
    """The reply arrived but is not a valid quote reply (wrong shape, bad values, wrong type)."""

    kind = "invalid_reply"


class RefusedRequest(InvalidReply):
    """The provider answered our request with an HTTP error of the 4xx kind (not 429)."""

    def __init__(self, status: int, message: str = "refused our request") -> None:
        super().__init__(message, detail=f"HTTP {status}")
        self.status = status


class ReplyTooLarge(InvalidReply):
    kind = "too_large"

    def __init__(self, limit_bytes: int, *, detail: str | None = None) -> None:
        limit = f"the limit is {limit_bytes:,} bytes"
        super().__init__("sent a reply larger than we accept", detail=f"{detail}; {limit}" if detail else limit)
        self.limit_bytes = limit_bytes


class TooManyOffers(InvalidReply):
    """More offers in one reply than a comparison considers from one provider."""

    kind = "too_large"

    def __init__(self, count: int, limit: int) -> None:
        super().__init__("sent more offers than we accept", detail=f"{count:,} offers; we accept at most {limit}")


class RedirectLoop(InvalidReply):
    kind = "redirect_loop"

    def __init__(self, message: str = "sent us round in a loop of redirects", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class RedirectRefused(InvalidReply):
    """The provider redirected us somewhere its configured address does not let us go: a POST to
    another site, https to http, or an address we do not contact (providers/addresses.py)."""

    kind = "redirect_refused"

    def __init__(self, message: str = "redirected us elsewhere, so we did not follow", *,
                 detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class AddressRefused(InvalidReply):
    """The provider's address resolved only to addresses we do not contact (loopback, private,
    cloud metadata, …) although its configured URL is not such an address."""

    kind = "address_refused"

    def __init__(self, message: str = "is at an address we do not contact", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class ParseError(InvalidReply):
    """The reply could not be read at all (not JSON, not UTF-8)."""

    kind = "parse_error"


class LayoutChanged(ParseError):
    """A published page or sheet no longer has the table, rows or columns we were told to read."""

    kind = "layout_changed"

    def __init__(self, message: str = "changed its rate page, so we could not read its rates", *,
                 detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class ProviderMisconfigured(ProviderError):
    """Our side: the provider's adapter is not installed or its settings are wrong."""

    kind = "misconfigured"

    def __init__(self, message: str = "is not set up correctly on our side", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class AdapterFault(ProviderError):
    """Our side: the adapter itself crashed. It costs one provider, never the comparison."""

    kind = "adapter_fault"

    def __init__(self, message: str = "could not be asked because of a fault on our side", *,
                 detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class AdapterLoadError(Exception):
    """An adapter kind could not be loaded; names the kind and where it came from."""

    def __init__(self, kind: str, source: str, cause: BaseException | str) -> None:
        super().__init__(f"adapter {kind!r} from {source} could not be loaded: {cause}")
        self.kind = kind
        self.source = source


class ProvidersFileError(ValueError):
    """The providers file is not valid; the message names the provider and the key."""


class ProviderConfigError(ProvidersFileError):
    """One provider's adapter-specific settings are not valid; names the provider and the setting."""

    def __init__(self, provider_key: str, setting: str, problem: str) -> None:
        super().__init__(f"provider {provider_key!r}: {setting}: {problem}")
        self.provider_key = provider_key
        self.setting = setting
        self.problem = problem


# Failures that say the provider is unreachable or overloaded: only these trip the circuit breaker.
# A decline or a malformed reply means the provider is up and answering.
AVAILABILITY_FAILURES: tuple[type[ProviderError], ...] = (ProviderTimeout, ProviderUnavailable)
