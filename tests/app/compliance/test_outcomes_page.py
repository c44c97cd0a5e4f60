"""The outcomes report from real comparisons: groups read from the sealed profiles, the advisor's
choice and its price gap read from the log, and nothing personal in the page, JSON or CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.erasure import erase
from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.api import load_result
from app.db import db, utcnow
from tests.factories import auto_form, mortgage_form


def reference_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def result_of(app, reference):  # type: ignore[no-untyped-def]
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference,
                                                               AuditEntry.kind == "recommendation")).one()
        return document(entry)


@pytest.fixture
def world(app, client, client_as):  # type: ignore[no-untyped-def]
    advisor = client_as("advisor")
    web = [reference_of(client.post("/compare/auto", data=auto_form(zip_code="94110", state="CA"))),
           reference_of(client.post("/compare/auto", data=auto_form(zip_code="73301", state="TX",
                                                                    driver_birth_date="1950-06-01"))),
           reference_of(client.post("/compare/mortgage", data=mortgage_form()))]
    call = reference_of(advisor.post("/advisor/calls/new/auto", data=auto_form(zip_code="94110", state="CA")))
    with app.app_context():
        shown = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == call)).one()
        ranking = [(offer["provider"], offer["quote_id"]) for offer in document(shown)["ranking"]]
    second = ranking[1]
    response = advisor.post(f"/advisor/calls/{call}/outcome", data={
        "shown_index": shown.index, "choice": f"{second[0]}:{second[1]}", "reason": "price",
        "note": "Caller prefers this insurer"})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    with app.app_context():  # one shopper asks to be erased
        subject = db.session.scalar(sa.select(AuditEntry.subject).where(AuditEntry.reference == web[1]))
        erase(db.session, subject, actor={"type": "admin", "id": "1"}, reason="asked", now=utcnow())
        db.session.commit()
    return {"web": web, "call": call}


def test_the_figures_come_from_the_sealed_profiles_and_the_advisors_outcome(app, client_as, world):
    officer = client_as("compliance")
    report = officer.get("/compliance/outcomes/data.json").get_json()
    assert report["recommendations"] == 4 and report["advisor_outcomes"] == 1 and report["erased"] == 1
    rows = report["rows"]

    def row(measure, dimension, group, product=None):  # type: ignore[no-untyped-def]
        [found] = [r for r in rows if r["measure"] == measure and r["dimension"] == dimension and r["group"] == group
                   and (product is None or r["product"] == product)]
        return found

    assert row("ours_first", "all", "All")["count"] == 4
    assert row("ours_first", "channel", "advisor")["count"] == 1 and row("ours_first", "channel", "web")["count"] == 3
    assert row("ours_first", "state", "CA")["count"] == 2 and row("ours_first", "state", "CO")["count"] == 1
    assert row("ours_first", "state", "erased")["count"] == 1  # never guessed
    assert row("ours_first", "credit_band", "740-759")["count"] == 1
    assert row("ours_first", "age_band", "35–49")["count"] == 2  # born 1988, the default
    assert row("override", "all", "All")["successes"] == 1 and row("override", "all", "All")["count"] == 1
    shown = result_of(app, world["call"])
    assert row("ours_first", "channel", "advisor")["successes"] == (1 if shown["house"]["best"] else 0)
    assert row("ours_chosen", "all", "All")["successes"] == (1 if shown["ranking"][1]["house"] else 0)
    with app.app_context():
        result = load_result(db.session, world["call"])
    expected = Decimal(result["ranking"][1]["values"]["annual_premium"]) - Decimal(
        result["ranking"][0]["values"]["annual_premium"])
    money = row("money_behind_best_fit", "product", "Auto insurance", "auto")
    assert money["count"] == 1 and Decimal(money["value"]) == expected.quantize(Decimal("0.01")) and expected >= 0
    assert money["unit"] == "USD, price per year"


def test_no_personal_data_leaves_the_report(app, client_as, world):
    officer = client_as("compliance")
    page = officer.get("/compliance/outcomes/").get_data(as_text=True)
    data = officer.get("/compliance/outcomes/data.json").get_data(as_text=True)
    exported = officer.get("/compliance/outcomes/outcomes.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    text = exported.get_data(as_text=True)
    with app.app_context():
        subjects = set(db.session.scalars(sa.select(AuditEntry.subject).where(AuditEntry.subject.is_not(None))))
    for output in (page, data, text):
        for secret in ("94110", "73301", "80203", "1988-04-12", "1950-06-01", "Caller prefers", *world["web"],
                       world["call"], *subjects):
            assert secret not in output
    header = next(csv.reader(io.StringIO(text)))
    assert header[:4] == ["measure", "dimension", "product", "group"] and "p_adjusted" in header


def test_the_page_shows_charts_then_tables_and_says_how_groups_are_tested(client_as, world):
    page = client_as("compliance").get("/compliance/outcomes/?product=auto").get_data(as_text=True)
    assert page.index('data-outcome-chart="ours_first"') < page.index('aria-label="Our offer ranked first"')
    assert "Fisher’s exact test" in page and "Holm’s method" in page and "Wilson score interval" in page
    assert "js/outcomes.js" in page and 'aria-current="page">Outcomes' in page
    assert "Mortgage" not in page.split("<h2", 1)[1].split("</h2>")[0]


def test_bad_filters_are_said_field_by_field_not_a_500(client_as, world):
    page = client_as("compliance").get("/compliance/outcomes/?since=2026-13-01&until=yesterday&product=boats")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="error"') >= 2


@pytest.mark.parametrize("role", ["advisor", "admin"])
def test_only_compliance_sees_outcomes(client_as, role):
    assert client_as(role).get("/compliance/outcomes/").status_code == 403
