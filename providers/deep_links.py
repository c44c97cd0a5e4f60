"""A quote's deep link — where the customer takes the offer up — is the provider's word and so
untrusted (invariant 9): before anyone is sent to it, it must be an http(s) address on a host the
operator configured for that provider, with no user name or password in it, of a bounded length,
carrying the quote's id (so the provider opens that offer and no other) and none of the
customer's answers (an address ends up in histories, proxies and the provider's own logs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from providers.base import ProviderConfig

MAX_DEEP_LINK_CHARS = 2048
HOST_OPTIONS = ("url", "offer_url")
"""The provider's settings whose addresses name its own hosts."""
SHORTEST_TELLING_VALUE = 4
"""Profile values that tell something about the customer have figures in them (a date of birth, a
ZIP code, an amount); shorter than this (a "1", "12") they occur in any address by chance, and
choices from a list ("commute", "fixed") tell nothing, so neither is looked for."""


class DeepLinkRefused(ValueError):
    """Why a deep link is not followed, in words for the customer."""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or (443 if scheme == "https" else 80)


def provider_origins(config: ProviderConfig) -> set[tuple[str, str, int]]:
    """The (scheme, host, port) of each address the operator configured for the provider."""
    origins = set()
    for name in HOST_OPTIONS:
        value = config.options.get(name)
        found = _origin(value) if isinstance(value, str) else None
        if found is not None:
            origins.add(found)
    return origins


def checked_deep_link(url: Any, config: ProviderConfig, *, quote_id: str | None,
                      profile: Mapping[str, Any] | None = None) -> str:
    """`url` when the customer may be sent there; DeepLinkRefused saying why not. `quote_id` None:
    a published rate page, which names no quote. An https link on a host configured as http is
    accepted (an upgrade); never the other way round."""
    name = config.name
    if not isinstance(url, str) or not url:
        raise DeepLinkRefused(f"{name} did not give us a link to this offer.")
    if len(url) > MAX_DEEP_LINK_CHARS or any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise DeepLinkRefused(f"{name}'s link to this offer is not an address we can send you to.")
    found = _origin(url)
    if found is None:
        raise DeepLinkRefused(f"{name}'s link to this offer is not a web address (http or https).")
    if "@" in urlsplit(url).netloc:
        raise DeepLinkRefused(f"{name}'s link to this offer hides where it goes (it has a user name in it).")
    scheme, host, port = found
    allowed = {(s, h, p) for s, h, p in provider_origins(config)}
    upgraded = {("https", h, 443) for s, h, p in allowed if s == "http"}
    if (scheme, host, port) not in allowed | upgraded:
        raise DeepLinkRefused(f"{name}'s link goes to {host}, which is not {name}'s own site.")
    parts = urlsplit(url)
    readable = unquote(f"{parts.path}?{parts.query}#{parts.fragment}")
    if quote_id is not None and quote_id not in readable:
        raise DeepLinkRefused(f"{name}'s link does not name this offer, so it might open another one.")
    # The quote id is the provider's own; a figure in it is no answer of the customer's.
    leaked = personal_values_in(readable.replace(quote_id, " ") if quote_id else readable, profile or {})
    if leaked:
        raise DeepLinkRefused(f"{name}'s link carries your answers ({leaked[0]}), so we do not send you there.")
    return url


def personal_values_in(text: str, profile: Mapping[str, Any]) -> list[str]:
    """The names of the profile fields whose values appear in `text`."""
    lowered = text.lower()
    return [path for path, value in _values(profile, "") if value.lower() in lowered]


def _values(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _values(item, f"{path}[{position}]")
    elif isinstance(value, str) and len(value) >= SHORTEST_TELLING_VALUE and any(c.isdigit() for c in value):
        yield path, value
    elif isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= SHORTEST_TELLING_VALUE:
        yield path, str(value)
