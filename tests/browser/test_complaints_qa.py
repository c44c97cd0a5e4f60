"""Both queues' whole lives in Chromium, through the pages, with CSRF on and axe checking every page
on the way: a shopper complains from their results; an officer assigns, notes and resolves it and
reads the root-cause report (its charts drawn); an advisor's override is drawn for review and
another officer reviews it against the checklist and reads the coverage report."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_accessibility import wait_for_charts
from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import DESKTOP, LiveSite, assert_accessible, running_site, sign_in
from tests.conftest import add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path, market) -> Iterator[LiveSite]:
    with running_site(tmp_path / "queues.sqlite3", market, CANDOR_QA_SHARE="0", CANDOR_QA_NEW_ADVISOR_SHARE="0",
                      CANDOR_QA_OVERRIDE_SHARE="1") as running:
        add_user(running.app, "officer@example.com", "compliance")
        add_user(running.app, "advisor@example.com", "advisor")
        yield running


@pytest.fixture
def contexts(browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    made = {who: browser.new_context(viewport=DESKTOP) for who in ("shopper", "officer", "advisor")}
    yield made
    for context in made.values():
        context.close()


def checked(page: Page) -> Page:
    assert_accessible(page)
    return page


def test_a_complaint_from_the_results_page_to_the_report(site: LiveSite, contexts: dict[str, BrowserContext]) -> None:
    shopper = contexts["shopper"].new_page()
    shopper.goto(f"{site.url}/compare/auto")
    fill_profile(shopper)
    shopper.get_by_role("button", name="Compare quotes").click()
    shopper.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
    reference = shopper.url.rsplit("/", 1)[-1]
    shopper.get_by_role("link", name="Raise a complaint").click()
    checked(shopper).get_by_role("button", name="Send complaint").click()
    expect(checked(shopper).locator("#error-summary")).to_contain_text("Choose what the complaint is about.")
    shopper.get_by_label("The price shown").check()
    shopper.get_by_label("What went wrong").fill("The insurer's own site quoted me $80 more.")
    shopper.get_by_role("button", name="Send complaint").click()
    complaint_id = checked(shopper).locator("[data-complaint-id]").inner_text()
    assert re.fullmatch(r"CMP-[0-9A-Z]{4}-[0-9A-Z]{4}", complaint_id)

    officer = contexts["officer"].new_page()
    sign_in(officer, site.url, "officer@example.com")
    officer.goto(f"{site.url}/compliance/")
    officer.get_by_role("link", name="Complaints").click()
    checked(officer).get_by_role("link", name=complaint_id).click()
    expect(officer.locator("blockquote").first).to_contain_text("quoted me $80 more")
    officer.get_by_label("Owner", exact=True).select_option(label="officer@example.com")
    officer.get_by_role("button", name="Assign").click()
    expect(officer.locator("[data-owner]")).to_have_text("officer@example.com")
    officer.get_by_label("Note", exact=True).fill("Asked the insurer for its quote log.")
    officer.get_by_role("button", name="Add note").click()
    officer.get_by_label("Upheld", exact=True).check()
    officer.get_by_label("Redress paid (USD, optional)").fill("eighty")
    officer.get_by_label("What was decided and why").fill("Their page showed a stale price.")
    officer.get_by_role("button", name="Resolve complaint").click()
    expect(checked(officer).locator("#error-summary")).to_contain_text("like 25.00")
    officer.get_by_label("Redress paid (USD, optional)").fill("80")
    officer.get_by_role("button", name="Resolve complaint").click()
    expect(checked(officer).locator("[data-status]")).to_contain_text("Upheld")
    expect(officer.locator("[data-status]")).to_contain_text("redress $80.00")
    assert officer.locator("[data-event]").evaluate_all("els => els.map(e => e.dataset.event)") == [
        "complaint-raised", "complaint-assigned", "complaint-noted", "complaint-resolved"]

    officer.goto(f"{site.url}/compliance/complaints/report")
    wait_for_charts(officer, 2)
    expect(checked(officer).locator("[data-total-complaints]")).to_contain_text("1 (")
    assert reference  # the comparison the complaint is about is the shopper's


def test_an_override_is_drawn_reviewed_and_reported(site: LiveSite, contexts: dict[str, BrowserContext]) -> None:
    advisor = contexts["advisor"].new_page()
    sign_in(advisor, site.url, "advisor@example.com")
    advisor.goto(f"{site.url}/advisor/calls/new/auto")
    fill_profile(advisor)
    advisor.get_by_role("button", name="Run comparison").click()
    advisor.wait_for_url(re.compile(r"/advisor/calls/CND-"), timeout=15_000)
    reference = advisor.url.rsplit("/", 1)[-1]
    advisor.locator("input[name=choice]").nth(1).check()
    advisor.get_by_label("Reason, when not the top pick").select_option(index=1)
    advisor.get_by_label("Note").fill("Already banks with this insurer.")
    advisor.get_by_role("button", name="Record outcome").click()
    expect(advisor.locator("[data-outcome]")).to_be_visible()
    advisor.get_by_role("link", name="Record a complaint").click()
    checked(advisor).get_by_label("The advice given").check()
    advisor.get_by_label("What went wrong").fill("Caller says the advisor rushed the disclosure.")
    advisor.get_by_role("button", name="Record complaint").click()
    expect(advisor.get_by_text(re.compile(r"Complaint CMP-.* recorded"))).to_be_visible()

    officer = contexts["officer"].new_page()
    sign_in(officer, site.url, "officer@example.com")
    officer.goto(f"{site.url}/compliance/quality/")
    expect(checked(officer).locator("[data-pending]")).to_contain_text("1 decided call has not")
    officer.get_by_role("button", name="Draw from new calls").click()
    checked(officer).get_by_role("link", name=reference).click()
    expect(officer.locator("[data-override]")).to_contain_text("Already banks with this insurer.")
    expect(officer.locator("[data-script]")).to_contain_text("never affects the ranking")
    officer.get_by_role("button", name="Replay the recommendation").click()
    expect(checked(officer).locator("[data-replay]")).to_contain_text("Identical.")
    officer.get_by_role("button", name="Record review").click()
    expect(checked(officer).locator("#error-summary")).to_contain_text("Answer this question.")
    for group in officer.locator("fieldset").all()[:-1]:  # every checklist question: yes
        group.get_by_label("Yes").check()
    officer.get_by_label("Needs coaching").check()
    officer.get_by_label("Comment for coaching (optional)").fill("Slow down on the commissions paragraph.")
    officer.get_by_role("button", name="Record review").click()
    expect(checked(officer).locator("[data-verdict]")).to_contain_text("Needs coaching")

    officer.goto(f"{site.url}/compliance/quality/report")
    wait_for_charts(officer, 1)
    row = checked(officer).locator("[data-by-advisor] tbody tr").first
    expect(row).to_contain_text("advisor@example.com")
    expect(row.locator("td").nth(3)).to_have_text("100.0%")
