"""A provider's deep link and quote status are untrusted (invariant 9). One insurer of our own on a
real loopback server, scripted per test: a deep link to another host, with a user name, a
javascript: address, a huge or hanging status reply, a status about another quote, a status whose
price changed. The hand-off is refused saying why, or falls back to a fresh quote; it never sends
the shopper anywhere but the provider's own site, and never waits past the provider's timeout."""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.audit.log import document
from app.audit.models import AuditEntry
from app.db import db
from providers.testing.servers import LoopbackServer
from tests.factories import auto_form, auto_terms

TIMEOUT_S = 1.0


class Insurer:
    """A scripted quote_protocol insurer: `link(base, quote_id)` makes each quote's url,
    `status(quote)` answers a status request (None: 404, the endpoint is not there)."""

    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping
        self.link: Callable[[str, str], str | None] = lambda base, quote_id: f"{base}/offer/{quote_id}"
        self.status: Callable[[dict[str, Any]], bytes | None] = lambda quote: None
        self.quotes: dict[str, dict[str, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        base = f"http://{environ['HTTP_HOST']}"
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "POST" and path == "/quotes":
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            quote_id = f"own-{uuid.uuid4().hex[:12]}"
            valid_until = (datetime.now(UTC) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
            quote = {"id": quote_id, "product": "auto", "currency": "USD", "valid_until": valid_until,
                     "terms": auto_terms(premium="900.00", term_months=12), "url": self.link(base, quote_id),
                     "firmness": "binding"}
            self.quotes[quote_id] = quote
            return _json(start_response, json.dumps({"quotes": [quote], "declined": None}).encode())
        quote = self.quotes.get(path.rsplit("/", 1)[-1])
        answer = self.status(quote) if quote is not None and path.startswith("/quotes/") else None
        if answer is None:
            start_response("404 Not Found", [("Content-Type", "application/problem+json")])
            return [b'{"title": "Not Found", "status": 404}']
        return _json(start_response, answer)


def _json(start_response: Callable[..., Any], body: bytes) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def own(make_apps: Callable[..., Flask]) -> Iterator[tuple[Insurer, FlaskClient, Flask]]:
    made: list[Insurer] = []

    def build(stopping: threading.Event) -> Insurer:
        made.append(Insurer(stopping))
        return made[0]

    with LoopbackServer(build, takes_stopping=True) as server:
        app = make_apps([{"key": "own", "name": "Own Insurance", "adapter": "quote_protocol", "products": ["auto"],
                          "timeout_s": TIMEOUT_S, "url": server.url, "quote_cache": False}])
        yield made[0], app.test_client(), app


def _compare(client: FlaskClient) -> tuple[str, str]:
    answer = client.post("/compare/auto", data=auto_form())
    assert answer.status_code == 303
    reference = answer.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/results/{reference}").get_data(as_text=True)
    quote_id = page.split('name="offer" value="own:', 1)[1].split('"', 1)[0] if 'value="own:' in page else ""
    return reference, quote_id


def _kinds(app: Flask, reference: str) -> list[dict[str, Any]]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)
                                   .order_by(AuditEntry.index)).all()
        return [document(entry) for entry in found]


def _continue(client: FlaskClient, reference: str, quote_id: str) -> Any:
    return client.post(f"/results/{reference}/continue", data={"offer": f"own:{quote_id}"})


@pytest.mark.parametrize(("link", "why"), [
    (lambda base, q: f"http://evil.example/offer/{q}", "not Own Insurance's own site"),
    (lambda base, q: base.replace("http://", "http://shopper@") + f"/offer/{q}", "user name"),
    (lambda base, q: f"{base}/offer/somewhere-else", "does not name this offer"),
    (lambda base, q: f"{base}/offer/{q}?dob=1988-04-12", "carries your answers"),
])
def test_a_deep_link_off_the_providers_own_site_is_refused_saying_why(own: Any, link: Any, why: str) -> None:
    insurer, client, app = own
    insurer.link = link
    reference, quote_id = _compare(client)
    answer = _continue(client, reference, quote_id)
    assert answer.status_code == 409
    assert why in html.unescape(answer.get_data(as_text=True))
    assert "handoff" not in {entry["kind"] for entry in _kinds(app, reference)}


def test_a_javascript_address_is_never_a_link(own: Any) -> None:
    insurer, client, app = own
    insurer.link = lambda base, q: "javascript:alert(document.cookie)"
    reference, quote_id = _compare(client)
    assert quote_id == ""  # no Continue button for an offer without a usable link
    [ranked] = [e for e in _kinds(app, reference) if e["kind"] == "recommendation"][0]["ranking"]
    answer = _continue(client, reference, ranked["quote_id"])
    assert answer.status_code == 409 and "did not give us a link" in answer.get_data(as_text=True)


def test_a_status_within_bounds_that_still_stands_hands_off_without_asking_again(own: Any) -> None:
    insurer, client, app = own
    insurer.status = lambda quote: json.dumps({"id": quote["id"], "status": "under_review", "quote": quote}).encode()
    reference, quote_id = _compare(client)
    answer = _continue(client, reference, quote_id)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/offer/{quote_id}")
    handoff = _kinds(app, reference)[-1]
    assert handoff["kind"] == "handoff" and handoff["checked_by"] == "status" and handoff["status"] == "under_review"


@pytest.mark.parametrize("status", [
    lambda quote: json.dumps({"id": quote["id"], "status": "received", "quote": quote,
                              "padding": "x" * 200_000}).encode(),
    lambda quote: json.dumps({"id": "own-someone-else", "status": "received", "quote": quote}).encode(),
    lambda quote: b"not json",
    lambda quote: json.dumps({"id": quote["id"], "status": "received"}).encode(),
])
def test_a_status_we_cannot_use_falls_back_to_a_fresh_quote(own: Any, status: Any) -> None:
    insurer, client, app = own
    insurer.status = status
    reference, quote_id = _compare(client)
    answer = _continue(client, reference, quote_id)
    assert answer.status_code == 303
    *_, requote, handoff = _kinds(app, reference)
    assert requote["kind"] == "provider-requote" and requote["changed"] is False
    assert handoff["kind"] == "handoff" and handoff["checked_by"] == "re-quote"
    assert answer.headers["Location"] == handoff["url"] != f"/offer/{quote_id}"


def test_a_status_that_hangs_costs_at_most_the_providers_timeout_then_a_fresh_quote(own: Any) -> None:
    insurer, client, app = own

    def hang(quote: dict[str, Any]) -> bytes:
        insurer.stopping.wait(10)
        return b"{}"

    insurer.status = hang
    reference, quote_id = _compare(client)
    started = time.monotonic()
    answer = _continue(client, reference, quote_id)
    assert answer.status_code == 303
    assert time.monotonic() - started < TIMEOUT_S + 3
    assert _kinds(app, reference)[-1]["checked_by"] == "re-quote"


def test_a_changed_price_in_the_status_is_shown_before_the_shopper_leaves(own: Any) -> None:
    insurer, client, app = own
    insurer.status = lambda quote: json.dumps({"id": quote["id"], "status": "received", "quote": {
        **quote, "terms": {**quote["terms"], "premium": "960.00"}, "firmness": "indicative"}}).encode()
    reference, quote_id = _compare(client)
    answer = _continue(client, reference, quote_id)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "offer has changed" in page and "up by $60.00" in page
    assert "Subject to checks" in page and "Firm price" in page
    requote = _kinds(app, reference)[-1]
    assert requote["kind"] == "provider-requote" and requote["checked_by"] == "status" and requote["changed"]


def test_a_status_without_a_link_keeps_the_quotes_own_deep_link(own: Any) -> None:
    insurer, client, app = own
    insurer.status = lambda quote: json.dumps({"id": quote["id"], "status": "accepted",
                                               "quote": {**quote, "url": None}}).encode()
    reference, quote_id = _compare(client)
    answer = _continue(client, reference, quote_id)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/offer/{quote_id}")
    assert _kinds(app, reference)[-1]["status"] == "accepted"
