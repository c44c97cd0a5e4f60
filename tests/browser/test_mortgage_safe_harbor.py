"""The safe harbor's three loans and the higher-priced flags in a real Chromium: beside the ranking,
readable on a phone, accessible, and the same on the advisor's call and the printed receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.apor_support import apor_tables  # noqa: F401 - a pytest fixture
from tests.browser.test_shopper_mortgage import fill_mortgage
from tests.browser_support import (
    PHONE,
    LiveSite,
    assert_accessible,
    assert_fits_a_phone,
    open_every_disclosure,
    printed_pages,
    screenshots,
)

pytestmark = pytest.mark.browser


def compare(page: Page, site: LiveSite, *, points: str, credit: str | None = None, down: str | None = None) -> None:
    page.goto(f"{site.url}/compare/mortgage")
    fill_mortgage(page, years_expected="7")
    page.get_by_label("Points you are willing to pay").select_option(points)
    if credit:
        page.get_by_label("Your credit score").select_option(credit)
    if down:
        page.get_by_label("Down payment (USD)").fill(down)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your mortgage comparison")).to_be_visible(timeout=15_000)


def test_a_buyer_sees_the_three_loans_the_rules_name_and_which_are_higher_priced(
        live_site: LiveSite, page: Page, apor_tables) -> None:  # noqa: F811
    apor_tables()
    compare(page, live_site, points="2")
    options = page.get_by_role("table", name="Loans whose rate cannot go up")
    expect(options).to_be_visible()
    lowest = options.locator("tr[data-option=lowest_rate]")
    plain = options.locator("tr[data-option=lowest_rate_without_risky_features]")
    cheapest = options.locator("tr[data-option=lowest_points_and_fees]")
    # The lowest rate has a prepayment penalty, so the second loan is another lender's.
    expect(lowest).to_contain_text("Keystone Mortgage")
    expect(lowest).to_contain_text("Has a prepayment penalty")
    expect(plain).not_to_contain_text("Keystone Mortgage")
    expect(cheapest).to_contain_text("Bluebird Lending")
    expect(cheapest).to_contain_text("$0.00")
    # Each option's rank is the offer's rank in the ranking above.
    for row in (lowest, plain, cheapest):
        rank = row.locator("td").last.inner_text()
        name = row.locator("td").first.inner_text().split(" (")[0]
        ranked = page.locator(f"table.ranking tbody tr[data-rank='{rank}']", has_text=name)
        expect(ranked.first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Chosen among \d+ offers from \d+ lenders\.$"))).to_be_visible()
    expect(page.locator("[data-higher-priced]")).to_contain_text("None of the")
    assert_accessible(page)

    # A buyer with a lower score and 5% down: some offers are higher-priced, and it says what that means.
    compare(page, live_site, points="2", credit="620-639", down="25000")
    flagged = page.locator("[data-higher-priced-offer]")
    expect(flagged.first).to_contain_text(re.compile(r"its APR of [\d.]+% is [\d.]+ percentage points above the "
                                                     r"average prime offer rate of 6\.380%"))
    page.get_by_text("What “higher-priced” means for you").click()
    expect(page.get_by_text(re.compile("property taxes and insurance in an escrow account for at least five years"))).to_be_visible()
    open_every_disclosure(page)
    assert_accessible(page)
    screenshots(page, "shopper-mortgage-safe-harbor")
    page.set_viewport_size(PHONE)
    assert_fits_a_phone(page)

    page.get_by_role("link", name="Printable receipt").click()
    expect(page.locator("[data-safe-harbor-compact]")).to_contain_text("lowest interest rate without risky features:")
    expect(page.locator("[data-higher-priced-offer]").first).to_contain_text("Higher-priced mortgage loan:")
    page.emulate_media(media="print")
    assert printed_pages(page) == 1


def test_without_a_current_table_the_page_says_it_could_not_check(live_site: LiveSite, page: Page,
                                                                  apor_tables) -> None:  # noqa: F811
    apor_tables(kinds=())
    compare(page, live_site, points="2")
    expect(page.locator("[data-apor-warning]")).to_have_text(re.compile(
        r"^We could not check which offers are higher-priced mortgage loans: we have no table of average prime "
        r"offer rates for fixed-rate loans for \w+ \d+, \d{4}\.$"))
    expect(page.locator("[data-higher-priced-offer]")).to_have_count(0)
    expect(page.get_by_role("table", name="Loans whose rate cannot go up")).to_be_visible()
    assert_accessible(page)
