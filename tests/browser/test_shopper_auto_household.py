"""A household of three drivers and two cars in a real Chromium: the shopper fills it in (the VIN
fills in the second car's year and maker, the model list follows the make), reads each insurer's
discounts beside its price and the insurer without the cover they chose set aside, the log entry
replays identically; a half-filled driver and limits under the state's minimum are told field by
field; and an advisor keys the same household with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    PHONE,
    LiveSite,
    assert_accessible,
    assert_fits_a_phone,
    printed_pages,
    screenshots,
    sign_in,
)
from tests.browser.test_layout import MOST_PHONE_HEIGHT, PHONE_SCREEN
from tests.conftest import add_user

pytestmark = pytest.mark.browser


def fill_primary(page: Page) -> None:
    page.get_by_label("Date of birth", exact=True).fill("1979-09-30")
    page.get_by_label("Years you have held a licence").fill("26")
    page.get_by_label("ZIP code where the car is kept").fill("75201")
    page.get_by_label("State").select_option("TX")
    page.get_by_label("Model year", exact=True).fill("2021")
    page.get_by_label("Make", exact=True).fill("Honda")
    page.get_by_label("Model", exact=True).fill("CR-V")
    page.get_by_label("Trim", exact=True).fill("EX")
    page.get_by_label("What the car is worth (USD)").fill("24000")


def fill_household(page: Page) -> None:
    page.get_by_text("Other drivers (up to 5 more)").click()
    page.get_by_label("Driver 2: date of birth").fill("1981-02-14")
    page.get_by_label("Driver 2: years licensed").fill("22")
    page.get_by_label("Driver 2: at-fault accidents, 5 years").fill("1")
    page.get_by_label("Driver 2: violations, 5 years").fill("0")
    page.get_by_label("Driver 3: date of birth").fill("2008-06-01")
    page.get_by_label("Driver 3: years licensed").fill("1")
    page.get_by_label("Driver 3: at-fault accidents, 5 years").fill("0")
    page.get_by_label("Driver 3: violations, 5 years").fill("1")
    page.get_by_label("Driver 3: car usually driven").select_option("2")
    page.get_by_text("Other cars (up to 5 more)").click()
    page.get_by_label("Car 2: VIN").press_sequentially("2T1BU4EEXCC123453")
    # The script read the VIN: its model year and maker, and says it cannot tell the model.
    expect(page.get_by_label("Car 2: model year")).to_have_value("2012")
    expect(page.get_by_label("Car 2: make")).to_have_value("Toyota")
    expect(page.locator("#vehicles-1-vin-decoded")).to_contain_text("does not tell the model or trim")
    page.get_by_label("Car 2: model", exact=True).fill("Corolla")
    page.get_by_label("Car 2: miles a year").fill("6000")
    page.get_by_label("Car 2: main use").select_option("pleasure")
    page.get_by_label("A rental car while yours is repaired?").select_option("yes")
    page.get_by_label("Multi-policy").check()
    page.get_by_label("Good student (a driver under 25)").check()


def test_a_household_of_three_drivers_and_two_cars_is_compared_and_replays(live_site: LiveSite, page: Page) -> None:
    page.goto(f"{live_site.url}/compare/auto")
    fill_primary(page)
    page.get_by_label("Make", exact=True).dispatch_event("change")
    # The model suggestions follow the make and year, from the vehicle list.
    expect(page.locator("#vehicles-0-models option[value='Civic']")).to_have_count(1)
    fill_household(page)
    assert_accessible(page)  # with both groups open and the VIN's note shown
    screenshots(page, "shopper-auto-household-form")
    page.get_by_role("button", name="Compare quotes").click()

    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    reference = page.locator("[data-reference]").first.inner_text()
    expect(page.locator("table.ranking tbody tr[data-provider]").first).to_be_visible()
    expect(page.locator("table.ranking").first).to_contain_text("discounts applied: multi-policy")
    expect(page.get_by_text("does not include rental car cover, which you asked for").first).to_be_attached()
    expect(page.get_by_text("driver 3: born 2008").first).to_be_attached()
    assert_accessible(page)
    screenshots(page, "shopper-auto-household-results")
    page.set_viewport_size(PHONE)
    assert_fits_a_phone(page)
    page.set_viewport_size(PHONE_SCREEN)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MOST_PHONE_HEIGHT, f"the household's results are {height}px tall on a phone"

    page.get_by_role("link", name="Printable receipt").click()
    expect(page.locator("[data-reference]")).to_have_text(reference)
    page.emulate_media(media="print")
    assert printed_pages(page) == 1, "the household's receipt does not print on one page"

    replayed = live_site.app.test_cli_runner().invoke(args=["audit", "replay", reference])
    assert replayed.exit_code == 0, replayed.output
    assert "identical" in replayed.output


def test_a_half_filled_driver_and_limits_under_the_state_minimum_are_told_field_by_field(live_site: LiveSite,
                                                                                         page: Page) -> None:
    page.goto(f"{live_site.url}/compare/auto")
    fill_primary(page)
    page.get_by_label("Liability limits").select_option("25/50/25")
    page.get_by_text("Other drivers (up to 5 more)").click()
    page.get_by_label("Driver 2: years licensed").fill("3")
    page.get_by_role("button", name="Compare quotes").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Texas requires at least 30/60/25")
    expect(summary).to_contain_text("Driver 2: date of birth: Enter this driver's date of birth.")
    expect(page.locator("#liability_limits-error")).to_contain_text("Texas requires at least 30/60/25")
    summary.get_by_role("link", name=re.compile("^Driver 2: date of birth")).click()
    expect(page.get_by_label("Driver 2: date of birth")).to_be_focused()  # its group opened again
    screenshots(page, "shopper-auto-household-errors")


def press_tab_until(page: Page, script: str, most: int = 40) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(script):
            return
    pytest.fail(f"{most} presses of Tab did not reach what {script} looks for")


def tab_to(page: Page, name: str) -> None:
    press_tab_until(page, f"document.activeElement.name === {name!r}")


def test_an_advisor_keys_the_household_with_the_keyboard_alone(live_site: LiveSite, browser: Browser) -> None:
    add_user(live_site.app, "household@example.com", "advisor")
    context = browser.new_context(viewport={"width": 1366, "height": 657})
    page = context.new_page()
    try:
        sign_in(page, live_site.url, "household@example.com")
        page.goto(f"{live_site.url}/advisor/calls/new/auto")
        page.locator("[name=driver_birth_date]").focus()
        page.keyboard.type("09301979")  # month first, as an en-US date input takes it
        for name, answer in (("zip_code", "75201"), ("state", "TX"), ("vehicle_year", "2021"), ("vehicle_make", "Honda"),
                             ("vehicle_model", "CR-V"), ("vehicle_value", "24000")):
            tab_to(page, name)
            page.keyboard.type(answer)
        press_tab_until(page, "document.activeElement.tagName === 'SUMMARY' && /Other drivers/.test(document.activeElement.textContent)")
        page.keyboard.press("Enter")
        for name, answer in (("drivers-1-birth_date", "02141981"), ("drivers-1-years_licensed", "22"),
                             ("drivers-1-at_fault_accidents_5y", "0"), ("drivers-1-violations_5y", "0"),
                             ("drivers-2-birth_date", "06012008"), ("drivers-2-years_licensed", "1"),
                             ("drivers-2-at_fault_accidents_5y", "0"), ("drivers-2-violations_5y", "0"),
                             ("drivers-2-vehicle", "Car 2")):
            tab_to(page, name)
            page.keyboard.type(answer)
        press_tab_until(page, "document.activeElement.tagName === 'SUMMARY' && /Other cars/.test(document.activeElement.textContent)")
        page.keyboard.press("Enter")
        for name, answer in (("vehicles-1-year", "2012"), ("vehicles-1-make", "Toyota"), ("vehicles-1-model", "Corolla"),
                             ("vehicles-1-value", "7000"), ("vehicles-1-annual_mileage", "6000")):
            tab_to(page, name)
            page.keyboard.type(answer)
        screenshots(page, "advisor-auto-household-form")
        page.keyboard.press("Alt+R")
        page.wait_for_url("**/advisor/calls/CND-*")
        expect(page.locator(".caller-summary")).to_contain_text("driver 3: born 2008")
        expect(page.locator(".caller-summary")).to_contain_text("car 2: 2012 Toyota Corolla")
        # The rate-page insurer's price is for one driver in one car: set aside, not ranked.
        expect(page.locator("tr[data-provider=lighthouse]")).to_have_count(0)
        expect(page.get_by_text("Lighthouse Insurance: It does not say it rates all 3 drivers")).to_be_visible()
        screenshots(page, "advisor-auto-household-call")
    finally:
        context.close()
