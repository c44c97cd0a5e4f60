"""The advisor console: new call, results with the disclosure script, outcome, summary, lookup."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.advisor.disclosure import disclosure_script
from app.advisor.forms import LookupForm, OutcomeForm
from app.advisor.models import AdvisorCall
from app.advisor.service import (
    DECLINED,
    Outcome,
    OutcomeError,
    normalise_reference,
    recent_calls,
    record_outcome,
    start_call,
)
from app.audit import REASON_LABELS, AuditEntry, document, reveal
from app.auth.access import roles_required
from app.auth.models import ADVISOR, User
from app.comparison.api import latest_requotes, load_result
from app.db import db
from app.products import PRODUCT_LINES, UnknownProduct, get_product_line
from app.provider_registry import current_registry
from app.web.recorded import not_logged_page, recorded

bp = Blueprint("advisor", __name__, url_prefix="/advisor")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _line_or_404(product: str):  # type: ignore[no-untyped-def]
    try:
        return get_product_line(product)
    except UnknownProduct:
        abort(404)


def _unknown_reference(reference: str) -> Any:
    return render_template("advisor/unknown_reference.html", reference=reference, lookup=LookupForm(formdata=None)), 404


@bp.get("/")
@roles_required(ADVISOR)
def index() -> Any:
    return render_template("advisor/index.html", lines=PRODUCT_LINES.values(), lookup=LookupForm(formdata=None),
                           calls=recent_calls(db.session, _me()))


@bp.post("/lookup")
@roles_required(ADVISOR)
def lookup() -> Any:
    form = LookupForm()
    if not form.validate():
        return render_template("advisor/index.html", lines=PRODUCT_LINES.values(), lookup=form,
                               calls=recent_calls(db.session, _me())), 400
    reference = normalise_reference(form.reference.data)
    if reference is None:
        form.reference.errors = ["That is not a reference. References look like CND-7K2M-Q9XA."]
        return render_template("advisor/index.html", lines=PRODUCT_LINES.values(), lookup=form,
                               calls=recent_calls(db.session, _me())), 400
    if load_result(db.session, reference) is None:
        return _unknown_reference(reference)
    return redirect(url_for("advisor.call", reference=reference), code=303)


@bp.route("/calls/new/<product>", methods=["GET", "POST"])
@roles_required(ADVISOR)
def new_call(product: str) -> Any:
    line = _line_or_404(product)
    form = line.profile_form()
    if not form.is_submitted():
        return render_template("advisor/new_call.html", line=line, form=form, lines=PRODUCT_LINES.values())
    if not form.validate():
        return render_template("advisor/new_call.html", line=line, form=form, lines=PRODUCT_LINES.values()), 400
    with recorded("An advisor's comparison", not_logged_page(line)):
        entry = start_call(db.session, current_registry(), line, line.profile_from_form(form),
                           preferences={"preset": form.preset.data}, advisor=_me(),
                           deadline_s=current_app.config["CANDOR_COMPARISON_DEADLINE_S"])
        reference = entry.reference
    return redirect(url_for("advisor.call", reference=reference), code=303)


def _outcome_of(call: AdvisorCall | None) -> dict[str, Any] | None:
    """The logged outcome with its note opened (None once the caller's details were erased)."""
    if call is None or call.outcome_index is None:
        return None
    logged = document(db.session.get_one(AuditEntry, call.outcome_index))
    revealed = reveal(db.session, logged) if logged.get("personal") else None
    note = revealed.data.get("note") if revealed is not None and revealed.data else None
    return {**logged, "note": note, "note_erased": revealed is not None and revealed.erasure is not None}


def _profile_summary(line: Any, result: dict[str, Any]) -> list[tuple[str, str]]:
    return [] if result.get("profile") is None else line.summarise_profile(result["profile"])


def _call_page(reference: str, *, form: OutcomeForm | None = None, problem: str | None = None,
               status: int = 200) -> Any:
    result = load_result(db.session, reference)
    if result is None:
        return _unknown_reference(reference)
    line = get_product_line(result["product"]["key"])
    call = db.session.get(AdvisorCall, reference)
    outcome = _outcome_of(call)
    own = call is not None and call.advisor_id == _me().id
    if form is None and own and outcome is None:
        form = OutcomeForm(result, formdata=None)
    return render_template(
        "advisor/call.html", result=result, line=line, call=call, own=own, outcome=outcome, form=form,
        problem=problem, script=disclosure_script(result, line), reasons=REASON_LABELS, declined=DECLINED,
        profile_summary=_profile_summary(line, result), requotes=latest_requotes(db.session, reference),
    ), status


@bp.get("/calls/<reference>")
@roles_required(ADVISOR)
def call(reference: str) -> Any:
    return _call_page(reference)


@bp.post("/calls/<reference>/outcome")
@roles_required(ADVISOR)
def outcome(reference: str) -> Any:
    result = load_result(db.session, reference)
    if result is None:
        return _unknown_reference(reference)
    call = db.session.get(AdvisorCall, reference)
    me = _me()
    if call is None or call.advisor_id != me.id:
        return render_template("advisor/not_your_call.html", reference=reference), 403
    if call.outcome_index is not None:
        return _call_page(reference, problem="An outcome is already recorded for this call; it cannot be changed.",
                          status=409)
    form = OutcomeForm(result)
    if not form.validate():
        return _call_page(reference, form=form, status=400)
    line = get_product_line(result["product"]["key"])
    not_saved = "We could not record the outcome just now; nothing was saved. Please try again."
    try:
        with recorded("An outcome", lambda: _call_page(reference, form=form, status=503, problem=not_saved),
                      outcome="nothing was recorded"):
            record_outcome(db.session, call, result,
                           Outcome(choice=form.choice.data, reason=form.reason.data or None,
                                   note=form.note.data or None),
                           advisor=me, shown_index=form.shown_index.data,
                           script_version=disclosure_script(result, line).version)
    except OutcomeError as refused:
        return _call_page(reference, problem=refused.message, status=refused.status)
    flash("Outcome recorded.", "info")
    return redirect(url_for("advisor.call", reference=reference), code=303)


@bp.get("/calls/<reference>/summary")
@roles_required(ADVISOR)
def summary(reference: str) -> Any:
    result = load_result(db.session, reference)
    if result is None:
        return _unknown_reference(reference)
    line = get_product_line(result["product"]["key"])
    return render_template("advisor/summary.html", result=result, line=line,
                           outcome=_outcome_of(db.session.get(AdvisorCall, reference)),
                           script=disclosure_script(result, line), profile_summary=_profile_summary(line, result))
