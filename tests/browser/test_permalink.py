"""Keep and return (UX.md, DESIGN.md invariant 10) in a real Chromium: the results page's permalink
opens the same results and receipt in a fresh browser with no session, ranks again there, copies
to the clipboard, and its secret never reaches a log line (app logs and the access log)."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import DESKTOP, assert_accessible, rerank_in_place, screenshots

pytestmark = pytest.mark.browser


def shown_results(page: Page) -> dict[str, object]:
    """What a shopper reads: reference, entry, best fit, the order of offers and the notice."""
    notice = page.locator("[data-house-notice]")
    return {
        "reference": page.locator("[data-reference]").first.inner_text(),
        "entry": page.locator("[data-entry-index]").inner_text(),
        "top": page.locator("[data-top-provider]").inner_text(),
        "order": page.locator("table.ranking tbody tr[data-provider]").evaluate_all(
            "rows => rows.map(row => row.dataset.provider + ' ' + row.innerText)"),
        "notice": notice.inner_text() if notice.count() else None,
    }


def test_the_permalink_opens_the_same_results_in_a_fresh_browser(live_site, page: Page, browser: Browser, caplog):
    caplog.set_level(logging.DEBUG)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    original = shown_results(page)

    link = page.locator('a[rel="bookmark"]')
    address = link.get_attribute("href")
    assert address and address.startswith(f"{live_site.url}/r/{original['reference']}/")
    secret = address.rsplit("/", 1)[1]
    expect(link).to_have_text(address)  # without JavaScript: there to select and copy
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("[data-copy-status]")).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == address
    mailto = page.get_by_role("link", name="Email to myself").get_attribute("href")
    assert mailto and mailto.startswith("mailto:?subject=") and address in unquote(mailto)
    assert_accessible(page)
    screenshots(page, "shopper-auto-keep")

    fresh = browser.new_context(viewport=DESKTOP)
    try:
        elsewhere = fresh.new_page()
        elsewhere.goto(address)
        expect(elsewhere.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
        assert shown_results(elsewhere) == original
        elsewhere.get_by_role("link", name="Printable receipt").click()
        expect(elsewhere.locator("[data-reference]")).to_have_text(str(original["reference"]))
        expect(elsewhere.locator("table.ranking")).to_be_visible()
        elsewhere.go_back()
        rerank_in_place(elsewhere, live_site, str(original["reference"]), preset="Service counts more",
                        slider="Claims satisfaction")
        wrong = elsewhere.goto(address[:-1] + ("A" if address[-1] != "A" else "B"))
        assert wrong is not None and wrong.status == 404
    finally:
        fresh.close()

    logged = [record for record in caplog.records]
    assert any(record.name == "candor.access" and "/r/" in record.getMessage() for record in logged), \
        "the access log was not captured, so its lines were not checked"
    assert not [record.getMessage() for record in logged if secret in record.getMessage()]
    assert secret not in caplog.text
