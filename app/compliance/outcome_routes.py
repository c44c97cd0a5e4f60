"""/compliance/outcomes: outcomes by customer group (app/compliance/outcome_report.py), as a page
of charts then tables, as JSON (which the charts draw from) and as CSV, for the compliance role."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from app.auth.access import roles_required
from app.auth.models import COMPLIANCE
from app.compliance import exports, outcome_report, reports
from app.compliance.forms import OutcomesForm
from app.db import db, utcnow
from app.products import PRODUCT_LINES

bp = Blueprint("outcomes", __name__, url_prefix="/compliance/outcomes")


def _window() -> tuple[OutcomesForm, reports.Window]:
    form = OutcomesForm(formdata=request.args, products=[(key, line.name) for key, line in PRODUCT_LINES.items()])
    form.validate()

    def valid(field: Any) -> Any:
        return None if field.errors else field.data

    return form, reports.Window.from_dates(valid(form.since), valid(form.until), valid(form.product) or None, "week",
                                           today=utcnow().date())


@bp.get("/")
@roles_required(COMPLIANCE)
def page() -> str:
    form, window = _window()
    report = outcome_report.build(db.session, window)
    return render_template("compliance/outcomes.html", form=form, report=report, args=form.query_args(),
                           money=outcome_report.MONEY_MEASURE, shares=outcome_report.SHARE_MEASURES,
                           line_name=outcome_report.line_name)


@bp.get("/data.json")
@roles_required(COMPLIANCE)
def data() -> Response:
    _, window = _window()
    report = outcome_report.build(db.session, window)
    return current_app.response_class(json.dumps(report, ensure_ascii=False), mimetype="application/json")


@bp.get("/outcomes.csv")
@roles_required(COMPLIANCE)
def export() -> Response:
    _, window = _window()
    rows = outcome_report.build(db.session, window)["rows"]
    response = Response(exports.serialise(iter(rows), outcome_report.COLUMNS, "csv"), mimetype=exports.FORMATS["csv"])
    response.headers["Content-Disposition"] = f'attachment; filename="candor-outcomes-{utcnow():%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
