"""Recording a reviewer's verdict on a drawn call: the configured checklist answered question by
question, and pass, fail or needs coaching. The verdict is a qa-reviewed entry; the reviewer's
comment, free text that may name the caller, is sealed with a data key of the review's own so that
retention (`expire`) can erase it without touching the log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.actors import Actor
from app.audit import AuditEntry, PersonalDataError, RetentionRule, append, document, register_retention, reveal
from app.audit.entries import RETENTION_ACTOR
from app.audit.erasure import erase
from app.quality.events import REVIEWED, apply
from app.quality.models import OUTCOMES, QaReview
from app.quality.settings import Question

ANSWERS = {"yes": "Yes", "no": "No", "n/a": "Does not apply"}
OUTCOME_LABELS = {"pass": "Pass", "fail": "Fail", "needs-coaching": "Needs coaching"}
COMMENT_MAX = 2000
EXPIRY_BATCH = 500


class ReviewError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class AlreadyReviewed(ReviewError):
    status = 409


class OwnCall(ReviewError):
    status = 403


@dataclass(frozen=True)
class Verdict:
    outcome: str
    answers: Mapping[str, str]
    comment: str | None = None


def checklist_version(checklist: Sequence[Question]) -> str:
    """A short fingerprint of the questions asked, so a review says which checklist it answered."""
    text = json.dumps([[question.key, question.text] for question in checklist], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def record_review(session: Session, review: QaReview, verdict: Verdict, *, checklist: Sequence[Question],
                  reviewer: Actor, now: datetime) -> QaReview:
    if review.outcome is not None:
        raise AlreadyReviewed("This call has already been reviewed; a review is never changed.")
    if reviewer.id == review.advisor_id:
        raise OwnCall("You took this call, so someone else must review it.")
    missing = [question.key for question in checklist if verdict.answers.get(question.key) not in ANSWERS]
    if missing:
        raise ReviewError("Answer every question of the checklist.", missing[0])
    if verdict.outcome not in OUTCOMES:
        raise ReviewError("Choose pass, fail or needs coaching.", "outcome")
    comment = (verdict.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ReviewError(f"Keep the comment to {COMMENT_MAX:,} characters.", "comment")
    body = {"actor": reviewer.as_record(),
            "call": {"reference": review.reference, "decision_index": review.decision_index},
            "sampled_index": review.sampled_index, "advisor": review.advisor_id, "outcome": verdict.outcome,
            "answers": {question.key: verdict.answers[question.key] for question in checklist},
            "checklist": checklist_version(checklist)}
    # No reference: the sealed comment has a key of its own, and an entry filed under the call's
    # reference with it would make the call's customer ambiguous to `flask audit erase REF`.
    entry = append(session, body, kind=REVIEWED, channel="console", created_at=now, product=review.product,
                   personal={"comment": comment} if comment else None)
    row = apply(session, document(entry), entry.subject)
    assert row is not None
    session.flush()
    return row


@dataclass(frozen=True)
class Comment:
    text: str | None
    erased: bool


def comment_of(session: Session, review: QaReview) -> Comment:
    """The review's comment (text None if it has none, or once erased)."""
    if review.review_index is None:
        return Comment(None, False)
    logged = document(session.get_one(AuditEntry, review.review_index))
    if not logged.get("personal"):
        return Comment(None, False)
    revealed = reveal(session, logged)
    return Comment(None if revealed.data is None else revealed.data.get("comment"), revealed.data is None)


def expire(session: Session, now: datetime, keep_for: timedelta, *, batch: int = EXPIRY_BATCH) -> int:
    """Retention: erases the comments of reviews recorded more than `keep_for` ago, at most `batch`
    of them (call again until it returns 0); the verdict, about the advisor's work and holding no
    customer's data, stays. Returns how many reviews it marked."""
    due = list(session.scalars(select(QaReview).where(QaReview.reviewed_at < now - keep_for,
                                                      QaReview.expired_at.is_(None))
                               .order_by(QaReview.reviewed_at).limit(batch)))
    for review in due:
        if review.review_subject is not None:
            try:
                erase(session, review.review_subject, actor=RETENTION_ACTOR, now=now, channel="system",
                      reason=f"QA review retention of {keep_for.days} days ended")
            except PersonalDataError:
                pass  # erased already on request; the row is marked all the same
        review.expired_at = now
    session.flush()
    return len(due)


QA_REVIEWS_RETENTION = register_retention(RetentionRule(
    name="qa-reviews",
    label="Quality reviews of advised calls",
    what=("A reviewer's checklist answers and verdict on an advisor's call, and their comments, which may "
          "mention the caller, sealed with a key of the review's own."),
    how=("This long after the review we destroy its key, so the comments can never be read again; the verdict, "
         "about the advisor's work, stays for the coverage report, and the erasure is logged."),
    setting="CANDOR_QA_REVIEW_RETENTION_DAYS",
    default=3 * 365,
    prune=expire,
))
