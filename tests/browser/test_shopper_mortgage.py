"""The mortgage shopper's journey in a real Chromium: the form and its messages, the ranking with
the break-even sentences and the cumulative-cost chart, a change of what matters re-ranking in place,
and the printable receipt. (The pages' words are checked in tests/app/products/test_mortgage_pages.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import LiveSite, printed_pages, rerank_in_place, screenshots

pytestmark = pytest.mark.browser


def fill_mortgage(page: Page, years_expected: str = "4") -> None:
    """A $400,000 loan on a $500,000 home in Colorado, kept a few years: the case where paying
    points for a lower rate may or may not pay back in time."""
    page.get_by_label("State").select_option("CO")
    page.get_by_label("ZIP code of the home").fill("80203")
    page.get_by_label("Price of the home (USD)").fill("500000")
    page.get_by_label("Down payment (USD)").fill("100000")
    page.get_by_label("How many years you expect to keep the loan").fill(years_expected)
    page.get_by_label("Points you are willing to pay").select_option("3")


def test_a_mortgage_shopper_compares_re_ranks_and_prints(live_site: LiveSite, page: Page) -> None:
    page.goto(live_site.url)
    page.get_by_role("link", name="Mortgage", exact=True).click()
    expect(page.get_by_role("heading", name="Compare mortgage")).to_be_visible()
    screenshots(page, "shopper-mortgage-form")

    # Nothing filled in: every problem is summarised at the top, each linking to its field.
    page.get_by_role("button", name="Compare quotes").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(4)
    expect(page.get_by_label("ZIP code of the home")).to_have_attribute("aria-invalid", "true")
    screenshots(page, "shopper-mortgage-form-errors")
    summary.get_by_role("link", name=re.compile("^Down payment")).click()
    expect(page.get_by_label("Down payment (USD)")).to_be_focused()

    # From here on no script may fail or be blocked (the 400 of the form above was meant).
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    fill_mortgage(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your mortgage comparison")).to_be_visible(timeout=15_000)
    reference = page.locator("[data-reference]").first.inner_text()
    assert re.fullmatch(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)

    # The ranking in the buyer's own periods: per month, and over the 4 years they expect to stay.
    rows = page.locator("table.ranking tbody tr[data-provider]")
    assert rows.count() >= 3
    expect(page.locator(".top-card .price")).to_contain_text(re.compile(r"^\$[\d,]+\.\d\d per month"))
    expect(page.get_by_text("Payments are per month; costs are the points, fees and interest over your 4 years")).to_be_visible()
    # When a lower rate pays back its points, and the cumulative cost of the top offers, drawn.
    expect(page.locator("[data-break-even] li").first).to_contain_text(re.compile(r"pays back .* points and fees"))
    chart = page.get_by_role("img", name="Cumulative cost of the top offers, by year")
    expect(chart).to_be_visible()
    assert chart.locator("polyline.series").count() >= 2
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150, box
    expect(page.locator(".chart-legend li").first).to_be_visible()
    page.get_by_text("The figures behind the chart").click()
    expect(page.get_by_role("table", name="Points, fees and interest paid by the end of each year")).to_be_visible()
    screenshots(page, "shopper-mortgage-results")

    # What matters changes: the same offers ranked again in place, the chart drawn again with them.
    rerank_in_place(page, live_site, reference, preset="Lowest monthly payment", slider="Borrower satisfaction")
    expect(page.get_by_role("img", name="Cumulative cost of the top offers, by year")).to_be_visible()

    page.get_by_role("link", name="Printable receipt").click()
    expect(page.locator("[data-reference]")).to_have_text(reference)
    expect(page.get_by_role("heading", name="Comparison receipt")).to_be_visible()
    expect(page.locator("table.ranking")).to_contain_text("Monthly payment")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshots(page, "shopper-mortgage-receipt")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("table.ranking")).to_be_visible()
    expect(page.locator("[data-reference]")).to_be_visible()
    # Eleven ranked offers, each with two or three lines of notes per figure, still on one Letter
    # page (UX.md: the receipt is one page).
    pages = printed_pages(page)
    assert pages == 1, f"the receipt prints on {pages} pages"
    assert problems == [], problems
