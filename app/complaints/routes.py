"""Complaints: the shopper's form under their results, the advisor's during a call, and the
compliance queue, story, actions and root-cause report."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.actors import ANONYMOUS, Actor
from app.audit import RESULT_KINDS, describe_actor, latest_for_reference
from app.auth.access import public, roles_required
from app.auth.models import ADVISOR, COMPLIANCE
from app.complaints import report as reports
from app.complaints.events import CATEGORIES, OUTCOMES
from app.complaints.forms import AssignForm, NoteForm, QueueFilterForm, RaiseForm, ReportFilterForm, ResolveForm
from app.complaints.models import Complaint
from app.complaints.names import advisor_names, product_choices, provider_names, staff_names
from app.complaints.queue import is_overdue, queue
from app.complaints.service import (
    ComplaintError, NewComplaint, add_note, assign, compliance_staff, deadline_of, history, parse_redress,
    raise_complaint, rebuild, resolve,
)
from app.compliance.exports import FORMATS, serialise
from app.db import db, utcnow
from app.products import get_product_line
from app.security import rate_limited
from app.shop.routes import own_result
from app.web.recorded import recorded

bp = Blueprint("complaints", __name__)

# The complaints this browser raised, so it can show their confirmation (and nobody else can).
SESSION_COMPLAINTS = "complaints"
REMEMBERED_COMPLAINTS = 20


def _not_logged(template: str = "complaints/not_logged.html") -> Any:
    return lambda: (render_template(template), 503)


def _raise(form: RaiseForm, reference: str, actor: Actor, channel: str) -> Complaint | None:
    """Raises the complaint the form describes; None, with the problem on the form, if it cannot."""
    try:
        with recorded("A complaint", _not_logged(), outcome="nothing was recorded"):
            return raise_complaint(db.session, NewComplaint(reference, form.category.data, form.description.data,
                                                           form.contact.data), actor=actor, channel=channel,
                                   now=utcnow(), deadline=deadline_of(current_app.config))
    except ComplaintError as refused:
        getattr(form, refused.field or "description").errors = [refused.message]
        return None


@bp.route("/results/<reference>/complaint", methods=["GET", "POST"])
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def shopper_complaint(reference: str) -> Any:
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    form = RaiseForm()
    page = {"result": result, "line": line, "form": form, "deadline_days": deadline_of(current_app.config).days}
    if not form.is_submitted():
        return render_template("complaints/raise.html", **page)
    complaint = _raise(form, reference, ANONYMOUS, "web") if form.validate() else None
    if complaint is None:
        return render_template("complaints/raise.html", **page), 400
    kept = [complaint.id, *session.get(SESSION_COMPLAINTS, [])]
    session[SESSION_COMPLAINTS] = kept[:REMEMBERED_COMPLAINTS]
    return redirect(url_for("complaints.shopper_raised", reference=reference, complaint_id=complaint.id), code=303)


@bp.get("/results/<reference>/complaint/<complaint_id>")
@public
def shopper_raised(reference: str, complaint_id: str) -> Any:
    complaint = db.session.get(Complaint, complaint_id) if complaint_id in session.get(SESSION_COMPLAINTS, []) else None
    if complaint is None or complaint.about_reference != reference:
        abort(404)
    return render_template("complaints/raised.html", complaint=complaint, categories=CATEGORIES)


@bp.route("/advisor/calls/<reference>/complaint", methods=["GET", "POST"])
@roles_required(ADVISOR)
def advisor_complaint(reference: str) -> Any:
    if latest_for_reference(db.session, reference, RESULT_KINDS) is None:
        abort(404)
    form = RaiseForm()
    page = {"reference": reference, "form": form, "deadline_days": deadline_of(current_app.config).days}
    if not form.is_submitted():
        return render_template("complaints/advisor_raise.html", **page)
    complaint = (_raise(form, reference, Actor("advisor", str(current_user.id)), "advisor")
                 if form.validate() else None)
    if complaint is None:
        return render_template("complaints/advisor_raise.html", **page), 400
    flash(f"Complaint {complaint.id} recorded; compliance must answer it by {complaint.due_at:%d %B %Y}.", "info")
    return redirect(url_for("advisor.call", reference=reference), code=303)


def _me() -> int:
    return int(current_user.id)


def _officer() -> Actor:
    return Actor("compliance", str(current_user.id))


@bp.get("/compliance/complaints")
@roles_required(COMPLIANCE)
def queue_page() -> str:
    form = QueueFilterForm(formdata=request.args)
    status = form.status.data if form.validate() else "open"
    owner = form.owner.data if not form.owner.errors else ""
    now = utcnow()
    rows = queue(db.session, status=status, owner=owner or "", me=_me(), now=now)
    return render_template("complaints/queue.html", form=form, rows=rows, now=now, overdue=is_overdue,
                           categories=CATEGORIES, outcomes=OUTCOMES, owners=staff_names(db.session))


def _complaint_or_404(complaint_id: str) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        abort(404)
    return complaint


def _staff_choices() -> list[tuple[int, str]]:
    return [(user.id, user.username) for user in compliance_staff(db.session)]


def _detail(complaint: Complaint, *, assign_form: AssignForm | None = None, note_form: NoteForm | None = None,
            resolve_form: ResolveForm | None = None, status: int = 200) -> Any:
    now = utcnow()
    return render_template(
        "complaints/detail.html", complaint=complaint, events=history(db.session, complaint), now=now,
        actor_text=describe_actor,
        overdue=is_overdue(complaint, now), categories=CATEGORIES, outcomes=OUTCOMES,
        owners=staff_names(db.session), advisors=advisor_names(db.session, [complaint.advisor_id]),
        assign_form=assign_form or AssignForm(formdata=None, staff=_staff_choices(), owner=complaint.owner_id),
        note_form=note_form or NoteForm(formdata=None), resolve_form=resolve_form or ResolveForm(formdata=None),
    ), status


@bp.get("/compliance/complaints/<complaint_id>")
@roles_required(COMPLIANCE)
def detail(complaint_id: str) -> Any:
    return _detail(_complaint_or_404(complaint_id))


def _act(complaint: Complaint, form: Any, name: str, action: Any) -> Any:
    """Validates the form, does the action with its log entry, and goes back to the complaint."""
    if not form.validate():
        return _detail(complaint, **{name: form}, status=400)
    try:
        with recorded("A complaint's update", _not_logged("compliance/not_logged.html"), outcome="nothing was kept"):
            action()
    except ComplaintError as refused:
        field = getattr(form, refused.field, None) if refused.field else None
        if field is None:
            flash(refused.message, "error")
            return _detail(complaint, status=refused.status)
        field.errors = [refused.message]
        return _detail(complaint, **{name: form}, status=refused.status)
    return redirect(url_for("complaints.detail", complaint_id=complaint.id), code=303)


@bp.post("/compliance/complaints/<complaint_id>/assign")
@roles_required(COMPLIANCE)
def assign_owner(complaint_id: str) -> Any:
    complaint = _complaint_or_404(complaint_id)
    form = AssignForm(staff=_staff_choices())
    return _act(complaint, form, "assign_form",
                lambda: assign(db.session, complaint, form.owner.data, actor=_officer(), now=utcnow()))


@bp.post("/compliance/complaints/<complaint_id>/note")
@roles_required(COMPLIANCE)
def note(complaint_id: str) -> Any:
    complaint = _complaint_or_404(complaint_id)
    form = NoteForm()
    return _act(complaint, form, "note_form",
                lambda: add_note(db.session, complaint, form.note.data, actor=_officer(), now=utcnow()))


@bp.post("/compliance/complaints/<complaint_id>/resolve")
@roles_required(COMPLIANCE)
def resolve_complaint(complaint_id: str) -> Any:
    complaint = _complaint_or_404(complaint_id)
    form = ResolveForm()
    return _act(complaint, form, "resolve_form",
                lambda: resolve(db.session, complaint, outcome=form.outcome.data, redress=parse_redress(form.redress.data),
                                summary=form.summary.data, actor=_officer(), now=utcnow()))


def _report() -> tuple[ReportFilterForm, dict[str, Any]]:
    form = ReportFilterForm(formdata=request.args, products=product_choices())
    valid = form.validate()
    months = form.months.data if valid else reports.DEFAULT_MONTHS
    product = (form.product.data or None) if valid else None
    window = reports.Window.ending(utcnow().date(), months, product)
    built = reports.build(db.session, window, product_names=dict(product_choices()),
                          provider_names=provider_names(), advisor_names=advisor_names(db.session), now=utcnow())
    return form, built


@bp.get("/compliance/complaints/report")
@roles_required(COMPLIANCE)
def report_page() -> str:
    form, built = _report()
    return render_template("complaints/report.html", form=form, report=built, args=request.args.to_dict(),
                           formats=FORMATS)


@bp.get("/compliance/complaints/report.json")
@roles_required(COMPLIANCE)
def report_json() -> Response:
    _, built = _report()
    return current_app.response_class(json.dumps(built, ensure_ascii=False), mimetype="application/json")


@bp.get("/compliance/complaints/report/<name>.<fmt>")
@roles_required(COMPLIANCE)
def report_export(name: str, fmt: str) -> Response:
    if name not in reports.TABLES or fmt not in FORMATS:
        abort(404)
    _, built = _report()
    rows = reports.table(built, name)
    columns = tuple(rows[0]) if rows else ()
    response = Response(serialise(iter(rows), columns, fmt), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="candor-complaints-{name}-{utcnow():%Y%m%d}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response



@bp.cli.command("rebuild")
def rebuild_command() -> None:
    """Recomputes the complaints queue from the log (`flask complaints rebuild`)."""
    count = rebuild(db.session)
    db.session.commit()
    click.echo(f"{count} {'complaint' if count == 1 else 'complaints'} in the queue, recomputed from the log.")
