"""Layout in a real Chromium: what a phone shows on its first screen and how long the results are,
the advisor's call on one 1366×768 screen with the refused outcome's errors focused, the compliance
table at 1280 px, and sorting, filtering and comparing offers by mouse, by keyboard and without
JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from providers.sandbox.market import SandboxMarket
from tests.browser.test_shopper_auto import fill_profile
from tests.browser.test_shopper_mortgage import fill_mortgage
from tests.browser_support import LiveSite, running_site, screenshot, sign_in
from tests.conftest import add_user

pytestmark = pytest.mark.browser

PHONE_SCREEN = {"width": 390, "height": 844}
CALL_SCREEN = {"width": 1366, "height": 768}
MOST_PHONE_HEIGHT = 4_000
ADVISOR = "layout-advisor@example.com"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, market: SandboxMarket) -> Iterator[LiveSite]:
    # Every lender must answer for the eight-offer page: the two that publish HTML rate pages read
    # robots.txt and the page and parse it on their first comparison, which on a loaded 2-core CI
    # machine outlasted the tests' 2 s deadline (tested in its own right elsewhere).
    with running_site(tmp_path_factory.mktemp("layout") / "site.sqlite3", market,
                      CANDOR_COMPARISON_DEADLINE_S=5.0) as running:
        add_user(running.app, ADVISOR, "advisor", "compliance")
        yield running


def eight_mortgage_offers(page: Page) -> None:
    fill_mortgage(page)
    page.get_by_label("Points you are willing to pay").select_option("1.5")  # the sandbox's lenders make 8 offers


def compared(page: Page, site: LiveSite, product: str, fill: Callable[[Page], None]) -> str:
    page.goto(f"{site.url}/compare/{product}")
    fill(page)
    page.get_by_role("button", name="Compare quotes").click()
    page.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
    expect(page.locator("[data-top-provider]")).to_be_visible()
    return page.url


def bottom(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] + box["height"]


@pytest.mark.parametrize(("product", "fill"), [("auto", fill_profile), ("mortgage", eight_mortgage_offers)])
def test_a_phones_first_screen_shows_the_best_fit_its_price_and_our_offer_and_the_page_is_short(
        site: LiveSite, browser: Browser, product: str, fill: Callable[[Page], None]) -> None:
    context = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True)
    try:
        page = context.new_page()
        compared(page, site, product, fill)
        expect(page.locator("table.ranking tbody tr[data-provider]")).to_have_count(8)
        screenshot(page, f"layout-{product}-phone-results")
        house_sentence = "[data-house-notice]" if page.locator("[data-house-notice]").count() else ".notice.neutral p"
        for selector in ("[data-top-provider]", ".top-card .price", house_sentence):
            assert bottom(page, selector) <= PHONE_SCREEN["height"], f"{selector} is below the first screen"
        assert re.match(r"\$[\d,]+\.\d\d per (year|month)", page.locator(".top-card .price").inner_text())
        expect(page.locator("table.ranking tbody tr.offer td.more").first).to_be_hidden()  # details folded away
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= MOST_PHONE_HEIGHT, f"the {product} results are {height}px tall on a phone"
    finally:
        context.close()


def test_the_advisor_sees_the_caller_and_the_ranking_side_by_side_on_one_screen(site: LiveSite, browser: Browser) -> None:
    context = browser.new_context(viewport=CALL_SCREEN)
    try:
        page = context.new_page()
        sign_in(page, site.url, ADVISOR)
        page.goto(f"{site.url}/advisor/calls/new/mortgage")
        fill_mortgage(page)
        page.get_by_role("button", name="Run comparison").click()
        page.wait_for_url(re.compile(r"/advisor/calls/CND-"), timeout=15_000)
        screenshot(page, "layout-advisor-call")
        caller = page.locator(".caller-details").bounding_box()
        ranking = page.locator("table.ranking").bounding_box()
        assert caller and ranking
        assert caller["x"] + caller["width"] <= ranking["x"], "the caller's details are not beside the ranking"
        assert caller["y"] < CALL_SCREEN["height"] and ranking["y"] < CALL_SCREEN["height"] / 2
        assert page.evaluate("document.documentElement.scrollHeight") <= CALL_SCREEN["height"], "the page scrolls"
        expect(page.get_by_role("button", name="Record outcome")).to_be_visible()

        page.locator("input[name=choice]").nth(1).check()  # not the top pick, and no reason given
        page.get_by_role("button", name="Record outcome").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        assert bottom(page, "#error-summary") <= CALL_SCREEN["height"]
        assert page.evaluate("document.documentElement.scrollHeight") <= CALL_SCREEN["height"]
        summary.get_by_role("link", name=re.compile("^Reason")).click()
        expect(page.get_by_label("Reason, when not the top pick")).to_be_focused()
        screenshot(page, "layout-advisor-outcome-errors")
    finally:
        context.close()


def test_the_compliance_table_fits_1280_px_with_names_and_declines_apart(site: LiveSite, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        compared(page, site, "auto", lambda form: (fill_profile(form),
                                                   form.get_by_label("At-fault accidents in the last 5 years").fill("3")))
        best = page.locator("[data-top-provider]").inner_text()
        reference = page.locator("[data-reference]").first.inner_text()
        declined = page.locator("[data-failures] li", has_text="declined").count()
        assert declined, "Pioneer Casualty declines three accidents"
        sign_in(page, site.url, ADVISOR)
        page.goto(f"{site.url}/compliance/")
        scroller = page.locator(".table-scroll")
        assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth"), "the table is wider than its box"
        row = page.locator("table.entries tbody tr", has_text=reference)
        expect(row).to_contain_text(best)
        expect(row.locator(".flag-declined")).to_have_text(f"{declined} declined")
        expect(row.locator(".flag-failure")).to_have_count(0)
        screenshot(page, "layout-compliance-entries")
    finally:
        context.close()


def ranks_listed(page: Page) -> list[int]:
    return [int(rank) for rank in page.locator("table.ranking tbody tr[data-rank]").evaluate_all(
        "rows => rows.map(row => row.dataset.rank)")]


def test_sort_filter_and_compare_in_place_by_mouse_and_keyboard(site: LiveSite, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        url = compared(page, site, "auto", fill_profile)
        page.evaluate("window.candorMarker = 'same page'")
        assert ranks_listed(page) == sorted(ranks_listed(page))

        page.get_by_text("Sort or filter the offers").click()  # mouse
        page.get_by_label("Sort by").select_option("price")
        expect(page.locator("[data-sorted-by]")).to_contain_text("Sorted by price per year, lowest first.")
        expect(page.locator("[data-rerank-status]")).to_contain_text("Sorted by price per year")
        prices = page.locator("table.ranking tbody tr[data-rank] td.price").evaluate_all(
            "cells => cells.map(cell => Number(cell.firstChild.textContent.replace(/[$,]/g, '')))")
        assert prices == sorted(prices) and ranks_listed(page) != sorted(ranks_listed(page))
        assert "sort=price" in page.url

        rental = page.get_by_label("Rental car while yours is repaired")  # keyboard
        rental.focus()
        page.keyboard.press("Space")
        expect(page.locator("[data-set-aside]")).to_be_visible()
        expect(page.get_by_label("Rental car while yours is repaired")).to_be_focused()
        expect(page.get_by_label("Rental car while yours is repaired")).to_be_checked()
        assert "need=rental_car" in page.url

        boxes = page.locator("input[name=compare]")
        boxes.nth(0).focus()
        page.keyboard.press("Space")
        boxes.nth(1).focus()
        page.keyboard.press("Space")
        page.get_by_role("button", name="Compare the offers you ticked").focus()
        page.keyboard.press("Enter")
        table = page.locator("[data-comparison]")
        expect(table).to_be_visible()
        expect(page.locator("#comparison-heading")).to_be_focused()
        expect(table.locator("thead th")).to_have_count(3)
        expect(page.locator("[data-sorted-by]")).to_be_visible()  # the sort and filter were kept
        assert page.evaluate("window.candorMarker") == "same page"
        screenshot(page, "layout-auto-compared")
        assert url.split("?")[0] in page.url
    finally:
        context.close()


def test_sort_filter_and_compare_work_without_javascript(site: LiveSite, browser: Browser) -> None:
    with_js = browser.new_context()
    without_js = browser.new_context(java_script_enabled=False)
    try:
        page = with_js.new_page()
        url = compared(page, site, "mortgage", fill_mortgage)
        cookies = with_js.cookies()
        without_js.add_cookies(cookies)
        plain = without_js.new_page()
        plain.goto(url)
        plain.get_by_text("Sort or filter the offers").click()
        plain.get_by_label("Sort by").select_option("price")
        plain.get_by_label("Rate locked for 45 days or more").check()
        plain.get_by_role("button", name="Show the offers this way").click()
        plain.wait_for_url(re.compile(r"\?sort=price&need=lock_45#ranking-heading$"))
        expect(plain.locator("[data-sorted-by]")).to_contain_text("Sorted by monthly payment, lowest first.")
        plain.locator("input[name=compare]").nth(0).check()
        plain.locator("input[name=compare]").nth(1).check()
        plain.get_by_role("button", name="Compare the offers you ticked").click()
        expect(plain.locator("[data-comparison]")).to_be_visible()
        assert "compare=offer-" in plain.url and "sort=price" in plain.url
    finally:
        with_js.close()
        without_js.close()
