"""Closing costs in the Loan Estimate's sections in a real Chromium: each top offer's sections folded
under its totals, whose each figure is, and a buyer changing our assumptions and seeing the totals
move — only where a figure is ours, never where it is the lender's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_shopper_mortgage import fill_mortgage
from tests.browser_support import LiveSite, assert_accessible, screenshots

pytestmark = pytest.mark.browser


def amount(locator: Locator) -> Decimal:
    return Decimal(re.sub(r"[$,]", "", locator.inner_text()))


def totals(page: Page) -> dict[str, tuple[Decimal, Decimal, str]]:
    """Per offer shown: total closing costs, cash to close, the sections that are the lender's."""
    shown = {}
    for offer in page.locator("[data-closing-costs-offer]").all():
        name = offer.locator("summary").inner_text().split(":")[0]
        shown[name] = (amount(offer.locator("[data-closing-total]")), amount(offer.locator("[data-cash-to-close]")),
                       offer.get_attribute("data-lender-sections") or "")
    return shown


def test_a_buyer_changes_an_assumption_and_sees_the_closing_costs_move(live_site: LiveSite, page: Page) -> None:
    page.goto(f"{live_site.url}/compare/mortgage")
    fill_mortgage(page, years_expected="7")
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your mortgage comparison")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Your closing costs, as a Loan Estimate shows them")).to_be_visible()
    before = totals(page)
    assert len(before) == 3
    # The sandbox's house itemises its services and recording fees; Bluebird leaves them to us.
    assert {lender for *_, lender in before.values()} >= {""}
    first = page.locator("[data-closing-costs-offer]").first
    first.locator("summary").click()
    table = first.get_by_role("region")
    expect(table.locator("tbody[data-section=A]")).to_contain_text("lender’s figure")
    expect(table.locator("tbody[data-section=F]")).to_contain_text("our assumption")
    J = amount(table.locator("[data-total-closing-costs]"))
    sections = sum(amount(row.locator("td.num")) for row in table.locator("tr.section-row").all())
    assert sections == J == before[page.locator("[data-closing-costs-offer] summary").first.inner_text().split(":")[0]][0]
    screenshots(page, "mortgage-closing-costs")
    assert_accessible(page)

    # A larger deposit and a dearer appraisal: the cash to close falls by the deposit for every offer;
    # the appraisal moves the closing costs only of offers whose services are our assumption.
    page.get_by_label("Deposit you have paid").fill("10,000")
    page.get_by_label("Appraisal").fill("900")
    page.get_by_role("button", name="Work it out again").click()
    expect(page.get_by_text("Our assumptions (yours)")).to_be_visible()
    after = totals(page)
    assert after.keys() == before.keys()
    for name, (total, cash, lender) in before.items():
        moved = Decimal(0) if "B" in lender else Decimal(300)
        assert after[name][0] == total + moved, name
        assert after[name][1] == cash + moved - Decimal(10000), name

    # A figure out of range is named next to its field; the comparison's own is used for it, the buyer's others kept.
    page.get_by_label("Initial escrow").fill("40")
    page.get_by_role("button", name="Work it out again").click()
    expect(page.locator("#assume-escrow_months-error")).to_have_text(
        "Initial escrow: enter a figure from 0 to 12 (months of property tax and home insurance).")
    expect(page.get_by_label("Initial escrow")).to_have_attribute("aria-invalid", "true")
    assert totals(page) == after
