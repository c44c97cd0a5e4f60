"""The saver's journey in a real Chromium against the six sandbox banks: the form and its messages,
the ranking with the notice about our offer in money earned, the balance chart, a change of what
matters re-ranking in place, the printable receipt; and the pages are axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import (
    LiveSite,
    assert_accessible,
    open_every_disclosure,
    rerank_in_place,
    screenshots,
    sign_in,
)
from tests.conftest import add_user

pytestmark = pytest.mark.browser


def fill_savings(page: Page, horizon: str = "12 months") -> None:
    """$10,000 in California, left a year, insured banks only."""
    page.get_by_label("How much you want to deposit (USD)").fill("10000")
    page.get_by_label("How long you can leave the money").select_option(label=horizon)
    page.get_by_label("ZIP code").fill("94110")


def test_a_saver_compares_re_ranks_and_prints(live_site: LiveSite, page: Page) -> None:
    page.goto(live_site.url)
    page.get_by_role("link", name="Savings", exact=True).click()
    expect(page.get_by_role("heading", name="Compare savings")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "shopper-savings-form")

    page.get_by_role("button", name="Compare quotes").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.get_by_label("How much you want to deposit (USD)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    fill_savings(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your savings comparison")).to_be_visible(timeout=15_000)
    reference = page.locator("[data-reference]").first.inner_text()
    assert re.fullmatch(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    expect(page.locator(".top-card .price")).to_contain_text(re.compile(r"^\$[\d,]+\.\d\d over the months you leave"))
    notice = page.get_by_text(re.compile(r"(earns \$[\d,]+\.\d\d (more|less) than ours over your 12 months)|"
                                         r"(Our offer fits you best)"))
    expect(notice.first).to_be_visible()
    chart = page.get_by_role("img", name="Balance of the top offers, by month, as the difference from the best fit")
    expect(chart).to_be_visible()
    assert chart.locator("polyline.series").count() >= 2
    rerank_in_place(page, live_site, reference, preset="Most interest", slider="Customer satisfaction")
    expect(page.get_by_role("img", name="Balance of the top offers, by month")).to_be_visible()
    open_every_disclosure(page)
    assert_accessible(page)
    screenshots(page, "shopper-savings-results")

    page.get_by_role("link", name="Printable receipt").click()
    expect(page.locator("[data-reference]")).to_have_text(reference)
    expect(page.locator("table.ranking")).to_contain_text("Earned after fees")
    assert_accessible(page)
    page.goto(f"{live_site.url}/methodology/savings")
    expect(page.get_by_role("heading", name="How we rank savings")).to_be_visible()
    assert_accessible(page)
    assert problems == [], problems


def test_an_advisor_keys_a_savings_call_by_keyboard_and_reads_the_script(live_site: LiveSite, page: Page) -> None:
    add_user(live_site.app, "saver-advisor@example.com", "advisor")
    sign_in(page, live_site.url, "saver-advisor@example.com")
    page.goto(f"{live_site.url}/advisor/calls/new/savings")
    assert_accessible(page)
    fill_savings(page, horizon="18 months")
    page.keyboard.press("Alt+r")
    page.wait_for_url(re.compile(r"/advisor/calls/CND-"), timeout=15_000)
    script = page.locator(".script")
    expect(script).to_contain_text(re.compile(r"earns \$[\d,]+\.\d\d (more|less) than ours over your 18 months|"
                                              r"Our offer fits you best"))
    open_every_disclosure(page)
    assert_accessible(page)


def test_a_phones_first_screen_shows_the_best_fit_what_it_earns_and_our_offer(live_site: LiveSite, browser) -> None:  # type: ignore[no-untyped-def]
    """UX.md, on a phone (390 × 844): the best fit's name and figure and the sentence about our offer
    on the first screen, details folded, the page a few screens long (the other lines' limit)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{live_site.url}/compare/savings")
        fill_savings(page)
        page.get_by_role("button", name="Compare quotes").click()
        page.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
        expect(page.locator("[data-top-provider]")).to_be_visible()
        screenshots(page, "layout-savings-phone-results")
        house = "[data-house-notice]" if page.locator("[data-house-notice]").count() else ".notice.neutral p"
        for selector in ("[data-top-provider]", ".top-card .price", house):
            box = page.locator(selector).first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 844, f"{selector} is below the first screen"
        expect(page.locator("table.ranking tbody tr.offer td.more").first).to_be_hidden()
        height = page.evaluate("document.documentElement.scrollHeight")
        # The other lines are held to 4,000 px with 8 offers (tests/browser/test_layout.py); the sandbox
        # banks make 9 rankable offers and 3 more the comparison's per-provider limit lists as not
        # compared, which measured 4,483 px when this was written: held there, so it does not grow unnoticed.
        assert height <= 4_500, f"the savings results are {height}px tall on a phone"
    finally:
        context.close()
