"""The QA review queue, a drawn call's review page and the coverage report: /compliance/quality/…"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.actors import Actor
from app.advisor.disclosure import disclosure_script, script_version
from app.audit import REASON_LABELS, AuditEntry, describe_actor, document
from app.auth.access import roles_required
from app.auth.models import COMPLIANCE, User
from app.compliance import story
from app.compliance.exports import FORMATS, serialise
from app.db import db, utcnow
from app.products import PRODUCT_LINES
from app.quality import report as reports
from app.quality.events import rebuild
from app.quality.forms import PeriodForm, QueueForm, answers_of, review_form
from app.quality.models import QaReview
from app.quality.review import ANSWERS, OUTCOME_LABELS, ReviewError, Verdict, comment_of, record_review
from app.quality.sampling import pending, sample_pending, sampling_key
from app.quality.settings import CHECKLIST, rules_of
from app.web.recorded import recorded

bp = Blueprint("quality", __name__, url_prefix="/compliance/quality")
QUEUE_LIMIT = 200


def _names() -> dict[str, str]:
    return {str(user_id): name for user_id, name in db.session.execute(select(User.id, User.username))}


def _logged(what: str) -> Any:
    return recorded(what, lambda: (render_template("compliance/not_logged.html"), 503), outcome="nothing was kept")


@bp.get("/")
@roles_required(COMPLIANCE)
def queue() -> str:
    form = QueueForm(formdata=request.args)
    status = form.status.data if form.validate() else "awaiting"
    statement = select(QaReview)
    if status == "awaiting":
        statement = statement.where(QaReview.outcome.is_(None)).order_by(QaReview.decided_at, QaReview.decision_index)
    else:
        if status == "reviewed":
            statement = statement.where(QaReview.outcome.is_not(None))
        statement = statement.order_by(QaReview.decided_at.desc(), QaReview.decision_index)
    rows = list(db.session.scalars(statement.limit(QUEUE_LIMIT)))
    return render_template("quality/queue.html", form=form, rows=rows, names=_names(), pending=pending(db.session),
                           outcomes=OUTCOME_LABELS, rules=rules_of(current_app.config))


@bp.post("/draw")
@roles_required(COMPLIANCE)
def draw() -> Response:
    with _logged("A QA sampling run"):
        drawn = sample_pending(db.session, rules=rules_of(current_app.config),
                               key=sampling_key(current_app.config["SECRET_KEY"]), now=utcnow())
    flash(f"{len(drawn)} {'call' if len(drawn) == 1 else 'calls'} drawn for review.", "info")
    return redirect(url_for("quality.queue"), code=303)


def _review_or_404(decision_index: int) -> QaReview:
    review = db.session.get(QaReview, decision_index)
    if review is None:
        abort(404)
    return review


def _call(review: QaReview) -> dict[str, Any]:
    """What the reviewer needs to see: the decision, the result it was about, and the disclosure script."""
    decision = document(db.session.get_one(AuditEntry, review.decision_index))
    result_entry = db.session.get_one(AuditEntry, decision["result_index"])
    told = story.tell(db.session, result_entry)
    note = next((item for item in told.decisions if item.index == review.decision_index), None)
    line = PRODUCT_LINES.get(review.product or "")
    # The script quotes the our-offer sentence, worked out from the caller's profile and sealed with
    # it: once the caller is erased the script is shown without it, and the page says so.
    script = disclosure_script(told.logged, line) if line is not None else None
    return {"decision": decision, "note": note, "story": told, "line": line, "script": script,
            "script_now": script_version(line) if line is not None else None,
            "caller_erased": told.personal is not None and told.personal.erasure is not None}


def _page(review: QaReview, *, form: Any = None, replayed: Any = None, status: int = 200) -> Any:
    checklist = current_app.config[CHECKLIST]
    if form is None and review.outcome is None:
        form = review_form(checklist, formdata=None)
    verdict = document(db.session.get_one(AuditEntry, review.review_index)) if review.review_index is not None else None
    return render_template(
        "quality/review.html", review=review, call=_call(review), form=form, replayed=replayed, checklist=checklist,
        names=_names(), reasons=REASON_LABELS, outcomes=OUTCOME_LABELS, answers=ANSWERS, verdict=verdict,
        comment=comment_of(db.session, review), actor_text=describe_actor, part_labels=story.PART_LABELS,
    ), status


@bp.get("/calls/<int:decision_index>")
@roles_required(COMPLIANCE)
def review_page(decision_index: int) -> Any:
    return _page(_review_or_404(decision_index))


@bp.post("/calls/<int:decision_index>/replay")
@roles_required(COMPLIANCE)
def replay(decision_index: int) -> Any:
    review = _review_or_404(decision_index)
    decision = document(db.session.get_one(AuditEntry, review.decision_index))
    replayed = story.replay_entry(story.tell(db.session, db.session.get_one(AuditEntry, decision["result_index"])))
    return _page(review, replayed=replayed)


@bp.post("/calls/<int:decision_index>/review")
@roles_required(COMPLIANCE)
def record(decision_index: int) -> Any:
    review = _review_or_404(decision_index)
    checklist = current_app.config[CHECKLIST]
    form = review_form(checklist)
    if not form.validate():
        return _page(review, form=form, status=400)
    verdict = Verdict(form.outcome.data, answers_of(form, checklist), form.comment.data)
    try:
        with _logged("A QA review"):
            record_review(db.session, review, verdict, checklist=checklist,
                          reviewer=Actor("compliance", str(current_user.id)), now=utcnow())
    except ReviewError as refused:
        flash(refused.message, "error")
        return _page(_review_or_404(decision_index), form=form, status=refused.status)
    flash("Review recorded.", "info")
    return redirect(url_for("quality.review_page", decision_index=decision_index), code=303)


def _report() -> tuple[PeriodForm, dict[str, Any]]:
    form = PeriodForm(formdata=request.args)
    days = form.days.data if form.validate() else reports.DEFAULT_DAYS
    built = reports.build(db.session, since=reports.window_start(utcnow(), days), advisor_names=_names(),
                          pending=pending(db.session))
    return form, built


@bp.get("/report")
@roles_required(COMPLIANCE)
def report_page() -> str:
    form, built = _report()
    return render_template("quality/report.html", form=form, report=built, args=request.args.to_dict(),
                           formats=FORMATS)


@bp.get("/report.json")
@roles_required(COMPLIANCE)
def report_json() -> Response:
    _, built = _report()
    return current_app.response_class(json.dumps(built, ensure_ascii=False), mimetype="application/json")


@bp.get("/report/<name>.<fmt>")
@roles_required(COMPLIANCE)
def report_export(name: str, fmt: str) -> Response:
    if name not in reports.TABLES or fmt not in FORMATS:
        abort(404)
    _, built = _report()
    rows = built[name.replace("-", "_")]
    response = Response(serialise(iter(rows), tuple(rows[0]) if rows else (), fmt), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="candor-qa-{name}-{utcnow():%Y%m%d}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.cli.command("sample")
def sample_command() -> None:
    """Draws from the advisors' calls decided since the last run (for a scheduler: `flask quality sample`)."""
    drawn = sample_pending(db.session, rules=rules_of(current_app.config),
                           key=sampling_key(current_app.config["SECRET_KEY"]), now=utcnow())
    db.session.commit()
    click.echo(f"{len(drawn)} {'call' if len(drawn) == 1 else 'calls'} drawn for review.")


@bp.cli.command("rebuild")
def rebuild_command() -> None:
    """Recomputes the review queue and the sampling watermark from the log (`flask quality rebuild`)."""
    count = rebuild(db.session)
    db.session.commit()
    click.echo(f"{count} drawn {'call' if count == 1 else 'calls'} in the review queue, recomputed from the log.")
