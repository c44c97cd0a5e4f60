"""What the shopper keeps and what the advisor reads out, against the sandbox lenders over loopback
HTTP: the receipt says beside each price how firm it is and until when with the whole UTC date (an
expired quote says so), and both the receipt and the advisor's call say where the rates sit, in the
results page's sentences from the distribution the entry logged — or that there are too few."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from app.comparison.api import load_result, run_comparison
from app.db import db
from app.formatting import FIRMNESS_TAGS, validity_words
from app.products import get_product_line
from app.products.rate_distribution import MIN_COMPARISONS, SHOWN, TOO_FEW
from app.provider_registry import current_registry
from tests.app.shop.test_handoff import short_lived  # noqa: F401 - a pytest fixture
from tests.factories import auto_form, mortgage_form

TOO_FEW_SENTENCE = ("We have too few offers for loans like yours from the last 30 days to show how your rates compare: "
                    "we show it once there are at least 20 offers from 5 comparisons.")
KEPT = re.compile(r"(until|expired at) \d\d:\d\d UTC on \d{1,2} [A-Z][a-z]{2} \d{4}")
line = get_product_line("mortgage")


def logged(app: Flask, reference: str) -> dict[str, Any]:
    with app.app_context():
        result = load_result(db.session, reference)
    assert result is not None
    return result


def page(client: FlaskClient, address: str) -> BeautifulSoup:
    response = client.get(address)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def texts(found: BeautifulSoup, selector: str) -> list[str]:
    return [" ".join(tag.get_text().split()) for tag in found.select(selector)]


def test_a_kept_validity_names_its_whole_date_in_utc_and_an_expired_one_says_so() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert validity_words("2026-12-05T14:05:00Z", "binding", now, kept=True) == "until 14:05 UTC on 5 Dec 2026"
    assert validity_words("2026-12-05T11:59:00Z", "indicative", now, kept=True) == "expired at 11:59 UTC on 5 Dec 2026"
    assert validity_words("2027-01-02T00:30:00+01:00", "binding", now, kept=True) == "until 23:30 UTC on 1 Jan 2027"
    # The results page, read the same day, keeps its short words; estimates say nothing either way.
    assert validity_words("2026-12-05T14:05:00Z", "binding", now) == "until 14:05 UTC today"
    assert validity_words("2026-12-05T14:05:00Z", "estimate", now, kept=True) == ""


def test_the_receipt_and_the_call_say_how_firm_until_when_and_where_the_rates_sit(
        app: Flask, client: FlaskClient, client_as) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/compare/mortgage", data=mortgage_form(max_points="3"))
    assert answer.status_code == 303
    first = answer.headers["Location"].rsplit("/", 1)[1]
    result = logged(app, first)
    assert result["explanation"]["rate_distribution"]["status"] == TOO_FEW
    receipt = page(client, f"/results/{first}/receipt")
    rows = receipt.select("table.ranking tr[data-provider]")
    assert len(rows) == len(result["ranking"])
    for row, offer in zip(rows, result["ranking"], strict=True):
        price = row.select_one("td.price")
        assert price is not None
        assert price.select_one("[data-firmness]").get_text() == FIRMNESS_TAGS[offer["firmness"]]  # type: ignore[union-attr]
        validity = price.select_one("[data-validity]")
        if offer["firmness"] == "estimate":
            assert validity is None
            continue
        assert validity is not None
        expected = validity_words(offer["valid_until"], offer["firmness"], kept=True)
        assert validity.get_text() == expected and KEPT.fullmatch(expected) and "today" not in expected
    assert texts(receipt, "[data-rates-offered] [data-too-few]") == [TOO_FEW_SENTENCE]
    assert receipt.select("[data-rates-places]") == []

    with app.app_context():  # other buyers of the same kind of loan
        for _ in range(MIN_COMPARISONS):
            run_comparison(db.session, current_registry(), line, result["profile"], preferences={}, channel="web")
        db.session.commit()
    advisor = client_as("advisor")
    started = advisor.post("/advisor/calls/new/mortgage", data=mortgage_form(max_points="3"))
    assert started.status_code == 303
    reference = started.headers["Location"].rsplit("/", 1)[1]
    result = logged(app, reference)
    placed = result["explanation"]["rate_distribution"]
    assert placed["status"] == SHOWN
    view = line.rates_view(result)
    lowest = placed["lowest"]
    assert view.headline == (f"Your lowest rate, {lowest['rate']}%, is lower than {lowest['percent']}% of the "
                             f"{placed['market']['offers']:,} rates offered for loans like yours in the last 30 days.")

    call = page(advisor, f"/advisor/calls/{reference}")
    said = texts(call, "[data-rates-offered] [data-rates-places] li")
    assert said == [f"#{offer.rank} {html.unescape(offer.said)}" for offer in view.offers]
    assert len(said) == len(result["ranking"])
    for offer, sentence in zip(view.offers, said, strict=True):
        higher = placed["market"]["higher"][offer.rate.rstrip("%")]
        percent = higher * 100 // placed["market"]["offers"]
        if higher == 0:
            assert sentence.endswith(f"no rate offered for loans like yours in the last 30 days was higher than {offer.rate}.")
        elif percent == 0:
            assert sentence.endswith(f"were higher than {offer.rate}.")
        else:
            assert sentence.endswith(f": {offer.rate} is lower than {percent}% of the {placed['market']['offers']:,} "
                                     "rates offered for loans like yours in the last 30 days.")
    assert call.select("[data-rates-offered] details") == [], "nothing to open during a call"
    # The advisor sees the same firmness beside each price, and until when.
    for row, offer in zip(call.select("table.ranking tr[data-provider]"), result["ranking"], strict=True):
        assert row.select_one("td.price [data-firmness]").get_text() == FIRMNESS_TAGS[offer["firmness"]]  # type: ignore[union-attr]
        if offer["firmness"] != "estimate":
            assert row.select_one("td.price [data-validity]").get_text() == validity_words(  # type: ignore[union-attr]
                offer["valid_until"], offer["firmness"])

    # The shopper's own receipt, from a comparison of their own made now.
    answer = client.post("/compare/mortgage", data=mortgage_form(max_points="3"))
    assert answer.status_code == 303
    reference = answer.headers["Location"].rsplit("/", 1)[1]
    result = logged(app, reference)
    assert result["explanation"]["rate_distribution"]["status"] == SHOWN
    view = line.rates_view(result)
    receipt = page(client, f"/results/{reference}/receipt")
    assert texts(receipt, "[data-rates-offered] [data-rates-headline]") == [view.headline]
    places = texts(receipt, "[data-rates-offered] [data-rates-places]")[0]
    for offer in view.offers:
        assert f"#{offer.rank} at {offer.rate}, {offer.place}" in places
    assert texts(receipt, "[data-rates-basis]") == [view.basis]


def test_below_the_threshold_the_call_says_only_that_there_are_too_few(app: Flask, client_as) -> None:  # type: ignore[no-untyped-def]
    advisor = client_as("advisor")
    started = advisor.post("/advisor/calls/new/mortgage", data=mortgage_form())
    assert started.status_code == 303
    call = page(advisor, started.headers["Location"])
    assert texts(call, "[data-rates-offered] [data-too-few]") == [TOO_FEW_SENTENCE]
    assert call.select("[data-rates-offered] [data-rates-places]") == []


def test_a_receipt_read_after_a_quote_lapsed_says_when_it_expired_with_its_date(short_lived: Flask) -> None:
    client = short_lived.test_client()
    answer = client.post("/compare/auto", data=auto_form())
    assert answer.status_code == 303
    reference = answer.headers["Location"].rsplit("/", 1)[1]
    summit = next(offer for offer in logged(short_lived, reference)["ranking"] if offer["provider"] == "summit")
    assert summit["firmness"] != "estimate"
    lapsed = datetime.fromisoformat(summit["valid_until"].replace("Z", "+00:00")).astimezone(UTC)
    # valid_until is rounded up to the second, so the quote may hold up to a second past its 2 s.
    time.sleep(max(0.0, (lapsed - datetime.now(UTC)).total_seconds()) + 0.2)
    receipt = page(client, f"/results/{reference}/receipt")
    shown = texts(receipt, 'tr[data-provider="summit"] td.price [data-validity]')
    assert shown == [f"expired at {lapsed:%H:%M} UTC on {lapsed.day} {lapsed:%b %Y}"]
