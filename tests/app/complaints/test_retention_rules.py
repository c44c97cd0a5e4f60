"""Complaints and QA reviews in the retention registry: `flask audit retention` prunes each by its
own rule and period, the run's entry counts them, and the public /retention page states both."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.audit import AuditEntry, document
from app.audit.retention import period_days, rules
from app.complaints.models import Complaint
from app.db import db, utcnow
from app.quality.models import QaReview
from tests.app.complaints.test_complaints import compare, raise_as_shopper
from tests.app.quality.test_quality import EVERY_ANSWER, decided_call


def test_both_rules_are_registered_with_their_settings_and_defaults(app):
    by_name = {rule.name: rule for rule in rules()}
    assert by_name["complaints"].setting == "CANDOR_COMPLAINT_RETENTION_DAYS"
    assert by_name["qa-reviews"].setting == "CANDOR_QA_REVIEW_RETENTION_DAYS"
    assert period_days(by_name["complaints"], app.config) == 2190
    assert period_days(by_name["qa-reviews"], app.config) == 1095


def test_the_retention_run_prunes_complaints_and_reviews_by_their_own_periods(app, client, client_as, monkeypatch):
    app.config.update(CANDOR_COMPLAINT_RETENTION_DAYS="30", CANDOR_QA_REVIEW_RETENTION_DAYS="400",
                      CANDOR_QA_SHARE="0", CANDOR_QA_NEW_ADVISOR_SHARE="0", CANDOR_QA_OVERRIDE_SHARE="1")
    officer = client_as("compliance")
    complaint_id = raise_as_shopper(client, compare(client))
    officer.post(f"/compliance/complaints/{complaint_id}/resolve", data={"outcome": "not-upheld", "summary": "x"})
    decided_call(app, client_as("advisor"), override=True)
    officer.post("/compliance/quality/draw")
    with app.app_context():
        decision_index = db.session.scalars(sa.select(QaReview.decision_index)).one()
    officer.post(f"/compliance/quality/calls/{decision_index}/review",
                 data={**EVERY_ANSWER, "outcome": "pass", "comment": "Good call."})

    later = utcnow() + timedelta(days=31)
    monkeypatch.setattr("app.cli.audit.utcnow", lambda: later)
    result = app.test_cli_runner().invoke(args=["audit", "retention"])
    assert result.exit_code == 0, result.output
    assert "complaints: removed 1 older than 30 days (CANDOR_COMPLAINT_RETENTION_DAYS)." in result.output
    assert "qa-reviews: removed 0 older than 400 days (CANDOR_QA_REVIEW_RETENTION_DAYS)." in result.output
    with app.app_context():
        assert db.session.get_one(Complaint, complaint_id).expired_at == later
        assert db.session.get_one(QaReview, decision_index).expired_at is None
        [run] = [document(e) for e in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "retention"))]
        assert {"rule": "complaints", "setting": "CANDOR_COMPLAINT_RETENTION_DAYS", "keep_for_days": 30,
                "pruned": 1, "kept": True} in run["rules"]


def test_the_policy_page_states_both_rules(client):
    page = client.get("/retention").get_data(as_text=True)
    assert "Complaints" in page and "Quality reviews of advised calls" in page
    assert "2,190 days" in page and "1,095 days" in page
