"""The mortgage receipt in a real Chromium, printed as the shopper keeps it: beside each price, how
firm it is and until when, with the whole date in UTC (never "today"); where the offers' rates sit
among those offered for loans like theirs, in the results page's own words and figures, as the log
entry recorded them — or, with too few comparisons behind it, that there are too few; accessible;
and still one printed page with the most offers the sandbox lenders make."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.comparison.api import load_result, run_comparison
from app.db import db
from app.formatting import FIRMNESS_TAGS
from app.products import get_product_line
from app.products.rate_distribution import MIN_COMPARISONS, SHOWN, TOO_FEW
from app.provider_registry import current_registry
from tests.browser.test_shopper_mortgage import fill_mortgage
from tests.browser_support import LiveSite, assert_accessible, printed_pages, screenshot, screenshots

pytestmark = pytest.mark.browser

LETTER_WIDTH = {"width": 763, "height": 990}  # a Letter page inside its 7 mm margins, at 96 px an inch
KEPT_VALIDITY = re.compile(r"^(until|expired at) \d\d:\d\d UTC on \d{1,2} [A-Z][a-z]+ \d{4}$")


def compare(page: Page, site: LiveSite) -> str:
    page.goto(f"{site.url}/compare/mortgage")
    fill_mortgage(page)  # up to 3 points: every offer the sandbox lenders make, the longest receipt
    page.get_by_role("button", name="Compare quotes").click()
    page.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
    expect(page.get_by_role("heading", name="Your mortgage comparison")).to_be_visible()
    return page.locator("[data-reference]").first.inner_text()


def logged(site: LiveSite, reference: str) -> dict:
    with site.app.app_context():
        result = load_result(db.session, reference)
        assert result is not None
        return result


def open_receipt_printed(page: Page) -> None:
    page.get_by_role("link", name="Printable receipt").click()
    expect(page.get_by_role("heading", name="Comparison receipt")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")


def assert_each_price_says_how_firm_and_until_when(page: Page, result: dict) -> None:
    rows = page.locator("table.ranking tbody tr[data-provider]")
    expect(rows).to_have_count(len(result["ranking"]))
    for row, offer in zip(rows.all(), result["ranking"], strict=True):
        price = row.locator("td.price")
        expect(price.locator("[data-firmness]")).to_have_text(FIRMNESS_TAGS[offer["firmness"]])
        if offer["firmness"] == "estimate":  # as on the results page: the tag says it all
            expect(price.locator("[data-validity]")).to_have_count(0)
            continue
        validity = price.locator("[data-validity]")
        expect(validity).to_be_visible()
        expect(validity).to_have_text(KEPT_VALIDITY)
        assert "today" not in validity.inner_text()


def test_the_printed_receipt_says_how_firm_each_price_is_until_when_and_where_the_rates_sit(
        live_site: LiveSite, page: Page) -> None:
    first = compare(page, live_site)
    open_receipt_printed(page)
    result = logged(live_site, first)
    assert result["explanation"]["rate_distribution"]["status"] == TOO_FEW
    assert_each_price_says_how_firm_and_until_when(page, result)
    section = page.locator("[data-rates-offered]")
    expect(section.locator("[data-too-few]")).to_have_text(
        "We have too few offers for loans like yours from the last 30 days to show how your rates compare: "
        "we show it once there are at least 20 offers from 5 comparisons.")
    expect(section.locator("[data-rates-places]")).to_have_count(0)
    assert printed_pages(page) == 1, "the receipt does not print on one page"

    line = get_product_line("mortgage")
    with live_site.app.app_context():  # other buyers of the same kind of loan, before this one
        for _ in range(MIN_COMPARISONS):
            run_comparison(db.session, current_registry(), line, result["profile"], preferences={}, channel="web")
        db.session.commit()
    page.emulate_media(media="screen")
    reference = compare(page, live_site)
    # What the results page says (its section may be folded: read the text, not what is drawn).
    shown_headline = (page.locator("[data-rates-offered] [data-rates-headline]").text_content() or "").strip()
    shown_places = [[(cell.text_content() or "").strip() for cell in row.locator("td").all()]
                    for row in page.locator("[data-rates-places] tbody tr").all()]
    assert shown_headline and shown_places
    open_receipt_printed(page)
    result = logged(live_site, reference)
    placed = result["explanation"]["rate_distribution"]
    assert placed["status"] == SHOWN
    assert_each_price_says_how_firm_and_until_when(page, result)
    section = page.locator("[data-rates-offered]")
    # The results page's sentence, word for word, and its figure the one the log entry holds.
    expect(section.locator("[data-rates-headline]")).to_have_text(shown_headline)
    assert f"{placed['lowest']['rate']}%" in shown_headline and f"{placed['lowest']['percent']}%" in shown_headline
    assert f"{placed['market']['offers']:,} rates" in shown_headline
    listed = section.locator("[data-rates-places]").inner_text()
    assert len(shown_places) == len(result["ranking"])
    for rank_and_label, rate, place in shown_places:
        rank = rank_and_label.split(" ", 1)[0]
        assert f"{rank} at {rate}, {place}" in listed, (rank_and_label, rate, place, listed)
    expect(section.locator("[data-rates-basis]")).to_contain_text(
        "30-year fixed conventional loans of $400,000 to $499,999 in CO for credit scores of 740–759")
    page.emulate_media(media="screen")
    screenshots(page, "shopper-mortgage-receipt-rates")
    page.emulate_media(media="print")
    page.set_viewport_size(LETTER_WIDTH)
    screenshot(page, "shopper-mortgage-receipt-rates-print")
    pages = printed_pages(page)
    assert pages == 1, f"the receipt prints on {pages} pages"
