"""The console in Debian's Chromium at 1366×768: the whole new-call form on one screen, and calls
taken from start to recorded outcome with the keyboard alone — the top pick, and an override with
its reason. Screenshots of each step at phone and desktop widths go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from providers.sandbox.market import SandboxMarket
from tests.browser_support import LiveSite, running_site, screenshots
from tests.conftest import TEST_PASSWORD, add_user

# A 1366×768 screen leaves about this much for the page under the browser's own bars.
VIEWPORT = {"width": 1366, "height": 657}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, market: SandboxMarket) -> Iterator[LiveSite]:
    with running_site(tmp_path_factory.mktemp("console") / "console.sqlite3", market) as running:
        add_user(running.app, "advisor@example.com", "advisor")
        yield running


@pytest.fixture
def console(site: LiveSite, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A signed-out browser of its own at the console's screen size, on the module's site."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield site.url, context.new_page()
    finally:
        context.close()


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


def key_a_call(page: Page, screenshot_as: str | None = None) -> None:
    """Alt+N, then the caller's answers in the order the form asks for them, Tab skipping the fields
    whose defaults are right, then Alt+R; ends on the call's page. The filled form is screenshot
    under the name given."""
    page.keyboard.press("Alt+N")
    page.wait_for_url("**/advisor/calls/new/auto")
    run = page.locator("button[data-shortcut=r]").bounding_box()
    assert run is not None and run["y"] + run["height"] <= VIEWPORT["height"], "the form does not fit one screen"
    # The form autofocuses its first field, but Chromium skips autofocus in a tab that is not in
    # front, and the tests share one browser: the first field is focused here, the rest is keyboard.
    page.locator("[name=driver_birth_date]").focus()
    page.keyboard.type("04121988")  # an en-US date input takes its digits month first
    for name, answer in (("zip_code", "94110"), ("state", "CA"), ("vehicle_year", "2019"), ("vehicle_make", "Toyota"),
                         ("vehicle_model", "Corolla"), ("vehicle_value", "16500")):
        tab_to(page, name)
        page.keyboard.type(answer)
    if screenshot_as:
        screenshots(page, screenshot_as)
    page.keyboard.press("Alt+R")
    page.wait_for_url("**/advisor/calls/CND-*")
    expect(page.locator(".script")).to_be_visible()
    assert page.locator("table.ranking tbody tr[data-provider]").count() >= 3


def test_a_call_from_new_call_to_recorded_outcome_with_the_keyboard_alone(console: tuple[str, Page]) -> None:
    url, page = console
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    sign_in(url, page)
    key_a_call(page)

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


def test_an_override_is_recorded_with_its_reason_by_keyboard(console: tuple[str, Page]) -> None:
    """The caller takes the offer ranked second: the advisor must give a reason and a note, and
    does it all from the keyboard; the form says what is missing first."""
    url, page = console
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    sign_in(url, page)
    screenshots(page, "advisor-console")
    key_a_call(page, screenshot_as="advisor-new-call")
    screenshots(page, "advisor-call")
    second = page.locator("table.ranking tbody tr[data-provider]").nth(1).locator("th").evaluate(
        "cell => cell.firstChild.textContent.trim()")  # the name, without an "Our offer" tag

    page.keyboard.press("Alt+O")
    assert page.evaluate("document.activeElement.name") == "choice"
    page.keyboard.press("ArrowDown")  # moves to, and chooses, the offer ranked second
    expect(page.locator("input[name=choice]").nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Record outcome"
    page.keyboard.press("Enter")  # no reason yet: refused, with the fields to fix
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#reason-error")).to_contain_text("choose the reason")
    expect(page.locator("#note-error")).to_contain_text("write a short note")
    screenshots(page, "advisor-outcome-errors")

    page.keyboard.press("Alt+O")
    assert page.evaluate("document.activeElement.name") == "choice"
    expect(page.locator("input[name=choice]").nth(1)).to_be_checked()  # the choice was kept
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("select[name=reason]")).to_have_value("existing_customer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "note"
    page.keyboard.type("Has home insurance with them already.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Record outcome"
    page.keyboard.press("Enter")

    outcome = page.locator("[data-outcome]")
    expect(outcome).to_contain_text(f"chose {second} (ranked 2)")
    expect(outcome).to_contain_text("Already a customer of the provider chosen")
    expect(outcome).to_contain_text("Has home insurance with them already.")
    screenshots(page, "advisor-outcome-recorded")
    page.get_by_role("link", name="Printable summary for the caller").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-outcome]")).to_contain_text(f"You chose the offer from {second}, ranked 2.")
    screenshots(page, "advisor-summary")
    assert script_errors == []
