"""axe-core finds no serious or critical violation on any page of the site, and no page scrolls
sideways at phone width. Every page a person can open is listed once in VISITS below, in the state
worth checking (forms with their errors, results with every explanation open, charts drawn);
test_every_page_of_the_site_is_checked fails when a new page is added to the site but not here.

One live site and one signed-in page per kind of visitor serve the whole module; each visit
reaches its state by itself from wherever the page was left, so the visits pass in any order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.audit.entries import OVERRIDE, RECOMMENDATION
from app.audit.models import AuditEntry
from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.browser import complaints_qa_visits as cqa
from tests.browser.test_shopper_auto import fill_profile
from tests.browser.test_shopper_mortgage import fill_mortgage
from tests.browser_support import (
    DESKTOP,
    PHONE,
    LiveSite,
    assert_accessible,
    assert_fits_a_phone,
    open_every_disclosure,
    running_site,
    sign_in,
)
from tests.conftest import add_user

pytestmark = pytest.mark.browser

STAFF = "staff@example.com"  # advisor, compliance and admin at once
NEWCOMER = "newcomer@example.com"  # an advisor who has taken no call yet, and may not administer

# GET routes that are not pages: files, machine-readable answers and downloads. A new entry here
# is a decision that the route shows no HTML to a person.
NOT_PAGES = {
    "static": "stylesheets, scripts, vendored Chart.js",
    "health.healthz": "plain text for load balancers",
    "openapi.openapi_document": "the API's OpenAPI document (JSON)",
    "compliance.export": "a CSV or JSON Lines download",
    "compliance.report_export": "a CSV or JSON Lines download",
    "compliance.reports_json": "the report charts' figures (JSON)",
    "outcomes.data": "the outcomes charts' figures (JSON)",
    "outcomes.export": "a CSV download",
    "shop.zip_prefixes": "the ZIP prefixes the form's script fills the state from (JSON)",
    "shop.vehicle_models": "one make's models and trims the auto form's script suggests (JSON)",
    "shop.vehicle_wmi": "the VIN maker codes the auto form's script reads a VIN with (JSON)",
    "complaints.report_json": "the complaints report charts' figures (JSON)",
    "complaints.report_export": "a CSV or JSON Lines download",
    "quality.report_json": "the QA report chart's figures (JSON)",
    "quality.report_export": "a CSV or JSON Lines download",
    "shop.proof": "a receipt download: a C2SP tlog-proof text file for candor-verify",
    "compliance.entry_proof": "a receipt download: a C2SP tlog-proof text file for candor-verify",
    "tiles.checkpoint": "the log's signed checkpoint (C2SP tlog-tiles, plain text)",
    "tiles.tile": "a tile of the log's Merkle tree hashes (binary)",
    "tiles.entries": "a bundle of log entries' leaf bytes (binary)",
}


# HTML pages whose visit needs a world of its own, checked by the test named (assert_accessible, and
# screenshots(), which fails a page that scrolls sideways at a phone's width): a new entry names it.
CHECKED_ELSEWHERE = {
    "shop.requoted_results": "tests/browser/test_handoff.py: a re-quote needs a market whose clock moves on",
}


@dataclass
class World:
    """What the visits need: the site, a browser context per kind of visitor, and references and
    log entries made through the pages themselves."""

    site: LiveSite
    contexts: dict[str, BrowserContext]
    refs: dict[str, str] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)

    def page_for(self, who: str) -> Page:
        """The visitor's one page, back at desktop size (a new page per visit costs more than the
        check); a page that a visit broke is replaced."""
        page = self.pages.get(who)
        if page is None or page.is_closed():
            page = self.pages[who] = self.contexts[who].new_page()
        page.set_viewport_size(DESKTOP)
        return page

    @property
    def url(self) -> str:
        return self.site.url


@dataclass(frozen=True)
class Visit:
    name: str
    endpoint: str | None  # the view that answers (None: no route, the 404 page)
    who: str  # a key of World.contexts
    go: Callable[[Page, World], None]


def path(template: str, wait_for: str | None = None) -> Callable[[Page, World], None]:
    """Opens the path, its {placeholders} filled from World.refs."""
    def go(page: Page, world: World) -> None:
        page.goto(world.url + template.format(**world.refs))
        if wait_for:
            expect(page.locator(wait_for).first).to_be_visible()
    return go


def submitted_empty(template: str, button: str, wait_for: str = "#error-summary") -> Callable[[Page, World], None]:
    """Opens the form and sends it as it is, to check the page with its error messages."""
    def go(page: Page, world: World) -> None:
        path(template)(page, world)
        page.get_by_role("button", name=button).click()
        expect(page.locator(wait_for).first).to_be_visible()
    return go


def with_every_disclosure_open(template: str, wait_for: str) -> Callable[[Page, World], None]:
    def go(page: Page, world: World) -> None:
        path(template, wait_for)(page, world)
        open_every_disclosure(page)
    return go


def refused_sign_in(page: Page, world: World) -> None:
    page.goto(f"{world.url}/login")
    page.locator("input[name=username]").fill("nobody@example.com")
    page.locator("input[name=password]").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-problem")).to_be_visible()


def provider_with_a_bad_timeout(page: Page, world: World) -> None:
    page.goto(f"{world.url}/admin/providers/harbor")
    page.get_by_label("Timeout (seconds)").fill("600")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#error-summary")).to_be_visible()


def outcome_without_a_reason(page: Page, world: World) -> None:
    page.goto(f"{world.url}/advisor/calls/{world.refs['open_call']}")
    page.locator("input[name=choice]").nth(1).check()  # not the top pick, and no reason given
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#reason-error")).to_be_visible()


def unknown_reference_looked_up(page: Page, world: World) -> None:
    page.goto(f"{world.url}/advisor/")
    page.get_by_role("textbox", name="Reference").fill("CND-0000-0000")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="No comparison has the reference CND-0000-0000")).to_be_visible()


def replayed(page: Page, world: World) -> None:
    page.goto(f"{world.url}/compliance/entries/{world.refs['recommendation_entry']}")
    page.get_by_role("button", name="Replay this recommendation").click()
    expect(page.get_by_text("Identical.")).to_be_visible()
    open_every_disclosure(page)


def verified(page: Page, world: World) -> None:
    page.goto(f"{world.url}/compliance/integrity")
    page.get_by_role("button", name="Verify the whole log now").click()
    expect(page.locator(".proof-badge")).to_contain_text("Intact")


def charts_drawn(page: Page, world: World) -> None:
    page.goto(f"{world.url}/compliance/reports")
    wait_for_charts(page, 7)


def outcome_charts_drawn(page: Page, world: World) -> None:
    page.goto(f"{world.url}/compliance/outcomes/")
    wait_for_charts(page, 15)  # the three shares by five groupings, at least


def wait_for_charts(page: Page, count: int) -> None:
    """Polled from here: wait_for_function evaluates with eval inside the page, which the page's
    own CSP (rightly) forbids."""
    drawn = 0
    for _ in range(100):
        drawn = page.evaluate("window.Chart ? Object.keys(window.Chart.instances).length : 0")
        if drawn >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"only {drawn} of {count} charts were drawn")


VISITS = [
    # The shopper's pages.
    Visit("landing", "shop.landing", "shopper", path("/")),
    Visit("auto-form", "shop.compare", "shopper", path("/compare/auto")),
    Visit("auto-form-errors", "shop.compare", "shopper", submitted_empty("/compare/auto", "Compare quotes")),
    Visit("auto-results", "shop.results", "shopper", with_every_disclosure_open("/results/{auto}", "[data-top-provider]")),
    Visit("auto-results-sorted-filtered", "shop.results", "shopper",
          with_every_disclosure_open("/results/{auto}?sort=price&need=rental_car", "[data-sorted-by]")),
    Visit("auto-results-compared", "shop.results", "shopper",
          with_every_disclosure_open("/results/{auto}?compare=offer-1&compare=offer-2&compare=offer-3", "[data-comparison]")),
    Visit("auto-results-view-problems", "shop.results", "shopper",
          with_every_disclosure_open("/results/{auto}?sort=nonsense&need=teleport&compare=offer-1", "[data-compare-message]")),
    Visit("auto-receipt", "shop.receipt", "shopper", path("/results/{auto}/receipt", "[data-reference]")),
    Visit("auto-permalink", "shop.permalink", "staff", path("{auto_permalink}", "[data-top-provider]")),
    Visit("auto-methodology", "shop.methodology", "shopper", path("/methodology/auto")),
    Visit("auto-change-answers", "shop.change_answers", "shopper", path("/results/{auto}/change", "[data-replacing]")),
    Visit("mortgage-form", "shop.compare", "shopper", path("/compare/mortgage")),
    Visit("mortgage-form-errors", "shop.compare", "shopper", submitted_empty("/compare/mortgage", "Compare quotes")),
    Visit("mortgage-results", "shop.results", "shopper",
          with_every_disclosure_open("/results/{mortgage}", "[data-break-even]")),
    Visit("mortgage-results-sorted-compared", "shop.results", "shopper", with_every_disclosure_open(
        "/results/{mortgage}?sort=horizon_cost&need=lock_45&compare=offer-1&compare=offer-2", "[data-comparison]")),
    Visit("mortgage-receipt", "shop.receipt", "shopper", path("/results/{mortgage}/receipt", "[data-reference]")),
    Visit("mortgage-methodology", "shop.methodology", "shopper", path("/methodology/mortgage")),
    Visit("mortgage-change-answers", "shop.change_answers", "shopper",
          path("/results/{mortgage}/change", "[data-replacing]")),
    Visit("not-found", None, "shopper", path("/no-such-page")),
    # Anyone's proof.
    Visit("verify", "verify.verify", "shopper", path("/verify")),
    Visit("retention-policy", "policy.retention", "shopper", path("/retention")),
    Visit("verify-reference", "verify.verify", "shopper",
          with_every_disclosure_open("/verify?reference={auto}", "[data-browser-check]")),
    Visit("verify-unknown-reference", "verify.verify", "shopper", path("/verify?reference=CND-0000-0000", "#error-summary")),
    Visit("verify-malformed-reference", "verify.verify", "shopper", path("/verify?reference=not+one", "#error-summary")),
    # Signing in, and a staff member's own account.
    Visit("sign-in", "auth.login", "shopper", path("/login")),
    Visit("sign-in-errors", "auth.login", "shopper", submitted_empty("/login", "Sign in")),
    Visit("sign-in-refused", "auth.login", "shopper", refused_sign_in),
    Visit("account", "auth.account", "staff", path("/account")),
    Visit("change-password", "auth.change_password", "staff", path("/account/password")),
    Visit("change-password-errors", "auth.change_password", "staff",
          submitted_empty("/account/password", "Change password")),
    Visit("forbidden", "admin.index", "newcomer", path("/admin/", "text=You do not have access to this page")),
    # Administration.
    Visit("admin", "admin.index", "staff", path("/admin/")),
    Visit("admin-users", "admin.users", "staff", path("/admin/users")),
    Visit("admin-user", "admin.user", "staff", path("/admin/users/{newcomer_id}")),
    Visit("admin-new-user", "admin.new_user", "staff", path("/admin/users/new")),
    Visit("admin-new-user-errors", "admin.new_user", "staff", submitted_empty("/admin/users/new", "Create user")),
    Visit("admin-providers", "admin.providers", "staff", path("/admin/providers")),
    Visit("admin-provider", "admin.provider", "staff", path("/admin/providers/harbor")),
    Visit("admin-provider-errors", "admin.provider", "staff", provider_with_a_bad_timeout),
    # The advisor's console.
    Visit("advisor-console-empty", "advisor.index", "newcomer", path("/advisor/")),
    Visit("advisor-console", "advisor.index", "staff", path("/advisor/", "text=Your recent calls")),
    Visit("advisor-unknown-reference", "advisor.lookup", "staff", unknown_reference_looked_up),
    Visit("advisor-new-auto-call", "advisor.new_call", "staff", path("/advisor/calls/new/auto")),
    Visit("advisor-new-mortgage-call", "advisor.new_call", "staff", path("/advisor/calls/new/mortgage")),
    Visit("advisor-new-call-errors", "advisor.new_call", "staff", submitted_empty("/advisor/calls/new/auto", "Run comparison")),
    Visit("advisor-call", "advisor.call", "staff", with_every_disclosure_open("/advisor/calls/{open_call}", ".script")),
    Visit("advisor-outcome-errors", "advisor.outcome", "staff", outcome_without_a_reason),
    Visit("advisor-call-recorded", "advisor.call", "staff", path("/advisor/calls/{override_call}", "[data-outcome]")),
    Visit("advisor-web-comparison", "advisor.call", "staff", path("/advisor/calls/{auto}", ".script")),
    Visit("advisor-summary", "advisor.summary", "staff", path("/advisor/calls/{override_call}/summary", "[data-outcome]")),
    # Compliance.
    Visit("compliance-entries", "compliance.index", "staff", path("/compliance/", "table.entries")),
    Visit("compliance-entries-filtered", "compliance.index", "staff",
          path("/compliance/?kind=outcomes&channel=advisor&overridden=yes", "table.entries")),
    Visit("compliance-entries-none", "compliance.index", "staff", path("/compliance/?since=2001-01-01&until=2001-01-31", ".notice")),
    Visit("compliance-filter-errors", "compliance.index", "staff", path("/compliance/?house_rank=0", ".error-summary")),
    Visit("compliance-entry", "compliance.entry", "staff",
          with_every_disclosure_open("/compliance/entries/{recommendation_entry}", ".proof-badge")),
    Visit("compliance-entry-replayed", "compliance.replay", "staff", replayed),
    Visit("compliance-override-entry", "compliance.entry", "staff", path("/compliance/entries/{override_entry}", ".proof-badge")),
    Visit("compliance-integrity", "compliance.integrity", "staff", path("/compliance/integrity")),
    Visit("compliance-integrity-verified", "compliance.integrity", "staff", verified),
    Visit("compliance-reports", "compliance.reports_page", "staff", charts_drawn),
    Visit("compliance-outcomes", "outcomes.page", "staff", outcome_charts_drawn),
    Visit("compliance-outcomes-method", "outcomes.page", "staff",
          with_every_disclosure_open("/compliance/outcomes/?product=auto", "details.method")),
    # Complaints and quality reviews.
    Visit("complaint-form", "complaints.shopper_complaint", "shopper", path("/results/{auto}/complaint")),
    Visit("complaint-form-errors", "complaints.shopper_complaint", "shopper",
          submitted_empty("/results/{auto}/complaint", "Send complaint")),
    Visit("complaint-raised", "complaints.shopper_raised", "shopper", cqa.complaint_raised),
    Visit("advisor-complaint", "complaints.advisor_complaint", "staff", path("/advisor/calls/{open_call}/complaint")),
    Visit("advisor-complaint-errors", "complaints.advisor_complaint", "staff",
          submitted_empty("/advisor/calls/{open_call}/complaint", "Record complaint")),
    Visit("compliance-complaints", "complaints.queue_page", "staff", cqa.complaint_queue),
    Visit("compliance-complaint", "complaints.detail", "staff", cqa.complaint_detail),
    Visit("compliance-complaint-errors", "complaints.resolve_complaint", "staff", cqa.complaint_resolution_refused),
    Visit("compliance-complaints-report", "complaints.report_page", "staff", cqa.complaints_report),
    Visit("quality-queue", "quality.queue", "staff", cqa.quality_queue),
    Visit("quality-review", "quality.review_page", "staff", cqa.quality_review),
    Visit("quality-review-errors", "quality.record", "staff", cqa.quality_review_refused),
    Visit("quality-replayed", "quality.replay", "staff", cqa.quality_replayed),
    Visit("quality-report", "quality.report_page", "staff", cqa.quality_report),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, market: SandboxMarket) -> Iterator[LiveSite]:
    with running_site(tmp_path_factory.mktemp("accessibility") / "site.sqlite3", market) as running:
        yield running


@pytest.fixture(scope="module")
def world(site: LiveSite, browser: Browser) -> Iterator[World]:
    add_user(site.app, STAFF, "advisor", "compliance", "admin")
    newcomer_id = add_user(site.app, NEWCOMER, "advisor")
    contexts = {who: browser.new_context(viewport=DESKTOP) for who in ("shopper", "staff", "newcomer")}
    world = World(site, contexts, refs={"newcomer_id": str(newcomer_id)})
    try:
        make_the_log(world)
        yield world
    finally:
        for context in contexts.values():
            context.close()


def make_the_log(world: World) -> None:
    """Comparisons on both product lines by a shopper, and two advisor calls, one of them with a
    recorded override: everything made through the pages, as people would."""
    shopper = world.contexts["shopper"].new_page()
    for product, fill in (("auto", fill_profile), ("mortgage", fill_mortgage)):
        shopper.goto(f"{world.url}/compare/{product}")
        fill(shopper)
        shopper.get_by_role("button", name="Compare quotes").click()
        shopper.wait_for_url(re.compile(r"/results/CND-"), timeout=15_000)
        world.refs[product] = shopper.url.rsplit("/", 1)[-1]
        world.refs[f"{product}_permalink"] = urlsplit(shopper.locator('a[rel="bookmark"]').get_attribute("href")).path
    shopper.close()

    staff = world.contexts["staff"].new_page()
    sign_in(staff, world.url, STAFF)
    for name, product, fill in (("override_call", "auto", fill_profile), ("open_call", "mortgage", fill_mortgage)):
        staff.goto(f"{world.url}/advisor/calls/new/{product}")
        fill(staff)
        staff.get_by_role("button", name="Run comparison").click()
        staff.wait_for_url(re.compile(r"/advisor/calls/CND-"), timeout=15_000)
        world.refs[name] = staff.url.rsplit("/", 1)[-1]
    staff.goto(f"{world.url}/advisor/calls/{world.refs['override_call']}")
    staff.locator("input[name=choice]").nth(1).check()
    staff.get_by_label("Reason, when not the top pick").select_option(index=1)
    staff.get_by_label("Note").fill("Already banks with this insurer.")
    staff.get_by_role("button", name="Record outcome").click()
    expect(staff.locator("[data-outcome]")).to_be_visible()
    staff.close()
    newcomer = world.contexts["newcomer"].new_page()
    sign_in(newcomer, world.url, NEWCOMER)
    newcomer.close()

    with world.site.app.app_context():
        for name, kind in (("recommendation_entry", RECOMMENDATION), ("override_entry", OVERRIDE)):
            first = db.session.scalar(sa.select(sa.func.min(AuditEntry.index)).where(AuditEntry.kind == kind))
            world.refs[name] = str(first)


def endpoint_of(world: World, url: str) -> str | None:
    """The view that answers the page's address, by the site's own URL map (GET first, then POST
    for a page that is the answer to a form)."""
    adapter = world.site.app.url_map.bind("localhost")
    for method in ("GET", "POST"):
        try:
            return adapter.match(urlsplit(url).path, method=method)[0]
        except MethodNotAllowed:
            continue
        except NotFound:
            return None
    return None


@pytest.mark.parametrize("visit", VISITS, ids=[visit.name for visit in VISITS])
def test_the_page_has_no_serious_accessibility_problem_and_fits_a_phone(world: World, visit: Visit) -> None:
    page = world.page_for(visit.who)
    visit.go(page, world)
    assert endpoint_of(world, page.url) == visit.endpoint, f"{visit.name} ended on {page.url}"
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_fits_a_phone(page)


def test_every_page_of_the_site_is_checked(site: LiveSite) -> None:
    pages = {rule.endpoint for rule in site.app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.endpoint.startswith("api.")} - set(NOT_PAGES) - set(CHECKED_ELSEWHERE)
    checked = {visit.endpoint for visit in VISITS}
    assert pages - checked == set(), "pages no visit checks: add them to VISITS (or, if not HTML, NOT_PAGES)"
    assert len({visit.name for visit in VISITS}) == len(VISITS), "two visits have the same name"


def test_the_checker_really_catches_violations(page: Page) -> None:
    page.set_content('<html lang="en"><body><main><img src="x.png"><input type="text"></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
