"""Progress while waiting: the compare form's POST streams each provider's answer, then the link."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.audit.models import AuditEntry
from app.db import db
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from providers.sandbox.market import SandboxMarket
from providers.testing.faults import misbehave, quote_app, slow
from providers.testing.plugin import loopback  # noqa: F401 - pytest fixture
from tests.conftest import make_app
from tests.factories import auto_form


def entry_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def progress_post(client: Any, **changes: Any) -> Any:
    return client.post("/compare/auto", data={**auto_form(**changes), "progress": "1"})


def test_the_form_asks_for_progress(client: Any) -> None:
    assert '<input type="hidden" name="progress" value="1">' in client.get("/compare/auto").get_data(as_text=True)


def test_the_page_lists_each_provider_as_it_answers_then_links_to_the_logged_results(app: Flask, client: Any,
                                                                                     market: SandboxMarket) -> None:
    response = progress_post(client, at_fault_accidents_5y=3)  # Pioneer declines three accidents
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["X-Accel-Buffering"] == "no" and "no-store" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    auto = [spec for spec in market.specs if "auto" in spec.products]
    states = dict(re.findall(r'<li data-event data-provider="(\w+)" data-state="(\w+)"', page))
    assert set(states) == {spec.key for spec in auto}
    assert states["pioneer"] == "declined" and states["harbor"] == "answered"
    assert f"{len(auto)} of {len(auto)} answered." in page
    assert "Pioneer Casualty</strong> declined to quote." in page
    assert 'data-progress-states hidden' in page and "js/progress.js" in page
    href = re.search(r'<a class="button primary" data-results-link href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/results/CND-[0-9A-Z]{4}-[0-9A-Z]{4}", href)
    assert entry_count(app) == 1
    results = client.get(href)
    assert results.status_code == 200 and href.rsplit("/", 1)[1] in results.get_data(as_text=True)


def test_each_answer_is_sent_as_it_settles(database_url: str, loopback: Any) -> None:
    terms = TERMS_SCHEMA["examples"][0]
    quick = loopback(lambda stopping: quote_app(terms, stopping=stopping), takes_stopping=True)
    late = loopback(lambda stopping: slow(quote_app(terms, stopping=stopping), 0.4, stopping), takes_stopping=True)
    silent = loopback(lambda stopping: misbehave(quote_app(terms, stopping=stopping), "hang", stopping=stopping),
                      takes_stopping=True)
    providers = [{"key": key, "name": key.title(), "adapter": "quote_protocol", "products": ["auto"], "url": url}
                 for key, url in (("silent", silent.url), ("late", late.url), ("quick", quick.url))]
    app = make_app(database_url, providers, CANDOR_COMPARISON_DEADLINE_S=1.0)
    response = app.test_client().post("/compare/auto", data={**auto_form(), "progress": "1"}, buffered=False)
    pieces = [piece.decode() for piece in response.response]
    response.close()
    events = [re.search(r'data-provider="(\w+)" data-state="(\w+)"', piece).groups()
              for piece in pieces if "data-event" in piece]
    assert events == [("quick", "answered"), ("late", "answered"), ("silent", "timeout")]
    assert "Asking 3 providers" in pieces[0] and "data-event" not in pieces[0]
    assert "data-results-link" in pieces[-2]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_bad_input_gets_the_form_back_before_anything_is_streamed(app: Flask, client: Any) -> None:
    response = progress_post(client, zip_code="9411")
    assert response.status_code == 400
    assert 'id="zip_code-error"' in response.get_data(as_text=True)
    assert entry_count(app) == 0


def test_if_the_log_cannot_be_written_the_page_says_so_and_links_nowhere(app: Flask, client: Any) -> None:
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE audit_head"))
        db.session.commit()
    response = progress_post(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the page had begun; it ends by saying what happened
    assert "We could not record your comparison" in page and "data-results-link" not in page
    reference = re.search(r'class="reference">(CND-[0-9A-Z-]+)<', page).group(1)
    assert client.get(f"/results/{reference}").status_code == 404
    assert entry_count(app) == 0


def test_a_plain_post_still_redirects(client: Any) -> None:
    assert client.post("/compare/auto", data=auto_form()).status_code == 303
