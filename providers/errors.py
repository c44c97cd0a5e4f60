"""Typed provider failures. Each carries a `kind` that is logged and a message in plain words
that the shopper sees after the provider's name ("did not answer in time")."""

from __future__ import annotations


class ProviderError(Exception):
    kind = "error"

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ProviderTimeout(ProviderError):
    kind = "timeout"

    def __init__(self, message: str = "did not answer in time", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class ProviderUnavailable(ProviderError):
    kind = "unavailable"


class ProviderDeclined(ProviderError):
    kind = "declined"

    def __init__(self, reason: str) -> None:
        super().__init__(f"declined to quote: {reason}", detail=reason)
        self.reason = reason


class InvalidReply(ProviderError):
    """The reply arrived but is not a valid quote reply (wrong shape, bad values)."""

    kind = "invalid_reply"


class ParseError(InvalidReply):
    """The reply could not be read at all (not JSON, not UTF-8, unexpected page layout)."""

    kind = "parse_error"


class AdapterLoadError(Exception):
    """An adapter kind could not be loaded; names the kind and where it came from."""

    def __init__(self, kind: str, source: str, cause: BaseException | str) -> None:
        super().__init__(f"adapter {kind!r} from {source} could not be loaded: {cause}")
        self.kind = kind
        self.source = source


class ProvidersFileError(ValueError):
    """The providers file is not valid; the message names the provider and the key."""
