"""The compliance reports open many customers' profiles: each customer's key is read in one query
for the whole sample, never one query per customer (the session holds loaded rows only weakly, so
a report must keep them while it reveals)."""

from __future__ import annotations

from app.compliance import outcomes, reports
from app.db import db, utcnow
from tests.factories import auto_form

CUSTOMERS = 4


def keys_queries(statements) -> int:  # type: ignore[no-untyped-def]
    return sum("audit_personal_keys" in statement for statement in statements())


def test_the_segments_and_the_outcomes_read_every_key_in_one_query(app, client, statements):
    for _ in range(CUSTOMERS):
        assert client.post("/compare/auto", data=auto_form()).status_code == 303
    with app.app_context():
        window = reports.Window.from_dates(None, None, None, "week", today=utcnow().date())
        statements()
        assert reports.segments(db.session, window)["sample"] == CUSTOMERS
        assert keys_queries(statements) == 1
        db.session.expunge_all()
        assert len(outcomes.collect(db.session, window).observations) == CUSTOMERS
        assert keys_queries(statements) == 1
