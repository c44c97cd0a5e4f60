from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.comparison.service import load_result, run_comparison
from app.db import db
from app.products import PRODUCT_LINES, UnknownProduct, get_product_line
from app.provider_registry import current_registry
from app.ranking.engine import TIE_TOLERANCE

bp = Blueprint("shop", __name__)

# The shopper's own references, newest first; only these can be opened from this browser.
SESSION_REFERENCES = "references"
REMEMBERED_REFERENCES = 20


def _line_or_404(product: str):  # type: ignore[no-untyped-def]
    try:
        return get_product_line(product)
    except UnknownProduct:
        abort(404)


@bp.get("/")
def landing():  # type: ignore[no-untyped-def]
    return render_template("shop/landing.html", lines=PRODUCT_LINES.values())


@bp.route("/compare/<product>", methods=["GET", "POST"])
def compare(product: str):  # type: ignore[no-untyped-def]
    line = _line_or_404(product)
    form = line.profile_form()
    if not form.is_submitted():
        return render_template("shop/form.html", line=line, form=form)
    if not form.validate():
        return render_template("shop/form.html", line=line, form=form), 400
    try:
        entry = run_comparison(
            db.session,
            current_registry(),
            line,
            line.profile_from_form(form),
            preferences={"preset": form.preset.data},
            channel="web",
            deadline_s=current_app.config["CANDOR_COMPARISON_DEADLINE_S"],
        )
        reference = entry.reference
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("A comparison could not be written to the log; it was not shown.")
        return render_template("shop/not_logged.html", line=line), 503
    remembered = [reference, *session.get(SESSION_REFERENCES, [])][:REMEMBERED_REFERENCES]
    session[SESSION_REFERENCES] = remembered
    return redirect(url_for("shop.results", reference=reference), code=303)


def _own_result(reference: str):  # type: ignore[no-untyped-def]
    if reference not in session.get(SESSION_REFERENCES, []):
        abort(404)
    result = load_result(db.session, reference)
    if result is None:
        abort(404)
    return result


@bp.get("/results/<reference>")
def results(reference: str):  # type: ignore[no-untyped-def]
    result = _own_result(reference)
    line = get_product_line(result["product"]["key"])
    return render_template("shop/results.html", result=result, line=line,
                           profile_summary=line.summarise_profile(result["profile"]))


@bp.get("/results/<reference>/receipt")
def receipt(reference: str):  # type: ignore[no-untyped-def]
    result = _own_result(reference)
    line = get_product_line(result["product"]["key"])
    return render_template("shop/receipt.html", result=result, line=line,
                           profile_summary=line.summarise_profile(result["profile"]))


@bp.get("/methodology/<product>")
def methodology(product: str):  # type: ignore[no-untyped-def]
    line = _line_or_404(product)
    registry = current_registry()
    return render_template(
        "shop/methodology.html",
        line=line,
        criteria=line.criteria({}),
        presets=line.presets,
        tolerance=TIE_TOLERANCE,
        providers=registry.for_product(line.key),
    )
