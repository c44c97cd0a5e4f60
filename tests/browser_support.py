"""Browser-test support, loaded as a pytest plugin by tests/conftest.py: one Playwright and one
Chromium for the whole session (two sync Playwrights in one process clash), a live site on loopback,
axe-core checks, and screenshots at phone and desktop widths for people to look at."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from app.audit.models import AuditEntry
from app.db import db
from providers.sandbox.market import SandboxMarket
from serving.access_log import dev_request_handler
from tests.conftest import TEST_PASSWORD, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


_RUNNING: list[Browser] = []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per test process. A plug-in's conftest registers this fixture again (it imports
    it to run its tests on Candor's fixtures), and Playwright's sync API cannot start twice in one
    process, so a second registration shares the browser the first one started."""
    if _RUNNING:
        yield _RUNNING[0]
        return
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        _RUNNING.append(launched)
        try:
            yield launched
        finally:
            _RUNNING.clear()
            launched.close()


class LiveSite:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=dev_request_handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveSite:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@contextmanager
def running_site(database: Path, market: SandboxMarket, **overrides: Any) -> Iterator[LiveSite]:
    """A live site on its own SQLite file, CSRF on as in production; for fixtures of any scope."""
    app = make_app(f"sqlite:///{database}", market.provider_entries(), WTF_CSRF_ENABLED=True, **overrides)
    try:
        with LiveSite(app) as site:
            yield site
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_site(tmp_path: Path, market: SandboxMarket) -> Iterator[LiveSite]:
    with running_site(tmp_path / "browser.sqlite3", market) as site:
        yield site


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, site_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Signs in through the form. (It autofocuses its first field, but Chromium skips autofocus in a
    tab that is not in front, and the tests share one browser: the fields are filled by name.)"""
    page.goto(f"{site_url}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/login" in page.url:
        raise AssertionError(f"{username} could not sign in: {page.locator('main').inner_text()[:500]}")


def rerank_in_place(page: Page, site: LiveSite, reference: str, *, preset: str, slider: str) -> None:
    """Choose a preset, then push one criterion's slider to the end by keyboard: the page ranks
    again in place each time (the same document, focus kept on the slider), and the log holds the
    recommendation and both re-ranks under the reference."""
    page.evaluate("window.candorMarker = 'same page'")
    page.get_by_text("Change what matters to you").click()  # the control is folded away until asked for
    page.get_by_label(preset).check()
    expect(page.locator("[data-ranked-for]")).to_have_text(preset)
    expect(page.locator("[data-rerank-status]")).to_contain_text(f"Ranked again for {preset}. Best fit:")
    page.get_by_label(slider, exact=True).focus()
    page.keyboard.press("End")
    expect(page.locator("[data-ranked-for]")).to_have_text("your own weights")
    expect(page.get_by_label(slider, exact=True)).to_be_focused()
    assert page.evaluate("window.candorMarker") == "same page"
    with site.app.app_context():
        kinds = db.session.scalars(select(AuditEntry.kind).where(AuditEntry.reference == reference)
                                   .order_by(AuditEntry.index)).all()
    assert kinds == ["recommendation", "re-rank", "re-rank"]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_every_disclosure(page: Page) -> None:
    """Opens every <details>: the widest and longest state of a page, the one to measure and check."""
    for details in page.locator("details").all():
        details.evaluate("element => { element.open = true; }")


# The elements that reach past the right edge, by their box or by content overflowing it (a long
# word in a heading), not inside a box that scrolls, and holding nothing that does: the ones to fix.
STICKING_OUT = """width => {
  const reach = e => Math.max(e.getBoundingClientRect().right,
    getComputedStyle(e).overflowX === "visible" ? e.getBoundingClientRect().left + e.scrollWidth : 0);
  const clipped = e => e.parentElement && e.parentElement !== document.body
    && (getComputedStyle(e.parentElement).overflowX !== "visible" || clipped(e.parentElement));
  const out = [...document.body.querySelectorAll("*")].filter(e => reach(e) > width + 1 && !clipped(e));
  return out.filter(e => !out.some(inner => inner !== e && e.contains(inner))).slice(0, 5)
    .map(e => `<${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${typeof e.className === "string" && e.className.trim()
      ? "." + e.className.trim().split(/\\s+/).join(".") : ""}> to ${Math.round(reach(e))}px`);
}"""


NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def assert_fits_a_phone(page: Page) -> None:
    """The page, at the phone viewport it must already have, does not scroll sideways. Scripts that
    follow the width (Chart.js) redraw a few frames after a resize, so it is measured until it
    fits, for a while."""
    for _ in range(20):
        page.evaluate(NEXT_FRAMES)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width <= PHONE["width"]:
            return
        page.wait_for_timeout(50)
    culprits = page.evaluate(STICKING_OUT, PHONE["width"])
    raise AssertionError(f"{page.url} scrolls sideways on a phone: {width}px wide at {PHONE['width']}px; "
                         f"sticking out: {', '.join(culprits)}")


def screenshots(page: Page, name: str) -> None:
    """Writes NAME-phone.png (360 px wide) and NAME-desktop.png (1,280 px) of the page as it is, and
    fails if the page scrolls sideways at phone width (UX.md: phone width first). The page keeps
    the viewport it had."""
    before = page.viewport_size
    try:
        page.set_viewport_size(PHONE)
        try:
            assert_fits_a_phone(page)
        finally:  # the picture is most useful when the page does not fit
            screenshot(page, f"{name}-phone")
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"{name}-desktop")
    finally:
        if before is not None:
            page.set_viewport_size(before)


def printed_pages(page: Page) -> int:
    """How many US Letter pages the page prints on, with its print stylesheet."""
    pdf = page.pdf(format="Letter", prefer_css_page_size=True)
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = AXE.run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)
