"""In a real Chromium: from the results, “Continue with” an offer whose quote its insurer has since
withdrawn; Candor asks again, shows the new price beside the old before the shopper leaves, and
“Continue with … at the new price” takes them to the insurer's own page for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from providers.sandbox.market import SandboxMarket
from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import LiveSite, assert_accessible, running_site, screenshots
from tests.conftest import FAST_MARKET

pytestmark = pytest.mark.browser


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def drifting_site(tmp_path: Path) -> Iterator[tuple[LiveSite, Clock]]:
    clock = Clock()
    with SandboxMarket(overrides={**FAST_MARKET, "acme": {"requote_markup_percent": 10.0}}, clock=clock) as market:
        with running_site(tmp_path / "handoff.sqlite3", market) as site:
            yield site, clock


def test_continue_with_a_changed_quote_shows_the_change_then_lands_on_the_insurers_page(
        drifting_site: tuple[LiveSite, Clock], page: Page) -> None:
    site, clock = drifting_site
    page.goto(f"{site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    acme = page.locator("tr.offer[data-provider=acme]")
    shown_price = acme.locator("td.price").inner_text().split()[0]
    expect(acme.locator(".firmness")).to_have_text("Subject to checks")
    screenshots(page, "handoff-results")

    clock.offset = timedelta(hours=1)  # Acme withdraws its quote: its status now says expired
    page.locator("tr.offer[data-provider=acme] + tr.details-row summary").click()
    page.locator("tr.offer[data-provider=acme] + tr.details-row").get_by_role("button", name=re.compile(
        "^Continue with Acme Auto")).click()

    expect(page.get_by_role("heading", name="Acme Auto’s offer has changed")).to_be_visible()
    expect(page.locator("[data-before] td").first).to_have_text(shown_price)
    expect(page.locator("[data-price-change]")).to_contain_text("up by $")
    new_price = page.locator("[data-after] td").first.inner_text()
    assert new_price != shown_price
    assert_accessible(page)
    screenshots(page, "handoff-changed")

    page.get_by_role("button", name="Continue with Acme Auto at the new price").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Offer acme-[0-9a-f]+ from Acme Auto$"))).to_be_visible()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/offer/acme-[0-9a-f]+", page.url)
    expect(page.locator("[data-offer-status]")).to_contain_text("valid until")
    assert new_price.replace("$", "").replace(",", "") in page.content().replace(",", "")  # noqa: the premium it quoted


@pytest.fixture
def dearer_top_site(tmp_path: Path) -> Iterator[tuple[LiveSite, Clock]]:
    """Summit General — first for this driver — charges 20% more once its quote has lapsed."""
    clock = Clock()
    with SandboxMarket(overrides={**FAST_MARKET, "summit": {"requote_markup_percent": 20.0}}, clock=clock) as market:
        with running_site(tmp_path / "rerank.sqlite3", market) as site:
            yield site, clock


def test_a_changed_quote_says_who_now_fits_best_and_shows_the_updated_ranking(
        dearer_top_site: tuple[LiveSite, Clock], page: Page) -> None:
    site, clock = dearer_top_site
    page.goto(f"{site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    results_url = page.url
    expect(page.locator("tr.offer").first).to_have_attribute("data-provider", "summit")

    clock.offset = timedelta(hours=1)  # Summit's quote lapses on Summit's side; asked again, it is dearer
    page.locator(".top-card").get_by_role("button", name=re.compile("^Continue with Summit General")).click()
    expect(page.get_by_role("heading", name="Summit General’s offer has changed")).to_be_visible()
    sentence = page.locator("[data-rerank-sentence]").inner_text()
    assert re.fullmatch(
        r"With its new quote, Summit General now ranks \d+(st|nd|rd|th) of \d+ on “Balanced” \(it was 1st\)\. Now "
        r"\$[\d,]+\.\d\d a year dearer than (?P<name>[A-Z][\w ]+)’s \$[\d,]+\.\d\d — (?P=name) is now the best fit\.",
        sentence), sentence
    expect(page.get_by_role("button", name="Continue with Summit General at the new price")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "handoff-reranked")

    page.get_by_role("link", name="See the updated ranking").click()
    expect(page.get_by_role("heading", name="Updated ranking after Summit General’s new quote")).to_be_visible()
    expect(page.locator("[data-updated-note]")).to_contain_text("Updated after re-quote")
    rows = page.locator("[data-updated-ranking] tbody tr")
    assert rows.first.get_attribute("data-provider") != "summit"
    expect(page.locator("tr[data-requoted]")).to_have_attribute("data-provider", "summit")
    assert_accessible(page)
    screenshots(page, "handoff-updated-ranking")

    page.get_by_role("link", name="Back to your results as first ranked").click()
    assert page.url == results_url  # the comparison itself is as it was logged
    expect(page.locator("tr.offer").first).to_have_attribute("data-provider", "summit")
