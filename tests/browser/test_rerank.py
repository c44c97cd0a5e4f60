"""Re-ranking in place in a real Chromium: no page load, the live region says what changed, and
every new ranking is in the log. (The server side is tested in tests/app/shop/test_rerank.py.)"""

import pytest
from playwright.sync_api import expect

from tests.browser_support import rerank_in_place, screenshots
from tests.browser.test_shopper_auto import fill_profile

pytestmark = pytest.mark.browser


def test_in_a_browser_presets_and_sliders_re_rank_in_place(live_site, page):
    """With JavaScript the page is not reloaded: a marker set on the page survives each new ranking,
    the live region says what happened, and every ranking is in the log."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    reference = page.locator("[data-reference]").first.inner_text()

    rerank_in_place(page, live_site, reference, preset="Service counts more", slider="Claims satisfaction")
    expect(page.locator("output[data-share-of='weight-claims_satisfaction']")).to_contain_text("weight 100")
    assert not problems, problems
    screenshots(page, "shopper-auto-reranked")
