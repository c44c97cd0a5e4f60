"""The complaints queue is a fold of the log: whatever sequence of raising, assigning, noting and
resolving happened, recomputing the queue from the log gives exactly the rows kept as it happened."""

from __future__ import annotations

import os
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.actors import Actor
from app.complaints.events import CATEGORIES
from app.complaints.models import Complaint
from app.complaints.service import ComplaintError, NewComplaint, add_note, assign, raise_complaint, rebuild, resolve
from app.db import db, utcnow
from tests.app.complaints.test_complaints import compare

OFFICER = Actor("compliance", "1")
ACTIONS = st.lists(st.tuples(st.sampled_from(["raise", "assign", "note", "upheld", "not-upheld"]),
                             st.integers(min_value=0, max_value=3), st.sampled_from(sorted(CATEGORIES))),
                   min_size=1, max_size=12)


def _snapshot() -> list[tuple]:
    columns = [column.name for column in Complaint.__table__.columns]
    return sorted(tuple(getattr(c, name) for name in columns) for c in db.session.scalars(sa.select(Complaint)))


def _act(action: str, target: Complaint | None, reference: str, category: str, officer_id: int, moment) -> None:
    if action == "raise" or target is None:
        raise_complaint(db.session, NewComplaint(reference, category, "Something went wrong."), actor=OFFICER,
                        channel="web", now=moment, deadline=timedelta(days=56))
    elif action == "assign":
        assign(db.session, target, officer_id, actor=OFFICER, now=moment)
    elif action == "note":
        add_note(db.session, target, "A note.", actor=OFFICER, now=moment)
    else:
        resolve(db.session, target, outcome=action, redress=None, summary="Decided.", actor=OFFICER, now=moment)


@settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "15")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_rebuilding_the_queue_from_the_log_gives_the_same_rows(app, client, create_user, actions) -> None:
    reference = compare(client)
    officer_id = create_user(f"officer-{len(actions)}-{utcnow().timestamp()}@example.com", "compliance")
    with app.app_context():
        moment = utcnow()
        for step, (action, pick, category) in enumerate(actions):
            complaints = list(db.session.scalars(sa.select(Complaint).order_by(Complaint.raised_index)))
            target = complaints[pick % len(complaints)] if complaints else None
            try:
                _act(action, target, reference, category, officer_id, moment + timedelta(minutes=step))
                db.session.commit()
            except ComplaintError:
                db.session.rollback()  # e.g. a note on a resolved complaint: refused, and nothing kept
        kept = _snapshot()
        rebuild(db.session)
        db.session.commit()
        assert _snapshot() == kept
