"""“Continue with this provider” against the sandbox market over real HTTP: an offer that still
stands is logged as handed off and the shopper goes to the provider's own page for it; one that
lapsed or changed is re-quoted and shown old beside new before the shopper leaves; our estimate
goes to the published page; the log verifies and the ranking replays unchanged."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.api import load_result, replay, replay_rerank, requoted_ranking
from app.comparison.handoff import money_amount
from app.formatting import ordinal, validity_words
from app.money import format_money
from app.db import db
from app.products import get_product_line
from providers.sandbox.market import SandboxMarket
from tests.conftest import FAST_MARKET, make_app
from tests.factories import auto_form, mortgage_form

PERSONAL = ("1999", "94110", "16500")


def compare(client: FlaskClient, **changes: str) -> str:
    response = client.post("/compare/auto", data=auto_form(**changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def ranked(app: Flask, reference: str, provider: str) -> dict[str, Any]:
    with app.app_context():
        result = load_result(db.session, reference)
    assert result is not None
    return next(offer for offer in result["ranking"] if offer["provider"] == provider)


def entries(app: Flask, reference: str, kind: str) -> list[dict[str, Any]]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference,
                                                               AuditEntry.kind == kind)
                                   .order_by(AuditEntry.index)).all()
        return [document(entry) for entry in found]


def continue_with(client: FlaskClient, reference: str, offer: dict[str, Any], **extra: str) -> Any:
    return client.post(f"/results/{reference}/continue",
                       data={"offer": f"{offer['provider']}:{offer['quote_id']}", **extra})


def test_the_results_page_offers_to_continue_and_says_until_when_each_price_holds(client: FlaskClient,
                                                                                   market: SandboxMarket) -> None:
    reference = compare(client)
    shown = client.get(f"/results/{reference}")
    # The hand-off's 303 ends on a provider's site: the page's form-action names their configured origins.
    policy = shown.headers["Content-Security-Policy"]
    assert "form-action 'self' " in policy and f"{market.urls['harbor']}" in policy
    assert "evil" not in policy and "form-action 'self'" in client.get("/").headers["Content-Security-Policy"]
    page = BeautifulSoup(shown.get_data(as_text=True), "html.parser")
    forms = page.select("form[data-handoff]")
    assert forms and all(form["method"] == "post" and form["action"] == f"/results/{reference}/continue"
                         for form in forms)
    assert page.select_one(".top-card form[data-handoff] button").get_text().startswith("Continue with ")
    validity = [tag.get_text() for tag in page.select("[data-validity]")]
    assert validity and all(re.fullmatch(r"until \d\d:\d\d UTC (today|on \d+ \w+)", text) for text in validity)
    assert not page.select("a[href*='/offer/']"), "no bare link to an address a provider gave"


def test_an_offer_that_still_stands_is_logged_and_handed_off_to_its_own_page(app: Flask, client: FlaskClient,
                                                                              runner: FlaskCliRunner,
                                                                              client_as: Any) -> None:
    reference = compare(client)
    harbor = ranked(app, reference, "harbor")
    answer = continue_with(client, reference, harbor)
    assert answer.status_code == 303
    assert answer.headers["Location"] == harbor["url"]
    [entry] = entries(app, reference, "handoff")
    assert entry["checked_by"] == "status" and entry["status"] == "received"
    assert entry["offer"]["quote_id"] == harbor["quote_id"] and entry["offer"]["rank"] == harbor["rank"]
    assert entry["offer"]["firmness"] == "binding" and entry["handed_off"]["unit"] == "per year"
    assert entry["handed_off"]["price"] == harbor["facts"]["annual_premium"]
    assert entry["url"] == harbor["url"] and not any(value in entry["url"] for value in PERSONAL)
    landing = requests.get(answer.headers["Location"], timeout=5)
    assert landing.status_code == 200 and harbor["quote_id"] in landing.text and "valid until" in landing.text
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    reviewed = client_as("compliance").get(f"/compliance/entries/{entry['index']}")
    assert reviewed.status_code == 200 and "handoff" in reviewed.get_data(as_text=True)
    with app.app_context():
        result = load_result(db.session, reference)
        assert result is not None
        again = replay(get_product_line("auto"), result)
    assert [o["quote_id"] for o in again["ranking"]] == [o["quote_id"] for o in result["ranking"]]


def test_our_estimate_goes_to_the_page_it_was_worked_out_from(app: Flask, client: FlaskClient) -> None:
    reference = compare(client)
    lighthouse = ranked(app, reference, "lighthouse")
    assert lighthouse["firmness"] == "estimate"
    answer = continue_with(client, reference, lighthouse)
    assert answer.status_code == 303 and answer.headers["Location"] == lighthouse["url"]
    [entry] = entries(app, reference, "handoff")
    assert entry["checked_by"] == "estimate"


def test_an_offer_not_in_the_ranking_or_a_malformed_choice_is_refused(app: Flask, client: FlaskClient) -> None:
    reference = compare(client)
    harbor = ranked(app, reference, "harbor")
    wrong = continue_with(client, reference, {**harbor, "quote_id": "harbor-not-ours"})
    assert wrong.status_code == 404 and "not in this comparison" in wrong.get_data(as_text=True)
    assert client.post(f"/results/{reference}/continue", data={"offer": "nonsense"}).status_code == 400
    assert not entries(app, reference, "handoff")


class _Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def drifting(database_url: str) -> Iterator[tuple[Flask, _Clock]]:
    """A market of its own whose clock a test moves on, where Acme charges more to a driver it quoted before."""
    clock = _Clock()
    overrides = {**FAST_MARKET, "acme": {"requote_markup_percent": 10.0}}
    with SandboxMarket(overrides=overrides, clock=clock) as market:
        application = make_app(database_url, market.provider_entries())
        yield application, clock
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_quote_its_provider_says_has_expired_is_requoted_and_the_change_shown_before_leaving(
        drifting: tuple[Flask, _Clock]) -> None:
    app, clock = drifting
    client = app.test_client()
    reference = compare(client)
    acme = ranked(app, reference, "acme")
    clock.offset = timedelta(hours=1)  # Acme's quote lapsed on Acme's side
    shown = continue_with(client, reference, acme)
    assert shown.status_code == 200
    page = BeautifulSoup(shown.get_data(as_text=True), "html.parser")
    assert "offer has changed" in page.h1.get_text()
    assert page.select_one("[data-price-change]").get_text().startswith("up by $")
    assert page.select_one("[data-before] td").get_text() == acme["facts"]["annual_premium"]
    [requote] = entries(app, reference, "provider-requote")
    assert requote["checked_by"] == "re-quote" and requote["status"] == "expired" and requote["changed"] is True
    assert not entries(app, reference, "handoff")
    form = page.select_one("form")
    fields = {tag["name"]: tag["value"] for tag in form.select("input[type=hidden]") if tag["name"] != "csrf_token"}
    assert fields["requote"] == str(requote["index"])
    gone = client.post(form["action"], data=fields)
    assert gone.status_code == 303 and gone.headers["Location"].endswith(fields["offer"].split(":", 1)[1])
    [entry] = entries(app, reference, "handoff")
    assert entry["offer"]["requote_index"] == requote["index"] and entry["offer"]["rank"] == acme["rank"]
    assert entry["handed_off"]["price"] == requote["offers"][0]["price"] != acme["facts"]["annual_premium"]


@pytest.fixture
def short_lived(database_url: str) -> Iterator[Flask]:
    """A market of its own where Summit's quotes hold two seconds: one lapses before the shopper goes on."""
    with SandboxMarket(overrides={**FAST_MARKET, "summit": {"quote_validity_s": 2.0}}) as market:
        application = make_app(database_url, market.provider_entries())
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_quote_past_its_valid_until_re_issued_unchanged_is_said_so_before_the_shopper_goes_on(
        short_lived: Flask) -> None:
    client = short_lived.test_client()
    reference = compare(client)
    summit = ranked(short_lived, reference, "summit")
    time.sleep(3.2)  # past its valid_until: no status is asked for, the quote is asked for again
    shown = continue_with(client, reference, summit)
    assert shown.status_code == 200
    [requote] = entries(short_lived, reference, "provider-requote")
    assert requote["checked_by"] == "re-quote" and requote["status"] is None and requote["changed"] is False
    assert "reranked" not in requote and not entries(short_lived, reference, "handoff")
    page = BeautifulSoup(shown.get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == "Summit General re-issued its quote"
    [fresh] = [offer for offer in requote["offers"] if offer["quote_id"] == requote["matched"]]
    expired_at = datetime.fromisoformat(summit["valid_until"].replace("Z", "+00:00"))
    valid_until = datetime.fromisoformat(fresh["valid_until"].replace("Z", "+00:00"))
    assert fresh["price"] == summit["facts"]["annual_premium"]
    assert page.select_one("[data-reissued]").get_text() == (
        f"Summit General’s quote had expired at {expired_at:%H:%M} UTC; Summit General re-issued it unchanged at "
        f"{summit['facts']['annual_premium']} per year, valid until {valid_until:%H:%M} UTC.")
    form = page.select_one("form")
    fields = {tag["name"]: tag["value"] for tag in form.select("input[type=hidden]") if tag["name"] != "csrf_token"}
    assert fields == {"offer": f"summit:{requote['matched']}", "requote": str(requote["index"])}
    answer = client.post(form["action"], data=fields)
    assert answer.status_code == 303
    [handoff] = entries(short_lived, reference, "handoff")
    assert handoff["offer"]["requote_index"] == requote["index"]
    assert handoff["handed_off"]["quote_id"] == requote["matched"] != summit["quote_id"]
    assert answer.headers["Location"] == handoff["url"] and handoff["url"].endswith(requote["matched"])


def test_an_unexpired_unchanged_quote_still_goes_straight_on(app: Flask, client: FlaskClient) -> None:
    reference = compare(client)
    summit = ranked(app, reference, "summit")
    answer = continue_with(client, reference, summit)
    assert answer.status_code == 303 and answer.headers["Location"] == summit["url"]
    assert not entries(app, reference, "provider-requote")


def updated_ranking(app: Flask, reference: str, requote: dict[str, Any]) -> list[dict[str, Any]]:
    with app.app_context():
        return requoted_ranking(db.session, get_product_line("auto"), reference, requote["index"]).reranked.result["ranking"]


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


@pytest.fixture
def dearer_top(database_url: str) -> Iterator[tuple[Flask, _Clock]]:
    """A market of its own where Harbor — first on "Lowest cost" — re-quotes 20% dearer once its quote lapses."""
    clock = _Clock()
    with SandboxMarket(overrides={**FAST_MARKET, "harbor": {"requote_markup_percent": 20.0}}, clock=clock) as market:
        application = make_app(database_url, market.provider_entries())
        yield application, clock
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_changed_quote_re_ranks_the_comparison_and_says_in_money_who_now_fits_best(
        dearer_top: tuple[Flask, _Clock]) -> None:
    app, clock = dearer_top
    client = app.test_client()
    reference = compare(client, preset="lowest_cost")
    harbor = ranked(app, reference, "harbor")
    assert harbor["rank"] == 1
    results_before = without_tokens(client.get(f"/results/{reference}").get_data(as_text=True))
    clock.offset = timedelta(hours=1)
    shown = continue_with(client, reference, harbor)
    assert shown.status_code == 200
    [requote] = entries(app, reference, "provider-requote")
    reranked = requote["reranked"]
    with app.app_context():
        result = load_result(db.session, reference)
    assert result is not None
    # The re-ranking: the same engine and preferences, Harbor's fresh quote in place, the others as logged.
    new_order = [(row["provider"], row["rank"]) for row in reranked["rows"]]
    assert new_order[0][0] != "harbor" and reranked["best"]["provider"] == new_order[0][0]
    assert reranked["chosen"]["previous_rank"] == 1 and reranked["chosen"]["rank"] > 1
    assert {row["quote_id"] for row in reranked["rows"] if not row["requoted"]} <= {
        offer["quote_id"] for offer in result["ranking"]}
    best = next(offer for offer in result["ranking"] if offer["provider"] == reranked["best"]["provider"])
    fresh_price = Decimal(money_amount(requote["offers"][0]["price"]) or "0")
    their_price = Decimal(best["values"]["annual_premium"])
    assert reranked["money"]["best_amount"] == format(their_price, "f")
    assert Decimal(reranked["money"]["amount"]) == fresh_price - their_price > 0
    with app.app_context():
        assert replay_rerank(get_product_line("auto"), result, requote)
    page = BeautifulSoup(shown.get_data(as_text=True), "html.parser")
    sentence = page.select_one("[data-rerank-sentence]").get_text()
    assert sentence == reranked["sentence"]
    name = best["provider_name"]
    assert sentence.endswith(f"Now {format_money(Decimal(reranked['money']['amount']), 'USD')} a year dearer than "
                             f"{name}’s {format_money(their_price, 'USD')} — {name} is now the best fit.")
    assert f"now ranks {ordinal(reranked['chosen']['rank'])} of {reranked['offers']} on “Lowest cost” (it was 1st)" \
        in sentence
    assert page.select_one("[data-continue-new]").get_text() == "Continue with Harbor Mutual at the new price"
    # "See the updated ranking": the re-ranked order, marked as updated; the comparison itself unchanged.
    updated = client.get(page.select_one("a[data-updated-ranking]")["href"])
    assert updated.status_code == 200
    view = BeautifulSoup(updated.get_data(as_text=True), "html.parser")
    assert "Updated after re-quote" in view.select_one("[data-updated-note]").get_text()
    rows = view.select("[data-updated-ranking] tbody tr")
    assert [row["data-provider"] for row in rows][:len(new_order)] == [provider for provider, _ in new_order]
    # Each price says how firm it is and until when, as on the results page.
    by_provider = {offer["provider"]: offer for offer in updated_ranking(app, reference, requote)}
    for row in rows:
        offer = by_provider[row["data-provider"]]
        assert row.select_one("[data-firmness]")["data-firmness"] == offer["firmness"]
        validity = row.select_one("[data-validity]")
        assert (validity.get_text() if validity else "") == validity_words(offer["valid_until"], offer["firmness"])
    [marked] = view.select("tr[data-requoted]")
    assert marked["data-provider"] == "harbor" and marked.select_one("input[name=requote]")["value"] == str(
        requote["index"])
    assert without_tokens(client.get(f"/results/{reference}").get_data(as_text=True)) == results_before
    # Going on at the new price: the hand-off records both ranks, as first ranked and after the re-quote.
    gone = client.post(f"/results/{reference}/continue", data={
        "offer": f"harbor:{reranked['chosen']['quote_id']}", "requote": str(requote["index"])})
    assert gone.status_code == 303
    [handoff] = entries(app, reference, "handoff")
    assert handoff["offer"]["rank"] == 1 and handoff["offer"]["reranked_rank"] == reranked["chosen"]["rank"]
    assert client.get(f"/results/{reference}/requotes/{requote['index'] + 1000}").status_code == 404
    assert app.test_client().get(updated.request.path).status_code == 404  # another browser: as any reference


def test_every_mortgage_offer_with_a_link_hands_off_to_its_lenders_own_site(app: Flask, client: FlaskClient,
                                                                            market: SandboxMarket) -> None:
    answer = client.post("/compare/mortgage", data=mortgage_form(max_points="3"))
    assert answer.status_code == 303
    reference = answer.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        result = load_result(db.session, reference)
    assert result is not None
    offers = [offer for offer in result["ranking"] if offer["url"]]
    assert {offer["firmness"] for offer in offers} >= {"indicative", "estimate"}
    for offer in {offer["provider"]: offer for offer in offers}.values():
        gone = continue_with(client, reference, offer)
        assert gone.status_code == 303, gone.get_data(as_text=True)[:500]
        assert gone.headers["Location"].startswith(market.urls[offer["provider"]])
    handoffs = entries(app, reference, "handoff")
    assert {entry["checked_by"] for entry in handoffs} == {"status", "estimate"}
    assert {entry["handed_off"]["unit"] for entry in handoffs} == {"per month"}
