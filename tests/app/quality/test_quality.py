"""QA sampling and review: advisors' decided calls drawn by the configured shares, reviewed against
the configured checklist through the pages, every step in the log, the queue its projection, the
coverage report per advisor, and retention of reviewers' comments."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry, current_keys, document
from app.audit.verify import verify_log
from app.db import db, utcnow
from app.quality.events import rebuild
from app.quality.models import QaReview
from app.quality.review import comment_of, expire
from app.quality.sampling import NEW_ADVISOR, ORDINARY, OVERRIDDEN, draw, rule_for, sampling_key
from app.quality.settings import DEFAULT_CHECKLIST, SamplingRules
from tests.conftest import make_app
from tests.factories import auto_form

RULES = SamplingRules(Decimal("0.05"), Decimal("0.25"), 90, Decimal("1"))
EVERY_ANSWER = {f"q_{question.key}": "yes" for question in DEFAULT_CHECKLIST}


def text(response):
    return response.get_data(as_text=True)


def decided_call(app, advisor, *, override):
    """An advisor's call with its outcome: the top pick, or the second offer with a reason and note."""
    started = advisor.post("/advisor/calls/new/auto", data=auto_form())
    reference = started.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        result = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)).one()
        offer = document(result)["ranking"][1 if override else 0]
    data = {"shown_index": result.index, "choice": f"{offer['provider']}:{offer['quote_id']}"}
    if override:
        data |= {"reason": "existing_customer", "note": "Has home cover with them."}
    assert advisor.post(f"/advisor/calls/{reference}/outcome", data=data).status_code == 303
    return reference


def kinds(app, *wanted):
    with app.app_context():
        return [entry.kind for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.kind.in_(wanted)).order_by(AuditEntry.index))]


@pytest.fixture
def officer(client_as):
    return client_as("compliance")


@pytest.fixture
def overrides_only(app):
    """Only overrides are drawn (every one of them), so which calls land in the queue is known."""
    app.config.update(CANDOR_QA_SHARE="0", CANDOR_QA_NEW_ADVISOR_SHARE="0", CANDOR_QA_OVERRIDE_SHARE="1")


def test_the_draw_is_a_fixed_number_below_one_and_the_share_is_kept():
    key = sampling_key("a secret")
    assert draw(key, "CND-AAAA-AAAA") == draw(key, "CND-AAAA-AAAA") != draw(sampling_key("another"), "CND-AAAA-AAAA")
    numbers = [draw(key, f"CND-{n:04d}-TEST") for n in range(4000)]
    assert all(Decimal(0) <= number < 1 for number in numbers)
    drawn = sum(number < Decimal("0.05") for number in numbers)
    assert 140 <= drawn <= 260  # 200 expected; beyond ±4.2 standard deviations means the draw is skewed


def test_the_largest_share_that_applies_is_used():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    veteran, newcomer = now - timedelta(days=400), now - timedelta(days=10)
    assert rule_for(RULES, override=False, advisor_since=veteran, decided_at=now).name == ORDINARY
    assert rule_for(RULES, override=False, advisor_since=newcomer, decided_at=now).name == NEW_ADVISOR
    assert rule_for(RULES, override=True, advisor_since=newcomer, decided_at=now).share == Decimal("1")
    assert rule_for(RULES, override=True, advisor_since=veteran, decided_at=now).name == OVERRIDDEN


def test_a_drawn_call_lives_from_draw_to_review_and_report(app, client_as, officer, overrides_only):
    advisor = client_as("advisor")
    decided_call(app, advisor, override=False)
    overridden = decided_call(app, advisor, override=True)
    queue = text(officer.get("/compliance/quality/"))
    assert "2 decided calls have not had a draw yet." in queue and "No drawn call matches." in queue
    assert officer.post("/compliance/quality/draw").status_code == 303
    queue = text(officer.get("/compliance/quality/"))
    assert overridden in queue and "0 decided calls have not had a draw yet." in queue
    assert kinds(app, "qa-sampling-run", "qa-sampled") == ["qa-sampled", "qa-sampling-run"]

    with app.app_context():
        review = db.session.scalars(sa.select(QaReview)).one()
        decision_index, sampled = review.decision_index, document(db.session.get_one(AuditEntry, review.sampled_index))
    assert sampled["rule"] == "override" and sampled["call"]["reference"] == overridden
    page = text(officer.get(f"/compliance/quality/calls/{decision_index}"))
    for words in ("Override of the ranking.", "Has home cover with them.", "What any provider pays us never affects",
                  "the caller did not take the top pick", *(q.text for q in DEFAULT_CHECKLIST)):
        assert words in page, words
    replayed = text(officer.post(f"/compliance/quality/calls/{decision_index}/replay"))
    assert "<strong>Identical.</strong>" in replayed

    missing = officer.post(f"/compliance/quality/calls/{decision_index}/review", data={"outcome": "pass"})
    assert missing.status_code == 400 and text(missing).count("Answer this question.") >= len(DEFAULT_CHECKLIST)
    done = officer.post(f"/compliance/quality/calls/{decision_index}/review",
                        data={**EVERY_ANSWER, "q_disclosure": "no", "outcome": "needs-coaching",
                              "comment": "Skipped the commissions paragraph."})
    assert done.status_code == 303
    again = officer.post(f"/compliance/quality/calls/{decision_index}/review", data={**EVERY_ANSWER, "outcome": "pass"})
    assert again.status_code == 409 and "never changed" in text(again)
    page = text(officer.get(f"/compliance/quality/calls/{decision_index}"))
    assert "Needs coaching, by compliance officer" in page and "Skipped the commissions paragraph." in page

    [reviewed] = [document(e) for e in _entries(app, "qa-reviewed")]
    assert reviewed["outcome"] == "needs-coaching" and reviewed["answers"]["disclosure"] == "no"
    assert reviewed["reference"] is None and "Skipped" not in str(reviewed)  # the comment is sealed
    report = officer.get("/compliance/quality/report.json").get_json()
    [row] = report["by_advisor"]
    assert (row["decided"], row["overrides"], row["drawn"], row["coverage"], row["override_coverage"],
            row["needs_coaching"], row["awaiting"]) == (2, 1, 1, "0.5000", "1.0000", 1, 0)
    exported = list(csv.DictReader(io.StringIO(text(officer.get("/compliance/quality/report/by-advisor.csv")))))
    assert exported[0]["coverage"] == "0.5000"
    with app.app_context():
        assert verify_log(db.session, current_keys()).ok


def _entries(app, kind):
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.index)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_reviewer_may_not_review_their_own_call(app, client_as, overrides_only):
    both = client_as("advisor", "compliance")
    decided_call(app, both, override=True)
    both.post("/compliance/quality/draw")
    with app.app_context():
        decision_index = db.session.scalars(sa.select(QaReview.decision_index)).one()
    refused = both.post(f"/compliance/quality/calls/{decision_index}/review", data={**EVERY_ANSWER, "outcome": "pass"})
    assert refused.status_code == 403 and "someone else must review it" in text(refused)
    assert kinds(app, "qa-reviewed") == []


def test_each_decided_call_has_one_draw_and_runs_cover_the_log_without_gaps(app, client_as, officer, overrides_only):
    advisor = client_as("advisor")
    decided_call(app, advisor, override=True)
    officer.post("/compliance/quality/draw")
    officer.post("/compliance/quality/draw")  # nothing new: no run entry
    decided_call(app, advisor, override=True)
    decided_call(app, advisor, override=False)
    runner = app.test_cli_runner()
    assert "1 call drawn for review." in runner.invoke(args=["quality", "sample"]).output
    runs = [document(entry) for entry in _entries(app, "qa-sampling-run")]
    assert [run["considered"]["calls"] for run in runs] == [1, 2]
    assert runs[1]["considered"]["from"] == runs[0]["considered"]["through"] + 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QaReview)) == 2


def test_the_queue_is_the_projection_of_the_log_and_retention_erases_comments(app, client_as, officer, overrides_only):
    advisor = client_as("advisor")
    for _ in range(2):
        decided_call(app, advisor, override=True)
    officer.post("/compliance/quality/draw")
    with app.app_context():
        first, second = db.session.scalars(sa.select(QaReview.decision_index).order_by(QaReview.decision_index)).all()
    officer.post(f"/compliance/quality/calls/{first}/review", data={**EVERY_ANSWER, "outcome": "fail",
                                                                     "comment": "Read the wrong script."})
    columns = [column.name for column in QaReview.__table__.columns]

    def snapshot():
        with app.app_context():
            return sorted(tuple(getattr(r, name) for name in columns) for r in db.session.scalars(sa.select(QaReview)))

    kept = snapshot()
    with app.app_context():
        assert rebuild(db.session) == 2
        db.session.commit()
    assert snapshot() == kept

    keep_for = timedelta(days=730)
    with app.app_context():
        assert expire(db.session, utcnow() + timedelta(days=1), keep_for) == 0
        assert expire(db.session, utcnow() + keep_for + timedelta(days=1), keep_for) == 1
        db.session.commit()
        review = db.session.get_one(QaReview, first)
        assert comment_of(db.session, review).erased and review.outcome == "fail"
        assert db.session.get_one(QaReview, second).expired_at is None
        assert verify_log(db.session, current_keys()).ok
    assert "The comment was erased." in text(officer.get(f"/compliance/quality/calls/{first}"))


def test_the_checklist_and_shares_come_from_configuration(app, database_url, market, tmp_path, officer,
                                                          client_as, overrides_only):
    checklist = tmp_path / "checklist.toml"
    checklist.write_text('[[question]]\nkey = "greeting"\ntext = "Greeted the caller by the script"\n')
    configured = make_app(database_url, market.provider_entries(), CANDOR_QA_CHECKLIST_FILE=str(checklist))
    try:
        assert [q.key for q in configured.config["CANDOR_QA_CHECKLIST"]] == ["greeting"]
    finally:
        with configured.app_context():
            db.engine.dispose()
    for bad in ('[[question]]\nkey = "Bad Key"\ntext = "x"\n', "title = 'no questions'\n",
                '[[question]]\nkey = "a"\ntext = "x"\n[[question]]\nkey = "a"\ntext = "y"\n'):
        checklist.write_text(bad)
        with pytest.raises(RuntimeError, match="question"):
            make_app(database_url, market.provider_entries(), CANDOR_QA_CHECKLIST_FILE=str(checklist))
    for name, value in (("CANDOR_QA_SHARE", "1.5"), ("CANDOR_QA_OVERRIDE_SHARE", "most"),
                        ("CANDOR_QA_NEW_ADVISOR_DAYS", "soon")):
        with pytest.raises(RuntimeError, match=name):
            make_app(database_url, market.provider_entries(), **{name: value})


def test_only_compliance_may_use_the_review_queue(client, client_as):
    advisor = client_as("advisor")
    for path in ("/compliance/quality/", "/compliance/quality/report"):
        assert advisor.get(path).status_code == 403
        assert client.get(path).status_code == 302
    assert advisor.post("/compliance/quality/draw").status_code == 403
    assert client_as("compliance").get("/compliance/quality/calls/999").status_code == 404


def test_the_rebuild_command_recomputes_the_queue_and_the_watermark(app, client_as, officer, overrides_only):
    decided_call(app, client_as("advisor"), override=True)
    officer.post("/compliance/quality/draw")
    with app.app_context():
        db.session.execute(sa.delete(QaReview))
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["quality", "rebuild"]).output
    assert "1 drawn call in the review queue, recomputed from the log." in output
    assert "0 decided calls have not had a draw yet." in text(officer.get("/compliance/quality/"))


def test_when_the_log_refuses_a_draw_nothing_is_drawn(app, client_as, officer, overrides_only):
    from tests.app.test_not_logged import _break_the_log  # noqa: PLC0415  (a helper of another test module)

    decided_call(app, client_as("advisor"), override=True)
    _break_the_log(app)
    assert officer.post("/compliance/quality/draw").status_code == 503
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QaReview)) == 0


def test_a_drawn_call_whose_caller_was_erased_can_still_be_reviewed(app, client_as, officer, overrides_only):
    from app.actors import Actor  # noqa: PLC0415
    from app.audit.erasure import erase, subject_of_reference  # noqa: PLC0415

    reference = decided_call(app, client_as("advisor"), override=True)
    officer.post("/compliance/quality/draw")
    with app.app_context():
        erase(db.session, subject_of_reference(db.session, reference), actor=Actor("compliance", "1"),
              reason="asked to", now=utcnow())
        db.session.commit()
        decision_index = db.session.scalars(sa.select(QaReview.decision_index)).one()
    page = text(officer.get(f"/compliance/quality/calls/{decision_index}"))
    assert "The caller’s details were erased" in page and "The note was erased with the caller" in page
    assert "What any provider pays us never affects" in page
    done = officer.post(f"/compliance/quality/calls/{decision_index}/review", data={**EVERY_ANSWER, "outcome": "pass"})
    assert done.status_code == 303
