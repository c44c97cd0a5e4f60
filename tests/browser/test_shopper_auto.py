"""The shopper's journey in a real Chromium: fill the form by keyboard, read the ranking, print the
receipt; screenshots of each step at phone and desktop widths in test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import open_every_disclosure, printed_pages, screenshots

pytestmark = pytest.mark.browser


def fill_profile(page: Page) -> None:
    page.get_by_label("Date of birth", exact=True).fill("1999-03-14")
    page.get_by_label("Years you have held a licence").fill("4")
    page.get_by_label("At-fault accidents in the last 5 years").fill("1")
    page.get_by_label("ZIP code where the car is kept").fill("10001")
    page.get_by_label("State").select_option("NY")
    page.get_by_label("Model year", exact=True).fill("2021")
    page.get_by_label("Make", exact=True).fill("Honda")
    page.get_by_label("Model", exact=True).fill("Civic")
    page.get_by_label("What the car is worth (USD)").fill("21000")
    page.get_by_label("Miles driven a year").fill("15000")


def test_a_shopper_compares_and_reads_the_ranking(live_site, page):
    page.goto(live_site.url)
    screenshots(page, "shopper-landing")
    page.get_by_role("link", name="Auto insurance", exact=True).click()
    expect(page.get_by_role("heading", name="Compare auto insurance")).to_be_visible()
    screenshots(page, "shopper-auto-form")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()

    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    reference = page.locator("[data-reference]").first.inner_text()
    assert re.fullmatch(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    rows = page.locator("table.ranking tbody tr[data-provider]")
    assert rows.count() >= 3
    first_provider = rows.first.get_attribute("data-provider")
    top = page.locator("[data-top-provider]").inner_text()
    assert top
    if first_provider != "harbor":
        notice = page.locator("[data-house-notice]")
        expect(notice).to_contain_text(f"{top} fits you better than our offer")
    expect(page.get_by_text("Our offer").first).to_be_visible()
    screenshots(page, "shopper-auto-results")

    page.get_by_role("link", name="Printable receipt").click()
    expect(page.locator("[data-reference]")).to_have_text(reference)
    screenshots(page, "shopper-auto-receipt")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("table.ranking")).to_be_visible()
    assert printed_pages(page) == 1, "the receipt does not print on one page"


def tab_to(page: Page, field_id: str, most: int = 3) -> None:
    """Tab forward as a keyboard user would; a date input's calendar button may take one stop."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == field_id:
            return
    raise AssertionError(f"{field_id} is not reached by Tab in form order")


def test_the_form_can_be_completed_by_keyboard_alone(live_site, page):
    page.goto(f"{live_site.url}/compare/auto")
    page.keyboard.press("Tab")  # skip link
    tab_to(page, "driver_birth_date", most=12)
    page.keyboard.type("03141990")  # Chromium's date input takes digits in locale order (en-US: mm dd yyyy)
    answers = [
        ("years_licensed", "10"), ("at_fault_accidents_5y", "0"), ("violations_5y", "0"),
        ("continuous_cover", None), ("zip_code", "94110"), ("state", "CA"), ("vehicle_year", "2018"),
        ("vehicle_make", "Ford"), ("vehicle_model", "Focus"), ("vehicle_value", "9000"),
        ("annual_mileage", "8000"),
    ]
    for field_id, value in answers:
        tab_to(page, field_id)
        if value is not None:
            page.keyboard.press("Control+A")
            page.keyboard.type(value)
    page.get_by_role("button", name="Compare quotes").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    expect(page.locator("[data-top-provider]")).not_to_be_empty()


def test_errors_are_summarised_with_links_to_the_fields(live_site, page):
    page.goto(f"{live_site.url}/compare/auto")
    page.get_by_role("button", name="Compare quotes").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name=re.compile("^ZIP code")).click()
    expect(page.get_by_label("ZIP code where the car is kept")).to_be_focused()
    screenshots(page, "shopper-auto-form-errors")


def test_results_read_as_cards_on_a_phone(live_site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{live_site.url}/compare/auto")
    fill_profile(phone)
    phone.get_by_role("button", name="Compare quotes").click()
    expect(phone.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    open_every_disclosure(phone)  # the widest state: every explanation open
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px wide)"
    context.close()
