"""Progress while waiting, in a real Chromium: providers change state as they answer, then the
results open by themselves; without JavaScript the same page reads top to bottom and links on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.browser_support import LiveSite, screenshot, screenshots
from tests.browser.test_shopper_auto import fill_profile
from tests.conftest import make_app

pytestmark = pytest.mark.browser
SLOW_S = 1.0


@pytest.fixture
def slow_site(tmp_path: Path) -> Iterator[LiveSite]:
    """A market whose Tortoise & Co takes its time, so there is progress to watch."""
    with SandboxMarket(overrides={"tortoise": {"latency_s": SLOW_S}}) as market:
        app = make_app(f"sqlite:///{tmp_path / 'progress.sqlite3'}", market.provider_entries(),
                       WTF_CSRF_ENABLED=True, CANDOR_COMPARISON_DEADLINE_S=4.0)
        with LiveSite(app) as site:
            yield site
        with app.app_context():
            db.engine.dispose()


def test_the_shopper_watches_providers_answer_and_lands_on_the_results(slow_site: LiveSite, page: Page) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.goto(f"{slow_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()

    expect(page.get_by_role("heading", name=re.compile(r"Asking \d+ providers for quotes"))).to_be_visible()
    states = page.locator("[data-progress-states]")
    expect(states).to_be_visible()
    expect(states.locator('li[data-provider="harbor"] [data-state]')).to_have_text("answered")
    # Harbor has answered while Tortoise is still being asked, and the count says how many are in.
    expect(states.locator('li[data-provider="tortoise"] [data-state]')).to_have_text("asking…")
    expect(page.locator("[data-progress-count]")).to_contain_text(re.compile(r"\d+ of \d+ answered"))
    expect(page.locator("[data-progress-log]")).to_be_hidden()
    screenshots(page, "shopper-progress")

    page.wait_for_url(re.compile(r"/results/CND-[0-9A-Z]{4}-[0-9A-Z]{4}$"), timeout=15_000)
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    assert problems == [], f"the page's script failed or was blocked: {problems}"


def test_without_javascript_the_lines_and_the_link_are_there(slow_site: LiveSite, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{slow_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    link = page.get_by_role("link", name="See your results")
    expect(link).to_be_visible(timeout=15_000)
    expect(page.locator("[data-progress-log] li")).to_have_count(8)
    expect(page.get_by_text(re.compile(r"Tortoise & Co answered\. \d+ of 8 answered\."))).to_be_visible()
    screenshot(page, "shopper-progress-no-js-phone")
    link.click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    context.close()
