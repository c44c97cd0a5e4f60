"""Every view that writes a log entry answers "not logged" (503, nothing shown, nothing kept)
when the log cannot be written: the one `recorded()` edge in app/web/recorded.py."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import db
from tests.app.api.conftest import example
from tests.app.advisor.test_console import entries, latest_result, offer_value, start_call
from tests.factories import auto_form


def _break_the_log(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE audit_head"))
        db.session.commit()


def _entry_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_the_api_answers_a_problem_when_its_comparison_cannot_be_logged(app, client):
    _break_the_log(app)
    response = client.post("/api/v1/comparisons", json={"product": "auto", "profile": example("auto")})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "The comparison could not be recorded"
    assert _entry_count(app) == 0


def test_an_advisors_call_is_not_shown_when_it_cannot_be_logged(app, client_as):
    advisor = client_as("advisor")
    before = _entry_count(app)
    _break_the_log(app)
    response = advisor.post("/advisor/calls/new/auto", data=auto_form())
    assert response.status_code == 503
    assert "We could not record your comparison" in response.get_data(as_text=True)
    assert _entry_count(app) == before


def test_an_outcome_that_cannot_be_logged_is_not_recorded(app, client_as):
    advisor = client_as("advisor")
    reference = start_call(advisor)
    result = latest_result(app, reference)
    _break_the_log(app)
    response = advisor.post(f"/advisor/calls/{reference}/outcome",
                            data={"shown_index": result["index"], "choice": offer_value(result["ranking"][0])})
    assert response.status_code == 503
    assert "We could not record the outcome just now; nothing was saved." in response.get_data(as_text=True)
    assert entries(app, "advisor-decision", "override") == []
