"""A complaint's whole life through the pages — raised by a shopper or an advisor, assigned, noted,
resolved, reported — with every event in the log, the queue a projection of it, and retention."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry, current_keys, document
from app.audit.verify import verify_log
from app.complaints.models import Complaint
from app.complaints.service import expire, history, rebuild
from app.db import db, utcnow
from app.provider_registry import current_registry
from tests.factories import auto_form

CMP = re.compile(r"CMP-[0-9A-Z]{4}-[0-9A-Z]{4}")
COMPLAINT = {"category": "price-shown", "description": "The price on the insurer's site was $80 higher.",
             "contact": "pat@example.com"}


def text(response):
    return response.get_data(as_text=True)


def compare(client):
    response = client.post("/compare/auto", data=auto_form())
    assert response.status_code == 303, text(response)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def raise_as_shopper(client, reference, **changes):
    response = client.post(f"/results/{reference}/complaint", data={**COMPLAINT, **changes})
    assert response.status_code == 303, text(response)[:2000]
    return CMP.search(response.headers["Location"]).group(0)


def complaint_entries(app, complaint_id):
    with app.app_context():
        return [document(entry) for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.reference == complaint_id).order_by(AuditEntry.index))]


def row(app, complaint_id):
    with app.app_context():
        complaint = db.session.get_one(Complaint, complaint_id)
        db.session.expunge(complaint)
        return complaint


@pytest.fixture
def officer(client_as):
    return client_as("compliance")


def test_a_shoppers_complaint_lives_from_raised_to_resolved_and_reported(app, client, officer):
    reference = compare(client)
    results = text(client.get(f"/results/{reference}"))
    assert f'href="/results/{reference}/complaint"' in results
    assert f'href="/results/{reference}/complaint"' in text(client.get(f"/results/{reference}/receipt"))
    form = client.get(f"/results/{reference}/complaint")
    assert form.status_code == 200 and "answers within 56 days" in text(form)

    complaint_id = raise_as_shopper(client, reference)
    raised = text(client.get(f"/results/{reference}/complaint/{complaint_id}"))
    due = (utcnow() + timedelta(days=56)).strftime("%d %B %Y")
    assert complaint_id in raised and due in raised

    queue = text(officer.get("/compliance/complaints"))
    assert complaint_id in queue and "Unassigned" in queue and "data-overdue" not in queue
    assert officer.post(f"/compliance/complaints/{complaint_id}/assign",
                        data={"owner": officer.user_id}).status_code == 303
    assert complaint_id in text(officer.get("/compliance/complaints?owner=mine"))
    assert complaint_id not in text(officer.get("/compliance/complaints?owner=unassigned"))
    assert officer.post(f"/compliance/complaints/{complaint_id}/note",
                        data={"note": "Asked the insurer for its quote log."}).status_code == 303
    assert officer.post(f"/compliance/complaints/{complaint_id}/resolve",
                        data={"outcome": "upheld", "redress": "80.00",
                              "summary": "Their page had a stale price."}).status_code == 303

    detail = text(officer.get(f"/compliance/complaints/{complaint_id}"))
    for words in ("The price on the insurer&#39;s site was $80 higher.", "pat@example.com",
                  "Asked the insurer for its quote log.", "Their page had a stale price.", "redress $80.00", "on time"):
        assert words in detail, words
    assert "Resolve complaint" not in detail  # a resolved complaint is closed
    assert complaint_id not in text(officer.get("/compliance/complaints"))  # open ones by default
    assert complaint_id in text(officer.get("/compliance/complaints?status=resolved"))

    kinds = [entry["kind"] for entry in complaint_entries(app, complaint_id)]
    assert kinds == ["complaint-raised", "complaint-assigned", "complaint-noted", "complaint-resolved"]
    resolved = row(app, complaint_id)
    assert (resolved.status, resolved.outcome, resolved.redress_amount, resolved.owner_id, resolved.notes) == (
        "resolved", "upheld", Decimal("80.00"), officer.user_id, 1)

    report = officer.get("/compliance/complaints/report.json").get_json()
    assert report["totals"]["complaints"] == 1 and report["totals"]["upheld"] == 1
    comparisons = report["totals"]["comparisons"]
    assert report["totals"]["per_1000"] == str((Decimal(1000) / comparisons).quantize(Decimal("0.1")))
    [price] = [r for r in report["by_category"] if r["category"] == "The price shown"]
    assert price["complaints"] == 1 and (report["totals"]["redress"], report["totals"]["redress_currency"]) == (
        "80.00", "USD")
    assert [r["complaints"] for r in report["by_product"] if r["product"] == "Auto insurance"] == [1]
    assert report["trend"][-1]["complaints"] == 1
    with app.app_context():
        recommended = db.session.get_one(AuditEntry, resolved.about_index).recommended_provider
        name = {config.key: config.name for config in current_registry().configs}[recommended]
    [by_provider] = [r for r in report["by_provider"] if r["complaints"]]
    assert by_provider["provider"] == name and by_provider["comparisons"] == 1 and by_provider["per_1000"] == "1000.0"
    assert officer.get("/compliance/complaints/report.json?product=mortgage").get_json()["totals"]["complaints"] == 0


def test_the_complaint_text_is_sealed_in_the_log_and_the_log_stays_verifiable(app, client, officer):
    reference = compare(client)
    complaint_id = raise_as_shopper(client, reference)
    with app.app_context():
        leaves = b"".join(entry.leaf for entry in db.session.scalars(sa.select(AuditEntry)))
        assert b"pat@example.com" not in leaves and b"$80 higher" not in leaves
        assert verify_log(db.session, current_keys()).ok
    [raised] = complaint_entries(app, complaint_id)
    assert raised["about"]["reference"] == reference and raised["category"] == "price-shown"
    assert raised["actor"] == {"type": "anonymous", "id": None} and raised["channel"] == "web"


def test_only_the_browser_that_holds_the_comparison_may_complain_about_it(app, client, make_apps):
    reference = compare(client)
    stranger = app.test_client()
    assert stranger.get(f"/results/{reference}/complaint").status_code == 404
    assert stranger.post(f"/results/{reference}/complaint", data=COMPLAINT).status_code == 404
    complaint_id = raise_as_shopper(client, reference)
    assert stranger.get(f"/results/{reference}/complaint/{complaint_id}").status_code == 404


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"category": ""}, "category", "Choose what the complaint is about."),
    ({"category": "teleport"}, "category", "Not a valid choice"),
    ({"description": "   "}, "description", "Write what went wrong."),
    ({"description": "x" * 4001}, "description", "Keep it to 4,000 characters."),
    ({"contact": "y" * 201}, "contact", "Keep it to 200 characters."),
])
def test_a_bad_complaint_is_refused_field_by_field_and_nothing_is_logged(app, client, changes, field, message):
    reference = compare(client)
    response = client.post(f"/results/{reference}/complaint", data={**COMPLAINT, **changes})
    assert response.status_code == 400
    page = text(response)
    assert f'id="{field}-error"' in page and message in page and 'id="error-summary"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"outcome": "upheld", "redress": "twelve", "summary": "x"}, "redress", "like 25.00"),
    ({"outcome": "upheld", "redress": "-5", "summary": "x"}, "redress", "more than $0.00"),
    ({"outcome": "upheld", "redress": "1.005", "summary": "x"}, "redress", "whole cents"),
    ({"outcome": "not-upheld", "redress": "10", "summary": "x"}, "redress", "only on an upheld complaint"),
    ({"outcome": "", "summary": "x"}, "outcome", "Choose whether the complaint is upheld."),
    ({"outcome": "upheld", "summary": ""}, "summary", "Write what was decided and why."),
])
def test_a_bad_resolution_is_refused_with_its_reason(app, client, officer, data, field, message):
    complaint_id = raise_as_shopper(client, compare(client))
    response = officer.post(f"/compliance/complaints/{complaint_id}/resolve", data=data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in text(response) and message in text(response)
    assert row(app, complaint_id).status == "open"


def test_only_compliance_staff_may_own_a_complaint_and_a_resolved_one_is_closed(app, client, officer, client_as):
    advisor = client_as("advisor")
    complaint_id = raise_as_shopper(client, compare(client))
    refused = officer.post(f"/compliance/complaints/{complaint_id}/assign", data={"owner": advisor.user_id})
    assert refused.status_code == 400 and "Choose a member of the compliance team." in text(refused)
    officer.post(f"/compliance/complaints/{complaint_id}/resolve", data={"outcome": "not-upheld", "summary": "Fine."})
    late = officer.post(f"/compliance/complaints/{complaint_id}/note", data={"note": "More."})
    assert late.status_code == 409 and "can no longer be changed" in text(late)
    assert advisor.get("/compliance/complaints").status_code == 403
    assert client.get("/compliance/complaints").status_code == 302


def test_an_advisor_records_a_callers_complaint_against_their_call(app, client_as, officer):
    advisor = client_as("advisor")
    started = advisor.post("/advisor/calls/new/auto", data=auto_form())
    reference = started.headers["Location"].rsplit("/", 1)[1]
    assert f'href="/advisor/calls/{reference}/complaint"' in text(advisor.get(f"/advisor/calls/{reference}"))
    assert advisor.get("/advisor/calls/CND-0000-0000/complaint").status_code == 404
    empty = advisor.post(f"/advisor/calls/{reference}/complaint", data={"category": "advice"})
    assert empty.status_code == 400 and "Write what went wrong." in text(empty)
    done = advisor.post(f"/advisor/calls/{reference}/complaint",
                        data={"category": "steering", "description": "Caller says they were pushed to ours."})
    assert done.status_code == 303
    assert "Complaint CMP-" in text(advisor.get(done.headers["Location"]))
    with app.app_context():
        complaint = db.session.scalars(sa.select(Complaint)).one()
        assert (complaint.channel, complaint.advisor_id, complaint.category) == ("advisor", str(advisor.user_id),
                                                                                 "steering")
    report = officer.get("/compliance/complaints/report.json").get_json()
    [by_advisor] = report["by_advisor"]
    assert by_advisor["complaints"] == 1 and by_advisor["comparisons"] == 1 and by_advisor["per_1000"] == "1000.0"


def test_an_open_complaint_past_its_deadline_is_highlighted(app, client, officer, monkeypatch):
    app.config["CANDOR_COMPLAINT_DEADLINE_DAYS"] = 1
    complaint_id = raise_as_shopper(client, compare(client))
    assert "data-overdue" not in text(officer.get("/compliance/complaints"))
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr("app.complaints.routes.utcnow", lambda: later)
    queue = text(officer.get("/compliance/complaints?status=overdue"))
    assert complaint_id in queue and "data-overdue" in queue and "overdue</strong>" in queue
    assert officer.get("/compliance/complaints/report.json").get_json()["totals"]["overdue"] == 1


def test_the_queue_is_the_projection_of_the_log(app, client, officer):
    first = raise_as_shopper(client, compare(client))
    second = raise_as_shopper(client, compare(client), category="data")
    officer.post(f"/compliance/complaints/{first}/assign", data={"owner": officer.user_id})
    officer.post(f"/compliance/complaints/{first}/resolve", data={"outcome": "upheld", "redress": "12.5",
                                                                  "summary": "Sorry."})
    officer.post(f"/compliance/complaints/{second}/note", data={"note": "Looking."})
    columns = [column.name for column in Complaint.__table__.columns]

    def snapshot():
        with app.app_context():
            return sorted(tuple(getattr(c, name) for name in columns) for c in db.session.scalars(sa.select(Complaint)))

    kept = snapshot()
    with app.app_context():
        assert rebuild(db.session) == 2
        db.session.commit()
    assert snapshot() == kept


def test_retention_erases_the_text_of_complaints_resolved_long_ago(app, client, officer):
    old = raise_as_shopper(client, compare(client))
    still_open = raise_as_shopper(client, compare(client))
    officer.post(f"/compliance/complaints/{old}/resolve", data={"outcome": "not-upheld", "summary": "No error."})
    keep_for = timedelta(days=365 * 3)
    with app.app_context():
        assert expire(db.session, utcnow() + timedelta(days=30), keep_for) == 0
        assert expire(db.session, utcnow() + keep_for + timedelta(days=1), keep_for) == 1
        db.session.commit()
        assert expire(db.session, utcnow() + keep_for + timedelta(days=2), keep_for) == 0
        erased = db.session.get_one(Complaint, old)
        events = history(db.session, erased)
        assert all(event.erased for event in events if event.kind in ("complaint-raised", "complaint-resolved"))
        assert [event.text["description"] for event in history(db.session, db.session.get_one(Complaint, still_open))
                if event.kind == "complaint-raised"] == [COMPLAINT["description"]]
        erasure = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "erasure")).one()
        assert document(erasure)["references"] == [old] and erasure.actor_id == "retention"
        assert verify_log(db.session, current_keys()).ok
        assert rebuild(db.session) == 2
        assert db.session.get_one(Complaint, old).expired_at is not None
    detail = text(officer.get(f"/compliance/complaints/{old}"))
    assert "The text was erased." in detail and "No error." not in detail


def test_report_tables_export_as_csv(app, client, officer):
    raise_as_shopper(client, compare(client), category="service")
    response = officer.get("/compliance/complaints/report/by-category.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert {r["category"]: r["complaints"] for r in rows}["Service"] == "1"
    assert officer.get("/compliance/complaints/report/nonsense.csv").status_code == 404
    assert officer.get("/compliance/complaints/report/trend.xml").status_code == 404
    page = text(officer.get("/compliance/complaints/report?months=12"))
    assert 'data-chart="complaints-trend"' in page and "js/complaints.js" in page
    assert officer.get("/compliance/complaints/report?months=7").status_code == 200  # a bad choice: the default


def test_the_rebuild_command_recomputes_the_queue_and_complaint_entries_open_in_the_console(app, client, officer):
    complaint_id = raise_as_shopper(client, compare(client))
    with app.app_context():
        db.session.execute(sa.delete(Complaint))
        db.session.commit()
    assert "1 complaint in the queue, recomputed from the log." in app.test_cli_runner().invoke(
        args=["complaints", "rebuild"]).output
    assert row(app, complaint_id).category == "price-shown"
    raised = complaint_entries(app, complaint_id)[0]["index"]
    assert officer.get(f"/compliance/entries/{raised}").status_code == 200


def test_when_the_log_refuses_nothing_is_kept_and_the_page_says_so(app, client, officer):
    from tests.app.test_not_logged import _break_the_log  # noqa: PLC0415  (a helper of another test module)

    reference = compare(client)
    complaint_id = raise_as_shopper(client, reference)
    _break_the_log(app)
    refused = client.post(f"/results/{reference}/complaint", data=COMPLAINT)
    assert refused.status_code == 503 and "We could not record your complaint" in text(refused)
    note = officer.post(f"/compliance/complaints/{complaint_id}/note", data={"note": "Lost?"})
    assert note.status_code == 503
    with app.app_context():
        assert [c.id for c in db.session.scalars(sa.select(Complaint))] == [complaint_id]
        assert db.session.get_one(Complaint, complaint_id).notes == 0


def test_retention_works_in_batches_until_nothing_is_left(app, client, officer):
    for _ in range(3):
        complaint_id = raise_as_shopper(client, compare(client))
        officer.post(f"/compliance/complaints/{complaint_id}/resolve", data={"outcome": "not-upheld", "summary": "x"})
    later, keep_for = utcnow() + timedelta(days=400), timedelta(days=365)
    with app.app_context():
        assert [expire(db.session, later, keep_for, batch=2) for _ in range(3)] == [2, 1, 0]
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.kind == "erasure")) == 3


def test_flask_audit_retention_runs_the_complaints_rule_by_its_setting(app, client, officer):
    old = raise_as_shopper(client, compare(client))
    officer.post(f"/compliance/complaints/{old}/resolve", data={"outcome": "not-upheld", "summary": "No error."})
    recent = raise_as_shopper(client, compare(client))
    officer.post(f"/compliance/complaints/{recent}/resolve", data={"outcome": "upheld", "summary": "Our error."})
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.id == old)
                           .values(resolved_at=utcnow() - timedelta(days=6 * 365 + 1)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "retention"])
    assert result.exit_code == 0, result.output
    assert "complaints: removed 1 older than 2,190 days (CANDOR_COMPLAINT_RETENTION_DAYS)." in result.output
    assert "qa-reviews: removed 0 older than 1,095 days (CANDOR_QA_REVIEW_RETENTION_DAYS)." in result.output
    with app.app_context():
        assert db.session.get_one(Complaint, old).expired_at is not None
        assert db.session.get_one(Complaint, recent).expired_at is None
    policy = text(client.get("/retention"))
    assert "Complaints" in policy and "Quality reviews of advised calls" in policy
