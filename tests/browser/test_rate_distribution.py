"""Where a buyer's rates sit among the rates offered for loans like theirs, in a real Chromium: too
few earlier comparisons say so and show nothing; with enough, a histogram with the offers marked
and a table beside it, the sentence's figure the one the log holds; accessible; folded on a phone,
whose results stay within their length; and readable without JavaScript."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from app.comparison.api import load_result, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.rate_distribution import MIN_COMPARISONS
from app.provider_registry import current_registry
from tests.browser.test_layout import MOST_PHONE_HEIGHT, eight_mortgage_offers
from tests.browser_support import LiveSite, assert_accessible, screenshots

pytestmark = pytest.mark.browser

PHONE_SCREEN = {"width": 390, "height": 844}
HEADLINE = re.compile(r"^Your lowest rate, (\d+\.\d{3})%, is lower than (\d+)% of the ([\d,]+) rates offered for "
                      r"loans like yours in the last 30 days\.$")


def compare(page: Page, site: LiveSite) -> str:
    page.goto(f"{site.url}/compare/mortgage")
    eight_mortgage_offers(page)  # as the phone layout's budget is measured (tests/browser/test_layout.py)
    page.get_by_role("button", name="Compare quotes").click()
    page.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
    expect(page.get_by_role("heading", name="Your mortgage comparison")).to_be_visible()
    return re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", page.url).group(0)  # type: ignore[union-attr]


def logged(site: LiveSite, reference: str) -> dict:
    with site.app.app_context():
        result = load_result(db.session, reference)
        assert result is not None
        return result


def test_a_buyer_sees_where_their_rates_sit_or_that_there_are_too_few_to_say(
        live_site: LiveSite, page: Page, browser: Browser) -> None:
    first = compare(page, live_site)
    section = page.locator("[data-rates-offered]")
    expect(section.locator("[data-too-few]")).to_have_text(re.compile(
        r"^We have too few offers for loans like yours from the last 30 days to show how your rates compare: "
        r"we show it once there are at least 20 offers from 5 comparisons\.$"))
    expect(section.locator("svg")).to_have_count(0)
    expect(section.locator("table")).to_have_count(0)

    line = get_product_line("mortgage")
    with live_site.app.app_context():  # other buyers of the same kind of loan, before this one
        for _ in range(MIN_COMPARISONS):
            run_comparison(db.session, current_registry(), line, logged(live_site, first)["profile"],
                           preferences={}, channel="web")
        db.session.commit()
    reference = compare(page, live_site)
    placed = logged(live_site, reference)["explanation"]["rate_distribution"]
    lowest = placed["lowest"]
    headline = section.locator("[data-rates-headline]")
    expect(headline).to_have_text(HEADLINE)  # opened on a wide screen
    rate, percent, offers = HEADLINE.match(headline.inner_text()).groups()  # type: ignore[union-attr]
    assert (rate, int(percent), int(offers.replace(",", ""))) == (lowest["rate"], lowest["percent"], placed["market"]["offers"])
    expect(section.locator("[data-rates-basis]")).to_contain_text(
        "30-year fixed conventional loans of $400,000 to $499,999 in CO for credit scores of 740–759")
    expect(section.get_by_role("img", name=re.compile("How many offers had each interest rate"))).to_be_visible()
    ranked = len(logged(live_site, reference)["ranking"])
    buckets = {int(Decimal(rate) * 8) for rate in placed["market"]["higher"]}
    expect(section.locator("line.offer-mark")).to_have_count(len(buckets))  # one per bar holding offers
    places = section.get_by_role("table", name="Your offers among the rates offered")
    expect(places.locator("tbody tr")).to_have_count(ranked)
    section.get_by_text("The figures behind the chart").click()
    expect(section.locator("[data-rates-histogram] tbody tr")).to_have_count(len(placed["market"]["counts"]))
    assert_accessible(page)
    screenshots(page, "shopper-mortgage-rates-offered")

    permalink = page.locator("a[rel=bookmark]").first.get_attribute("href")
    assert permalink is not None
    permalink = permalink if permalink.startswith("http") else live_site.url + permalink
    phone = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True)
    try:
        small = phone.new_page()
        small.goto(permalink)
        expect(small.locator("#rates-offered-details")).not_to_have_attribute("open", "")  # folded on a phone
        expect(small.locator("[data-rates-headline]")).to_be_hidden()
        folded = small.locator("[data-rates-offered]").bounding_box()
        assert folded is not None and folded["height"] <= 60, f"the folded section is {folded}"
        height = small.evaluate("document.documentElement.scrollHeight")
        assert height <= MOST_PHONE_HEIGHT, f"the mortgage results are {height}px tall on a phone"
    finally:
        phone.close()

    no_script = browser.new_context(java_script_enabled=False)
    try:
        plain = no_script.new_page()
        plain.goto(permalink)
        plain.get_by_text("How your rates compare").click()  # a plain <details>
        expect(plain.locator("[data-rates-headline]")).to_have_text(HEADLINE)
        expect(plain.get_by_role("table", name="Your offers among the rates offered")).to_be_visible()
    finally:
        no_script.close()
