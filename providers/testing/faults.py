"""The fault catalogue as WSGI: a well-behaved provider (`quote_app`, `static_app`) wrapped by
`misbehave(app, fault)` fails in exactly one documented way. The tests of the fault catalogue,
the conformance kit, the benchmark and the sandbox market's `fault` knob all use these.

Faults that change a reply's content (a zero price, a wrong currency, …) keep the provider's good
quote and add a bad one next to it, so a test can check that the good one still counts.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from providers.testing.page_faults import DISALLOW_ALL, PAGE_FAULTS, fifty_megabytes, misbehave_page

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

FAULTS: dict[str, str] = {
    "hang": "accepts the request and never answers",
    "trickle": "answers 200 but sends the body a few bytes at a time, past any deadline",
    "status_500": "answers HTTP 500",
    "status_503": "answers HTTP 503 with Retry-After",
    "status_429": "answers HTTP 429 Too Many Requests with Retry-After",
    "malformed_json": "answers 200 with JSON cut off in the middle",
    "wrong_shape": "answers 200 with valid JSON that is not a quote reply",
    "wrong_content_type": "answers 200 with an HTML maintenance page instead of JSON",
    "not_utf8": "answers 200 with bytes that are not UTF-8",
    "oversized": "answers 200 with a body far larger than any reply cap, without declaring its length",
    "oversized_declared": "answers 200 declaring a Content-Length far larger than any reply cap",
    "redirect_loop": "redirects to itself, forever",
    "redirect_elsewhere": "redirects to the cloud metadata address (169.254.169.254)",
    "changed_layout": "serves its page with the tables turned into something else",
    "zero_price": "adds a quote priced at zero",
    "negative_price": "adds a quote with a negative price",
    "absurd_price": "adds a quote priced at ten million",
    "wrong_currency": "adds a quote in euros",
    "wrong_product": "adds a quote for another product",
    "duplicate_ids": "adds a second quote with the first one's id",
    "expired": "adds a quote that expired an hour ago",
    "unreadable_quote": "adds a quote without an id or expiry",
    **PAGE_FAULTS,
}
CONTENT_FAULTS = {"zero_price", "negative_price", "absurd_price", "wrong_currency", "wrong_product", "duplicate_ids",
                  "expired", "unreadable_quote"}
HANG_LIMIT_S = 600.0
TRICKLE_INTERVAL_S = 0.1
OVERSIZED_BYTES = 8 * 1024 * 1024
RETRY_AFTER_S = 30
METADATA_URL = "http://169.254.169.254/latest/meta-data/"


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def quote_reply(terms: Mapping[str, Any], *, product: str = "auto", currency: str = "USD",
                valid_for: timedelta = timedelta(minutes=30), quote_id: str | None = None,
                url: str | None = None) -> dict[str, Any]:
    return {"quotes": [{"id": quote_id or f"q-{uuid.uuid4().hex[:12]}", "product": product, "currency": currency,
                        "valid_until": _utc(datetime.now(timezone.utc) + valid_for), "terms": dict(terms),
                        "url": url}],
            "declined": None}


def static_app(body: bytes | str, content_type: str = "application/json", *, status: str = "200 OK",
               headers: Iterable[tuple[str, str]] = ()) -> WSGIApp:
    data = body.encode() if isinstance(body, str) else body

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers])
        return [data]

    return app


def quote_app(terms: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]], *, product: str = "auto",
              currency: str = "USD", latency_s: float = 0.0, stopping: threading.Event | None = None,
              decline: str | None = None) -> WSGIApp:
    """A well-behaved Candor Quote Protocol v1 provider answering every request with one quote
    (terms fixed, or computed from the request's profile), after `latency_s`."""
    stop = stopping or threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if latency_s > 0 and stop.wait(latency_s):
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"detail": "shutting down"}']
        if decline:
            reply: dict[str, Any] = {"quotes": [], "declined": {"reason": decline}}
        else:
            chosen = terms(request.get("profile") or {}) if callable(terms) else terms
            reply = quote_reply(chosen, product=request.get("product", product), currency=currency)
        body = json.dumps(reply).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _call(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body


def _content_type(headers: list[tuple[str, str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "application/json")


def _bad_quote(good: dict[str, Any], fault: str, price_field: str) -> dict[str, Any]:
    bad = copy.deepcopy(good)
    bad["id"] = f"{good['id']}-bad"
    if fault == "zero_price":
        bad["terms"][price_field] = "0.00"
    elif fault == "negative_price":
        bad["terms"][price_field] = "-120.00"
    elif fault == "absurd_price":
        bad["terms"][price_field] = "10000000.00"
    elif fault == "wrong_currency":
        bad["currency"] = "EUR"
    elif fault == "wrong_product":
        bad["product"] = "pet" if good["product"] != "pet" else "boat"
    elif fault == "duplicate_ids":
        bad["id"] = good["id"]
    elif fault == "expired":
        bad["valid_until"] = _utc(datetime.now(timezone.utc) - timedelta(hours=1))
    elif fault == "unreadable_quote":
        del bad["id"], bad["valid_until"]
    return bad


def misbehave(app: WSGIApp, fault: str | None, *, stopping: threading.Event, price_field: str = "premium",
              trickle_interval_s: float = TRICKLE_INTERVAL_S, retry_after_s: int = RETRY_AFTER_S) -> WSGIApp:
    """`app`, failing as `fault` says (see FAULTS) on every request but for robots.txt."""
    if fault is None:
        return app
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")

    def faulty(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/robots.txt":
            if fault == "disallowed":
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(DISALLOW_ALL)))])
                return [DISALLOW_ALL]
            return app(environ, start_response)
        if fault in PAGE_FAULTS:
            return _page_fault(app, environ, start_response, fault)
        if fault == "hang":
            stopping.wait(HANG_LIMIT_S)
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"stopped"]
        made_up = _made_up_reply(fault, environ, start_response, retry_after_s)
        if made_up is not None:
            return made_up
        return _spoiled_reply(app, fault, environ, start_response, stopping=stopping,
                              trickle_interval_s=trickle_interval_s, price_field=price_field)

    return faulty


def _made_up_reply(fault: str, environ: dict[str, Any], start_response: Callable[..., Any],
                   retry_after_s: int) -> Iterable[bytes] | None:
    """The reply of a fault that never asks the app; None for a fault that spoils the app's own reply."""
    if fault in ("status_500", "status_503", "status_429"):
        code = int(fault[-3:])
        phrase = {500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}[code]
        headers = [("Content-Type", "application/problem+json")]
        if code != 500:
            headers.append(("Retry-After", str(retry_after_s)))
        start_response(f"{code} {phrase}", headers)
        return [json.dumps({"title": phrase, "status": code}).encode()]
    if fault in ("redirect_loop", "redirect_elsewhere"):
        code = "302 Found" if environ["REQUEST_METHOD"] == "GET" else "307 Temporary Redirect"
        location = (environ.get("PATH_INFO") or "/") if fault == "redirect_loop" else METADATA_URL
        start_response(code, [("Location", location), ("Content-Length", "0")])
        return [b""]
    if fault == "wrong_content_type":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [b"<!doctype html><title>Down for maintenance</title><p>Back soon.</p>"]
    if fault == "wrong_shape":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"offers": [{"price": 100}], "status": "ok"}).encode()]
    if fault == "oversized_declared":
        start_response("200 OK", [("Content-Type", _content_type([])), ("Content-Length", str(OVERSIZED_BYTES))])
        return [b" " * 1024]
    return None


def _spoiled_reply(app: WSGIApp, fault: str, environ: dict[str, Any], start_response: Callable[..., Any], *,
                   stopping: threading.Event, trickle_interval_s: float, price_field: str) -> Iterable[bytes]:
    """The app's own reply, spoilt as `fault` says."""
    status, headers, body = _call(app, environ)
    content_type = _content_type(headers)
    if fault == "malformed_json":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body[: max(1, len(body) // 2)] or b'{"quotes": [']
    if fault == "not_utf8":
        cut = body.find(b"<td>") + 4 if b"<td>" in body else body.find(b'"') + 1
        start_response("200 OK", [("Content-Type", content_type)])
        return [body[:cut] + b"\xe9\xff\xfe" + body[cut:]]
    if fault == "oversized":
        start_response("200 OK", [("Content-Type", content_type)])
        return _padded(body)
    if fault == "trickle":
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return _trickle(body, stopping, trickle_interval_s)
    if fault == "changed_layout":
        changed = body.replace(b"<table", b"<div").replace(b"</table>", b"</div>")
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(changed)))])
        return [changed]
    # A content fault: keep the good quote and add a bad one beside it.
    reply = json.loads(body)
    if reply.get("quotes"):
        reply["quotes"].append(_bad_quote(reply["quotes"][0], fault, price_field))
    data = json.dumps(reply).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def _page_fault(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any], fault: str) -> Iterable[bytes]:
    status, headers, body = _call(app, environ)
    if fault == "disallowed" or not status.startswith("200"):
        start_response(status, headers)
        return [body]
    if fault == "fifty_megabytes":
        start_response("200 OK", [("Content-Type", _content_type(headers))])
        return fifty_megabytes(body)
    changed, content_type = misbehave_page(fault, body, _content_type(headers))
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(changed)))])
    return [changed]


def _padded(body: bytes) -> Iterator[bytes]:
    yield body
    block = b" " * 65536
    for _ in range(OVERSIZED_BYTES // len(block)):
        yield block


def _trickle(body: bytes, stopping: threading.Event, interval_s: float) -> Iterator[bytes]:
    for position in range(0, len(body), 2):
        if stopping.wait(interval_s):
            return
        yield body[position: position + 2]


def slow(app: WSGIApp, latency_s: float, stopping: threading.Event) -> WSGIApp:
    """`app`, answering after `latency_s` (for benchmarks and latency tests)."""
    def delayed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/robots.txt" and latency_s > 0:
            stopping.wait(latency_s)
        return app(environ, start_response)

    return delayed
