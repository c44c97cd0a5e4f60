"""The compliance console: /compliance/…, for the compliance role only."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy import select

from app.audit import (
    append, AuditEntry, current_keys, describe_actor, latest_checkpoint, list_entries, prove_entry, signing_key_chain,
)
from app.audit import current_witness_settings, witness_standing, with_cosignatures
from app.auth.access import roles_required
from app.auth.models import ADVISOR, COMPLIANCE, User, UserRole
from app.comparison.api import REQUOTE
from app.compliance import exports, listing, reports, story
from app.compliance.forms import EntryFilterForm, ReportForm
from app.compliance.integrity import CHANNEL, last_verification, record_verification, run_verification
from app.db import db, utcnow
from app.products import PRODUCT_LINES
from app.provider_registry import current_registry
from app.web.actor import request_actor
from app.web.recorded import recorded

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

PAGE_SIZE = 50
PERSONAL_EXPORT = "personal-data-export"


def _actor() -> dict[str, Any]:
    return request_actor("compliance").as_record()


def _choices() -> dict[str, list[tuple[str, str]]]:
    advisors = db.session.execute(select(User.id, User.username).join(UserRole)
                                  .where(UserRole.role == ADVISOR).order_by(User.username)).all()
    return {
        "products": [(key, line.name) for key, line in PRODUCT_LINES.items()],
        "advisors": [(str(user_id), username) for user_id, username in advisors],
        "providers": sorted(((config.key, config.name) for config in current_registry().configs),
                            key=lambda item: item[1].casefold()),
    }


def _filter_form() -> EntryFilterForm:
    form = EntryFilterForm(formdata=request.args, **_choices())
    form.validate()
    return form


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@roles_required(COMPLIANCE)
def index() -> str:
    form = _filter_form()
    older_than, newer_than = _cursor("older_than"), _cursor("newer_than")
    if older_than is not None and newer_than is not None:
        newer_than = None
    page = list_entries(db.session, form.filters(), older_than=older_than, newer_than=newer_than, limit=PAGE_SIZE)
    names = exports.advisor_names(db.session, page.entries)
    overridden = exports.overridden_references(db.session, (entry.reference for entry in page.entries))
    details = listing.row_details(db.session, page.entries)
    rows = [{**exports.entry_row(entry, names, overridden), **details.get(entry.index, {})} for entry in page.entries]
    return render_template("compliance/index.html", form=form, page=page, rows=rows, args=form.query_args(),
                           products=dict(_choices()["products"]), formats=exports.FORMATS)


def _entry_or_404(index: int) -> AuditEntry:
    entry = db.session.get(AuditEntry, index)
    if entry is None:
        abort(404)
    return entry


def _render_entry(entry: AuditEntry, replayed: story.ReplayOutcome | None = None) -> str:
    told = story.tell(db.session, entry)
    proof = story.proof_status(db.session, entry)
    names = exports.advisor_names(db.session, [entry, *told.related])
    return render_template("compliance/entry.html", story=told, proof=proof, replayed=replayed,
                           actor_text=describe_actor, names=names, logged=told.logged,
                           part_labels=story.PART_LABELS, line=PRODUCT_LINES.get(entry.product or ""))


@bp.get("/entries/<int:index>")
@roles_required(COMPLIANCE)
def entry(index: int) -> str:
    return _render_entry(_entry_or_404(index))


@bp.get("/entries/<int:index>/proof")
@roles_required(COMPLIANCE)
def entry_proof(index: int) -> Response:
    """Any entry's receipt, a C2SP tlog-proof with the entry's bytes, for candor-verify."""
    proof = prove_entry(db.session, _entry_or_404(index))
    db.session.commit()  # the checkpoint the proof may have had to sign
    return Response(proof.text(), content_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{proof.file_name}"'})


@bp.post("/entries/<int:index>/replay")
@roles_required(COMPLIANCE)
def replay(index: int) -> str:
    entry = _entry_or_404(index)
    told = story.tell(db.session, entry)
    if entry.kind == REQUOTE:
        return _render_entry(entry, story.replay_requote_entry(db.session, told))
    return _render_entry(entry, story.replay_entry(told))


@bp.get("/integrity")
@roles_required(COMPLIANCE)
def integrity() -> str:
    latest = latest_checkpoint(db.session)
    keys = current_keys()
    chain = signing_key_chain(db.session, keys)
    return render_template("compliance/integrity.html", latest=latest, verifier_key=chain.current.verifier.verifier_key,
                           earlier_keys=[key.verifier.verifier_key for key in reversed(chain.earlier)],
                           origin=keys.settings.origin, verification=last_verification(db.session),
                           actor_text=describe_actor,
                           latest_note=with_cosignatures(db.session, latest) if latest else None,
                           witnesses=witness_standing(db.session, current_witness_settings().witnesses))


@bp.post("/integrity/verify")
@roles_required(COMPLIANCE)
def verify() -> Response:
    report = run_verification()
    with _logged("A verification's result"):
        entry = record_verification(db.session, report, actor=_actor())
    if report.ok:
        flash(f"The log of {report.size:,} entries is intact. The result is entry {entry.index}.", "success")
    else:
        flash(f"Verification FAILED: {len(report.problems)} problems found. The result is entry {entry.index}.",
              "error")
    return redirect(url_for("compliance.integrity"), code=303)


def _logged(what: str, *, outcome: str = "nothing was kept") -> Any:
    """The officer's action and its log entry, committed together; if the log refuses, a 503 page."""
    return recorded(what, lambda: (render_template("compliance/not_logged.html"), 503), outcome=outcome)


def _stream(rows: Any, columns: tuple[str, ...], fmt: str, filename: str) -> Response:
    response = Response(stream_with_context(exports.serialise(rows, columns, fmt)), mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/export/<fmt>")
@roles_required(COMPLIANCE)
def export(fmt: str) -> Response:
    """The filtered list as it stands, without personal data."""
    if fmt not in exports.FORMATS:
        abort(404)
    form = _filter_form()
    rows = exports.entry_rows(db.session, form.filters())
    return _stream(rows, exports.ENTRY_COLUMNS, fmt, f"candor-entries-{utcnow():%Y%m%d-%H%M%S}")


@bp.post("/export/<fmt>")
@roles_required(COMPLIANCE)
def export_personal(fmt: str) -> Response:
    """The filtered list with each customer's personal details: asked for on purpose (a POST with
    a ticked box), and the export itself logged first, with who did it and the filters."""
    if fmt not in exports.FORMATS:
        abort(404)
    if request.form.get("include_personal") != "yes":
        abort(400)
    form = _filter_form()
    with _logged("A personal-data export", outcome="nothing was exported"):
        append(db.session, {"actor": _actor(), "format": fmt, "filters": form.query_args()},
               kind=PERSONAL_EXPORT, channel=CHANNEL, created_at=utcnow())
    rows = exports.entry_rows(db.session, form.filters(), personal=True)
    return _stream(rows, exports.ENTRY_COLUMNS + exports.PERSONAL_COLUMNS, fmt,
                   f"candor-entries-personal-{utcnow():%Y%m%d-%H%M%S}")


def _report_window() -> tuple[ReportForm, reports.Window]:
    form = ReportForm(formdata=request.args, products=[(key, line.name) for key, line in PRODUCT_LINES.items()])
    form.validate()

    def valid(field: Any) -> Any:
        return None if field.errors else field.data

    window = reports.Window.from_dates(valid(form.since), valid(form.until), valid(form.product) or None,
                                       valid(form.bucket) or "week", today=utcnow().date())
    return form, window


@bp.get("/reports")
@roles_required(COMPLIANCE)
def reports_page() -> str:
    form, window = _report_window()
    report = reports.build(db.session, window)
    return render_template("compliance/reports.html", form=form, report=report, args=form.query_args(),
                           tables=reports.TABLES,
                           formats=exports.FORMATS)


@bp.get("/reports.json")
@roles_required(COMPLIANCE)
def reports_json() -> Response:
    _, window = _report_window()
    return current_app.response_class(json.dumps(reports.build(db.session, window), ensure_ascii=False),
                                      mimetype="application/json")


@bp.get("/reports/<name>/<fmt>")
@roles_required(COMPLIANCE)
def report_export(name: str, fmt: str) -> Response:
    if name not in reports.TABLES or fmt not in exports.FORMATS:
        abort(404)
    _, window = _report_window()
    rows = reports.table(reports.build(db.session, window, (reports.section_of(name),)), name)
    columns = tuple(rows[0]) if rows else ()
    return _stream(iter(rows), columns, fmt, f"candor-{name}-{utcnow():%Y%m%d}")
