"""The console in Debian's Chromium at 1366×768: the whole new-call form on one screen, and a call
taken from start to recorded outcome with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.browser_support import LiveSite
from tests.conftest import TEST_PASSWORD, add_user, make_app

# A 1366×768 screen leaves about this much for the page under the browser's own bars.
VIEWPORT = {"width": 1366, "height": 657}

pytestmark = pytest.mark.browser


@pytest.fixture
def console(tmp_path: Path, market: SandboxMarket, browser: Browser) -> Iterator[tuple[str, Page]]:
    app = make_app(f"sqlite:///{tmp_path / 'console.sqlite3'}", market.provider_entries(), WTF_CSRF_ENABLED=True)
    add_user(app, "advisor@example.com", "advisor")
    context = browser.new_context(viewport=VIEWPORT)
    try:
        with LiveSite(app) as site:
            yield site.url, context.new_page()
    finally:
        context.close()
        with app.app_context():
            db.engine.dispose()


def sign_in(url: str, page: Page) -> None:
    page.goto(f"{url}/login")
    # The form autofocuses this field, but Chromium skips autofocus in a tab that is not in front,
    # and the tests share one browser; the keyboard-only part under test is the console itself.
    page.locator("input[name=username]").focus()
    page.keyboard.type("advisor@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/advisor/")


def tab_to(page: Page, name: str, most: int = 8) -> None:
    """Presses Tab until the field has the focus; the field must come later in the tab order."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == name:
            return
    pytest.fail(f"{most} presses of Tab did not reach {name}")


def test_a_call_from_new_call_to_recorded_outcome_with_the_keyboard_alone(console: tuple[str, Page]) -> None:
    url, page = console
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    sign_in(url, page)

    page.keyboard.press("Alt+N")
    page.wait_for_url("**/advisor/calls/new/auto")
    run = page.locator("button[data-shortcut=r]").bounding_box()
    assert run is not None and run["y"] + run["height"] <= VIEWPORT["height"], "the form does not fit one screen"
    assert page.evaluate("document.activeElement.name") == "driver_birth_date"

    # The caller's answers in the order the form asks for them, Tab skipping the fields whose
    # defaults are right. (An en-US date input takes its digits month first.)
    page.keyboard.type("04121988")
    for name, answer in (("zip_code", "94110"), ("state", "CA"), ("vehicle_year", "2019"), ("vehicle_make", "Toyota"),
                         ("vehicle_model", "Corolla"), ("vehicle_value", "16500")):
        tab_to(page, name)
        page.keyboard.type(answer)
    page.keyboard.press("Alt+R")
    page.wait_for_url("**/advisor/calls/CND-*")
    assert page.locator(".script").is_visible()
    assert page.locator("table.ranking tbody tr[data-provider]").count() >= 3

    page.keyboard.press("Alt+O")
    assert page.evaluate("document.activeElement.name") == "choice"
    page.keyboard.press("Space")  # the top pick
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Record outcome"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-outcome]")
    assert "the top pick" in page.locator("[data-outcome]").inner_text()
    assert script_errors == []
