"""Hardening that applies to every response: security headers, rate limits (Flask-Limiter, in Redis
when REDIS_URL is set so every instance shares them), cookies that are Secure behind HTTPS, and
the settings for sign-in throttling and session lifetimes."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from app import request_ids

View = TypeVar("View", bound=Callable[..., Any])
LIMITER_KEY = "candor.limiter"
LIMITED_ENDPOINTS_KEY = "candor.limited_endpoints"
RATE_LIMIT_ATTRIBUTE = "candor_rate_limit"
FALLBACK_COUNTER_KEY = "candor.limiter_fallback"
REFERENCE_RATE_LIMIT = "CANDOR_REFERENCE_RATE_LIMIT"

# Every name can be set in the environment; tests pass them in the app's configuration.
SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "CANDOR_COMPARISON_RATE_LIMIT": ("30 per minute", str),
    "CANDOR_LOGIN_RATE_LIMIT": ("10 per minute", str),
    "CANDOR_LOGIN_FREE_FAILURES": ("3", int),
    "CANDOR_LOGIN_ADDRESS_FREE_FAILURES": ("20", int),
    "CANDOR_LOGIN_MAX_DELAY_MINUTES": ("15", int),
    "CANDOR_SESSION_IDLE_MINUTES": ("60", int),
    "CANDOR_SESSION_MAX_HOURS": ("12", int),
    "CANDOR_PROXY_COUNT": ("0", int),
    # Every look-up of a comparison by its reference (results, receipt, permalink, the API's GET),
    # one budget per client address across them all.
    REFERENCE_RATE_LIMIT: ("60 per minute", str),
    "RATELIMIT_KEY_PREFIX": ("candor", str),
}

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of form posts made over HTTPS.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _configure(app: Flask) -> None:
    for name, (default, convert) in SETTINGS.items():
        if name not in app.config:
            app.config[name] = convert(os.environ.get(name) or default)
        else:
            app.config[name] = convert(str(app.config[name]))
    parse_limit(app.config[REFERENCE_RATE_LIMIT])  # a mistyped rate fails at start-up, not on a shopper's page
    if _truthy(os.environ.get("SESSION_COOKIE_SECURE", "")):
        app.config["SESSION_COOKIE_SECURE"] = True


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, and on any request that came over HTTPS
    (directly or, with CANDOR_PROXY_COUNT, through a trusted proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages carry profiles, rankings and the log: never kept in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class RateLimit:
    config_key: str
    methods: tuple[str, ...]


def rate_limited(config_key: str, *, methods: Iterable[str] = ("POST",)) -> Callable[[View], View]:
    """Limits a view per client address to the rate in `config_key` (a Flask-Limiter string such
    as "30 per minute"), counting only `methods`. Put it under the route decorator."""

    def decorate(view: View) -> View:
        setattr(view, RATE_LIMIT_ATTRIBUTE, RateLimit(config_key, tuple(method.upper() for method in methods)))
        return view

    return decorate


def _build_limiter(app: Flask) -> Limiter:
    redis_url = app.config.get("REDIS_URL")
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=redis_url or "memory://",
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        # Flask-Limiter's headers on every response cost a second call to the store per limited
        # request (its window's state); only a refusal needs them (_retry_after_on_refusal).
        headers_enabled=False,
        strategy="moving-window",
        # If Redis goes away the site keeps its limits per instance rather than failing.
        in_memory_fallback_enabled=True,
    )

    # Views are marked with @rate_limited at import time, before any app or limiter exists; the
    # first request to a marked view puts the limiter's own check around it, for this app.
    @app.before_request
    def wrap_limited_view() -> None:
        endpoint = request.endpoint
        limited: set[str] = app.extensions[LIMITED_ENDPOINTS_KEY]
        if endpoint is None or endpoint in limited:
            return
        view = app.view_functions.get(endpoint)
        spec: RateLimit | None = getattr(view, RATE_LIMIT_ATTRIBUTE, None)
        if view is not None and spec is not None:
            config_key = spec.config_key
            app.view_functions[endpoint] = limiter.limit(
                lambda: current_app.config[config_key], methods=list(spec.methods))(view)
        limited.add(endpoint)

    app.extensions[LIMITED_ENDPOINTS_KEY] = set()
    limiter.init_app(app)

    @app.after_request
    def _retry_after_on_refusal(response: Response) -> Response:
        """A request refused by a limit says when to come back: its window's reset, read from the
        store only now; a later Retry-After set by the view itself is kept."""
        current = limiter.current_limit if response.status_code == 429 else None
        if current is None or not current.breached:
            return response
        try:
            wait_s = max(1, int(current.reset_at - time.time()))
        except Exception:  # the store is away: the whole window is the honest upper bound
            wait_s = int(current.limit.get_expiry())
        given = response.headers.get("Retry-After", "")
        response.headers["Retry-After"] = str(max(wait_s, int(given) if given.isdigit() else 0))
        return response

    return limiter


def limiter_for(app: Flask) -> Limiter:
    return app.extensions[LIMITER_KEY]


def admitted(config_key: str, scope: str) -> bool:
    """Counts one request against the client address's budget for `scope` (the rate in
    `config_key`), in the limiter's store: True while within it. For checks made inside a view,
    so that every route sharing a helper shares one budget."""
    limit = parse_limit(current_app.config[config_key])
    identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], scope, get_remote_address())
    try:
        return bool(limiter_for(current_app).limiter.hit(limit, *identifiers))
    except Exception:  # the store (Redis) is away: count in this process, as Flask-Limiter's own fallback does
        current_app.logger.warning("The rate-limit store did not answer; %s is counted in this process.", scope)
        fallback: MovingWindowRateLimiter = current_app.extensions[FALLBACK_COUNTER_KEY]
        return bool(fallback.hit(limit, *identifiers))


def init_app(app: Flask) -> None:
    _configure(app)
    if app.config["CANDOR_PROXY_COUNT"] > 0:
        hops = app.config["CANDOR_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.session_interface = SessionInterface()
    app.extensions[LIMITER_KEY] = _build_limiter(app)
    app.extensions[FALLBACK_COUNTER_KEY] = MovingWindowRateLimiter(MemoryStorage())
    request_ids.init_app(app)
    # Flask-Limiter names the client address of every breach at INFO; addresses stay out of our logs.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.after_request(_add_headers)
