"""The homeowner's refinance journey in a real Chromium against the sandbox's refinance lenders: the
form and its messages; a current rate near today's market and a short stay, where “Keep your current
loan” is the first answer, with what the best offer would cost more; a high current rate and a longer
stay, where refinancing pays, with its break-even month and the saving chart with its table; the
advisor's call; and a phone's first screen and page length."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import LiveSite, assert_accessible, open_every_disclosure, screenshots, sign_in
from tests.conftest import add_user

pytestmark = pytest.mark.browser
MOST_PHONE_HEIGHT = 4_000


def fill_refinance(page: Page, *, rate: str, years: str) -> None:
    """$300,000 owed on a $450,000 home in Colorado, 28 years left; up to 3 points."""
    page.get_by_label("ZIP code of the home").fill("80203")
    page.get_by_label("What the home is worth (USD)").fill("450000")
    page.get_by_label("What you still owe (USD)").fill("300000")
    page.get_by_label("Its interest rate (% a year)").fill(rate)
    page.get_by_label("Monthly payments left").fill("336")
    page.get_by_label("How many years you expect to stay").fill(years)
    page.get_by_label("Points you are willing to pay").select_option(label="Up to 3 points")


def test_a_homeowner_is_told_to_keep_the_loan_then_sees_a_refinance_that_pays(live_site: LiveSite, page: Page) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_site.url)
    page.get_by_role("link", name="Refinance", exact=True).click()
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_label("What you still owe (USD)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    fill_refinance(page, rate="6.5", years="2")
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your refinance comparison")).to_be_visible(timeout=15_000)
    keep = page.locator("[data-status-quo]")
    expect(keep).to_contain_text("Our answer: Keep your current loan")
    expect(keep).to_contain_text(re.compile(r"None of these saves you money over your 2 years; refinancing with the "
                                            r"best of them \([A-Za-z ]+\) would cost you \$[\d,]+\.\d\d more\."))
    expect(page.locator("#top-heading")).to_contain_text("Best of the offers:")
    open_every_disclosure(page)
    assert_accessible(page)
    screenshots(page, "shopper-refinance-keep")

    page.goto(f"{live_site.url}/compare/refinance")
    fill_refinance(page, rate="7.75", years="5")
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your refinance comparison")).to_be_visible(timeout=15_000)
    expect(page.locator("[data-status-quo]")).to_have_count(0)
    expect(page.locator("#top-heading")).to_contain_text("Best fit:")
    expect(page.locator("[data-break-even]")).to_contain_text(re.compile(r"breaks even in month \d+"))
    open_every_disclosure(page)  # the chart is folded on a phone, open on a wide screen
    chart = page.get_by_role("img", name="Net saving of the top offers, by month, against keeping your current loan")
    expect(chart).to_be_visible()
    assert chart.locator("polyline.series").count() >= 2
    assert_accessible(page)
    screenshots(page, "shopper-refinance-pays")
    page.goto(f"{live_site.url}/methodology/refinance")
    expect(page.get_by_role("heading", name="How we rank refinance")).to_be_visible()
    assert_accessible(page)
    assert problems == [], problems


def test_an_advisor_reads_keep_your_loan_to_the_caller(live_site: LiveSite, page: Page) -> None:
    add_user(live_site.app, "refi-advisor@example.com", "advisor")
    sign_in(page, live_site.url, "refi-advisor@example.com")
    page.goto(f"{live_site.url}/advisor/calls/new/refinance")
    fill_refinance(page, rate="6.5", years="2")
    page.keyboard.press("Alt+r")
    page.wait_for_url(re.compile(r"/advisor/calls/CND-"), timeout=15_000)
    expect(page.locator(".script")).to_contain_text("So my recommendation is: keep your current loan.")
    assert_accessible(page)


def test_a_phones_first_screen_says_keep_your_loan_and_the_page_stays_short(live_site: LiveSite, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        for rate, years, first in (("6.5", "2", "[data-keep-sentence]"), ("7.75", "5", ".top-card .price")):
            page.goto(f"{live_site.url}/compare/refinance")
            fill_refinance(page, rate=rate, years=years)
            page.get_by_role("button", name="Compare quotes").click()
            page.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
            screenshots(page, f"layout-refinance-phone-results-{years}")
            box = page.locator(first).first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 844, f"{first} is below the first screen"
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height <= MOST_PHONE_HEIGHT, f"the refinance results are {height}px tall on a phone"
    finally:
        context.close()
