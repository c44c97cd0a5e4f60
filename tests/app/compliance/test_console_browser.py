"""The console in Debian's Chromium under the site's CSP: the report charts are drawn by the
vendored Chart.js with no policy violation; an officer filters the log, opens an entry, replays it
and verifies the whole log. Screenshots of each step at phone and desktop widths go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.comparison.api import run_comparison
from app.db import db
from app.products import get_product_line
from providers.registry import ProviderRegistry
from providers.sandbox.market import SandboxMarket
from tests.browser_support import LiveSite, screenshots
from tests.conftest import TEST_PASSWORD, add_user, make_app
from tests.factories import auto_profile, mortgage_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def console(tmp_path: Path, market: SandboxMarket, browser: Browser) -> Iterator[tuple[str, Page, list[int]]]:
    app = make_app(f"sqlite:///{tmp_path / 'compliance.sqlite3'}", market.provider_entries(), WTF_CSRF_ENABLED=True)
    add_user(app, "officer@example.com", "compliance")
    registry = ProviderRegistry.from_entries(market.provider_entries())
    indices = []
    with app.app_context():
        for product, profile in (("auto", auto_profile()), ("auto", auto_profile()), ("auto", auto_profile()),
                                 ("mortgage", mortgage_profile())):
            indices.append(run_comparison(db.session, registry, get_product_line(product), profile,
                                          preferences={}, channel="web", deadline_s=2.0).index)
            db.session.commit()
    registry.close()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        with LiveSite(app) as site:
            yield site.url, context.new_page(), indices
    finally:
        context.close()
        with app.app_context():
            db.engine.dispose()


def test_an_officer_filters_opens_replays_and_verifies(console: tuple[str, Page, list[int]]) -> None:
    url, page, indices = console
    problems: list[str] = []
    # Chromium asks for /favicon.ico on its own; the site has none, and that 404 is not ours to judge.
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "officer@example.com")
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(f"{url}/compliance/reports")
    # Polled from here: wait_for_function would evaluate its expression with eval inside the
    # page, which the page's own CSP (rightly) forbids.
    drawn = 0
    for _ in range(100):
        drawn = page.evaluate("window.Chart ? Object.keys(window.Chart.instances).length : 0")
        if drawn >= 7:
            break
        page.wait_for_timeout(100)
    assert drawn >= 7, f"only {drawn} of 7 charts were drawn"
    screenshots(page, "compliance-reports")

    page.get_by_role("link", name="Entries").click()
    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(4)
    screenshots(page, "compliance-entries")
    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("Product").select_option(label="Mortgage")
    filters.get_by_label("Channel").select_option("web")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    assert "product=mortgage" in page.url and "channel=web" in page.url
    expect(rows.first).to_contain_text("Mortgage")
    screenshots(page, "compliance-entries-filtered")

    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=f"Entry {indices[3]}: recommendation", exact=False)).to_be_visible()
    for step in ("Asked", "Answered", "Excluded", "Ranked", "Shown", "Decided"):
        expect(page.get_by_role("heading", name=step, exact=False)).to_be_visible()
    expect(page.locator(".proof-badge").first).to_be_visible()
    screenshots(page, "compliance-entry")
    page.get_by_role("button", name="Replay this recommendation").click()
    expect(page.get_by_text("Identical.")).to_be_visible()
    screenshots(page, "compliance-entry-replayed")

    page.get_by_role("link", name="Integrity").click()
    page.get_by_role("button", name="Verify the whole log now").click()
    badge = page.locator(".proof-badge")
    expect(badge).to_contain_text("Intact")
    expect(badge).to_contain_text(re.compile(r"Intact: (\d+) entries of \1,"))  # every entry checked
    screenshots(page, "compliance-integrity-verified")
    assert problems == []
