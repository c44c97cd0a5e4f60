"""axe-core finds no serious or critical violation on the shopper's pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_shopper_auto import fill_profile

pytestmark = pytest.mark.browser
axe = Axe()
BLOCKING = {"serious", "critical"}


def assert_accessible(page: Page) -> None:
    results = axe.run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


@pytest.mark.parametrize("path", ["/", "/compare/auto", "/methodology/auto", "/no-such-page"])
def test_static_pages(live_site, page, path):
    page.goto(f"{live_site.url}{path}")
    assert_accessible(page)


def test_form_with_errors_results_and_receipt(live_site, page):
    page.goto(f"{live_site.url}/compare/auto")
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")
    assert_accessible(page)
    page.get_by_role("link", name="Printable receipt").click()
    assert_accessible(page)


def test_the_checker_really_catches_violations(page):
    page.set_content('<html lang="en"><body><main><img src="x.png"><input type="text"></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
