"""In a real Chromium: the state fills itself in from the ZIP code as the shopper types, a state the
shopper chose stands (and the server says when it does not match), and from the results "Change
your answers" and "Get fresh quotes" lead to new comparisons that say what they replace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import LiveSite

pytestmark = pytest.mark.browser


def test_the_state_fills_itself_in_from_the_zip_code_unless_the_shopper_chose_one(live_site: LiveSite,
                                                                                  page: Page) -> None:
    page.goto(f"{live_site.url}/compare/auto")
    zip_code, state = page.get_by_label("ZIP code where the car is kept"), page.get_by_label("State")
    zip_code.press_sequentially("10001")
    expect(state).to_have_value("NY")
    zip_code.fill("")
    zip_code.press_sequentially("941")
    expect(state).to_have_value("CA")  # filled by us, so it follows the ZIP code

    page.goto(f"{live_site.url}/compare/auto")
    fill_profile(page)
    state.select_option("CA")  # the shopper's own choice
    zip_code.fill("")
    zip_code.press_sequentially("80203")
    page.wait_for_timeout(200)
    expect(state).to_have_value("CA")
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.locator("#zip_code-error")).to_contain_text("ZIP code 80203 is in CO, not CA.")


def reference_on(page: Page) -> str:
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    return page.locator("[data-reference]").first.inner_text()


def test_change_your_answers_and_get_fresh_quotes_from_the_results(live_site: LiveSite, page: Page) -> None:
    page.goto(f"{live_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    first = reference_on(page)

    page.get_by_role("link", name="Change your answers").click()
    expect(page.get_by_role("heading", name="Change your answers")).to_be_visible()
    assert re.fullmatch(rf"{live_site.url}/results/{first}/change", page.url)  # nothing of the profile in it
    expect(page.get_by_label("Date of birth", exact=True)).to_have_value("1999-03-14")
    expect(page.get_by_label("ZIP code where the car is kept")).to_have_value("10001")
    expect(page.get_by_label("State")).to_have_value("NY")
    expect(page.get_by_label("Make", exact=True)).to_have_value("Honda")
    page.get_by_label("Model year", exact=True).fill("2017")
    page.get_by_role("button", name="Compare quotes").click()
    second = reference_on(page)
    assert second != first
    expect(page.locator("[data-replaces]")).to_have_text(f"This replaces your comparison {first}.")

    page.get_by_role("button", name="Get fresh quotes").click()
    third = reference_on(page)
    assert third not in (first, second)
    expect(page.locator("[data-replaces]")).to_have_text(f"This replaces your comparison {second}.")
    assert "10001" not in page.url and "1999" not in page.url
