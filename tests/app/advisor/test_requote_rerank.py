"""An advisor re-quotes the provider first on "Lowest cost" while it now quotes dearer: the call
page says, in the same words the shopper reads, where it ranks now and who fits best instead, at
what price; the re-quote entry logs the re-ranking, which replays from the log."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from app.comparison.api import load_result, replay_rerank
from app.db import db
from app.money import format_money
from app.products import get_product_line
from providers.sandbox.market import SandboxMarket
from tests.app.advisor.test_console import entries, start_call
from tests.conftest import FAST_MARKET, make_app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """A market of its own where Harbor charges 20% more to a driver it quoted before."""
    with SandboxMarket(overrides={**FAST_MARKET, "harbor": {"requote_markup_percent": 20.0}}) as market:
        application = make_app(database_url, market.provider_entries())
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_re_quoting_a_provider_that_now_quotes_dearer_says_what_it_does_to_the_ranking(app, client_as):
    advisor = client_as("advisor")
    reference = start_call(advisor, preset="lowest_cost")
    with app.app_context():
        result = load_result(db.session, reference)
    harbor = next(offer for offer in result["ranking"] if offer["provider"] == "harbor")
    assert harbor["rank"] == 1
    answer = advisor.post(f"/advisor/calls/{reference}/requote", data={"provider": "harbor"})
    assert answer.status_code == 303
    [requote] = [entry for entry in entries(app, "provider-requote") if entry["reference"] == reference]
    reranked = requote["reranked"]
    assert requote["changed"] is True and reranked["chosen"]["rank"] > 1
    best = next(offer for offer in result["ranking"] if offer["quote_id"] == reranked["best"]["quote_id"])
    assert best["provider"] == reranked["rows"][0]["provider"] != "harbor"
    assert reranked["sentence"].endswith(f"than {best['provider_name']}’s "
                                         f"{format_money(Decimal(best['values']['annual_premium']), 'USD')} — "
                                         f"{best['provider_name']} is now the best fit.")
    with app.app_context():
        assert replay_rerank(get_product_line("auto"), result, requote)
    page = BeautifulSoup(advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True), "html.parser")
    row = page.select_one("tr[data-requote-provider=harbor]")
    assert row.select_one("[data-requote-rerank]").get_text() == reranked["sentence"]
    assert page.get_text().count(reranked["sentence"]) == 2  # the flash says it once more, to read out
    # Compliance replays the entry's re-ranking from its comparison and the fresh quote it logged.
    replayed = client_as("compliance").post(f"/compliance/entries/{requote['index']}/replay")
    verdict = BeautifulSoup(replayed.get_data(as_text=True), "html.parser").select_one("[data-rerank-replay]")
    assert replayed.status_code == 200 and verdict.get_text().startswith("Identical.")
