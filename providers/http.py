"""HTTP discipline shared by adapters: one pooled session per provider, an honest User-Agent,
separate connect and read timeouts, and a reply-size cap enforced while reading."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

from providers.errors import InvalidReply, ProviderTimeout, ProviderUnavailable

USER_AGENT = "CandorComparison/0.1 (+https://candor.example/about-our-robot)"
DEFAULT_MAX_REPLY_BYTES = 1024 * 1024
CONNECT_TIMEOUT_CAP_S = 1.0
CHUNK_BYTES = 16 * 1024


def pooled_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = 3
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=8, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def timeouts(timeout_s: float) -> tuple[float, float]:
    return (min(CONNECT_TIMEOUT_CAP_S, timeout_s), timeout_s)


def read_capped(response: requests.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise InvalidReply(f"sent a reply larger than we accept ({max_bytes:,} bytes)")
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise InvalidReply(f"sent a reply larger than we accept ({max_bytes:,} bytes)")
    return bytes(body)


def translate_transport_error(error: requests.RequestException) -> Exception:
    """Maps a requests failure onto the provider error a shopper can understand."""
    if isinstance(error, (requests.ConnectTimeout, requests.ReadTimeout)):
        return ProviderTimeout(detail=type(error).__name__)
    if isinstance(error, requests.TooManyRedirects):
        return InvalidReply("sent us round in a loop of redirects", detail=str(error))
    if isinstance(error, requests.ConnectionError):
        return ProviderUnavailable("could not be reached", detail=type(error).__name__)
    return ProviderUnavailable("could not be reached", detail=type(error).__name__)
