"""Where a request to a provider may go (DESIGN.md invariant 9, "Providers are untrusted").

A provider's reply cannot send us anywhere its configured address did not already point: an
address is refused when it is loopback, private, link-local, multicast, reserved, unspecified or
a cloud metadata service, unless the provider's configured URL is itself such an address (the
sandbox market runs on loopback). Redirects are refused when they would take a POST — the
customer's profile — to another site, or any request from https to http.

The check is made on the address actually connected to (providers/pinned.py), so a name that
resolves one way when checked and another when connected cannot slip past it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
    "169.254.170.2",  # AWS ECS task credentials
    "fd00:ec2::254",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "168.63.129.16",  # Azure platform (a public-looking address)
    "192.0.0.192",  # Oracle Cloud
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAMES = ("localhost", ".localhost")
"""RFC 6761 §6.3: these names are loopback by definition, whatever a resolver says."""


def embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64, IPv4-compatible), so
    ::ffff:169.254.169.254 is judged as 169.254.169.254; other addresses unchanged."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or 1 < int(address) < 2**32:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a URL's host or a resolver's answer (zone ids dropped), None for a name."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def category(address: IPAddress) -> str | None:
    """The kind of non-public address this is ("loopback", "metadata", …), None when public."""
    address = embedded_ipv4(address)
    if address in METADATA_ADDRESSES:
        return "metadata"
    for name in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    return None if address.is_global else "non-public"


@dataclass(frozen=True)
class Egress:
    """The non-public kinds of address one provider may reach (none, for most)."""

    allowed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, configured_url: str, also: Collection[str] = ()) -> Egress:
        """What the provider at `configured_url` may reach: the kind of address the URL itself names
        (an address literal, or localhost), and the kinds in `also` (the operator's setting). A name
        that merely resolves to a private address grants nothing: its owner controls its answers."""
        host = (urlsplit(configured_url).hostname or "").lower().rstrip(".")
        named: set[str] = set(also)
        if host == LOCAL_NAMES[0] or host.endswith(LOCAL_NAMES[1]):
            named.add("loopback")
        literal = parse_address(host)
        kind = category(literal) if literal is not None else None
        if kind is not None:
            named.add(kind)
        return cls(frozenset(named))

    def refusal(self, address: IPAddress) -> str | None:
        """Why we do not connect to `address` (its kind), or None when we may."""
        kind = category(address)
        return None if kind is None or kind in self.allowed else kind


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def redirect_refusal(method: str, start: str, target: str, *, same_origin: bool = False) -> str | None:
    """Why a redirect to `target`, in a request that began at `start`, must not be followed; None
    when it may. The addresses it leads to are checked again when connecting."""
    if urlsplit(start).scheme == "https" and urlsplit(target).scheme != "https":
        return f"from https to {urlsplit(target).scheme}"
    if origin(target) == origin(start):
        return None
    if method != "GET":
        # The body is the customer's profile: it goes only where the provider was configured.
        return f"a {method} to another site, {origin(target)}"
    if same_origin:
        return f"to another site, {origin(target)}"
    return None
