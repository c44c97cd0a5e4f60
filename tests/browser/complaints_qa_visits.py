"""The accessibility check's visits to the complaint and QA pages (tests/browser/test_accessibility.py
lists them): each reaches its state by itself, through the pages, whatever ran before."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.db import db
from app.quality.models import QaReview


def _complaint(world: Any) -> str:
    """A complaint raised by the shopper through their results page; its number."""
    if "complaint" not in world.refs:
        shopper = world.page_for("shopper")
        shopper.goto(f"{world.url}/results/{world.refs['auto']}/complaint")
        shopper.get_by_label("Service").check()
        shopper.get_by_label("What went wrong").fill("The page was slow to load on my phone.")
        shopper.get_by_role("button", name="Send complaint").click()
        world.refs["complaint"] = shopper.locator("[data-complaint-id]").inner_text()
        world.refs["complaint_raised"] = shopper.url.split(world.url, 1)[1]
    return world.refs["complaint"]


def complaint_raised(page: Page, world: Any) -> None:
    _complaint(world)
    page.goto(world.url + world.refs["complaint_raised"])
    expect(page.locator("[data-complaint-id]")).to_be_visible()


def complaint_queue(page: Page, world: Any) -> None:
    _complaint(world)
    page.goto(f"{world.url}/compliance/complaints")
    expect(page.locator("table.complaints")).to_be_visible()


def complaint_detail(page: Page, world: Any) -> None:
    page.goto(f"{world.url}/compliance/complaints/{_complaint(world)}")
    expect(page.locator("[data-event]").first).to_be_visible()


def complaint_resolution_refused(page: Page, world: Any) -> None:
    complaint_detail(page, world)
    page.get_by_label("Redress paid (USD, optional)").fill("lots")
    page.get_by_role("button", name="Resolve complaint").click()
    expect(page.locator("#error-summary")).to_be_visible()


def complaints_report(page: Page, world: Any) -> None:
    from tests.browser.test_accessibility import wait_for_charts  # noqa: PLC0415  (that module imports this one)

    _complaint(world)
    page.goto(f"{world.url}/compliance/complaints/report")
    wait_for_charts(page, 2)


def _drawn_override(page: Page, world: Any) -> int:
    """The override call of the log, drawn for review (overrides are always drawn); its decision index."""
    with world.site.app.app_context():
        drawn = db.session.scalar(sa.select(QaReview.decision_index).where(
            QaReview.reference == world.refs["override_call"]))
    if drawn is None:
        page.goto(f"{world.url}/compliance/quality/")
        page.get_by_role("button", name="Draw from new calls").click()
        expect(page.get_by_text(re.compile(r"drawn for review"))).to_be_visible()
        return _drawn_override(page, world)
    return int(drawn)


def quality_queue(page: Page, world: Any) -> None:
    _drawn_override(page, world)
    page.goto(f"{world.url}/compliance/quality/")
    expect(page.get_by_role("link", name=world.refs["override_call"])).to_be_visible()


def quality_review(page: Page, world: Any) -> None:
    page.goto(f"{world.url}/compliance/quality/calls/{_drawn_override(page, world)}")
    expect(page.locator("[data-script]")).to_be_visible()


def quality_review_refused(page: Page, world: Any) -> None:
    quality_review(page, world)
    page.get_by_role("button", name="Record review").click()
    expect(page.locator("#error-summary")).to_be_visible()


def quality_replayed(page: Page, world: Any) -> None:
    quality_review(page, world)
    page.get_by_role("button", name="Replay the recommendation").click()
    expect(page.locator("[data-replay]")).to_be_visible()


def quality_report(page: Page, world: Any) -> None:
    from tests.browser.test_accessibility import wait_for_charts  # noqa: PLC0415  (that module imports this one)

    _drawn_override(page, world)
    page.goto(f"{world.url}/compliance/quality/report")
    wait_for_charts(page, 1)
