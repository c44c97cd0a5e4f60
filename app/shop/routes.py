from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.auth.access import public
from app.comparison.service import (
    InputsErased,
    InvalidPreferences,
    load_result,
    preference_controls,
    preferences_from_form,
    ranking_criteria,
    rerank,
    run_comparison,
)
from app.db import db
from app.products import PRODUCT_LINES, UnknownProduct, get_product_line
from app.provider_registry import current_registry
from app.ranking.engine import TIE_TOLERANCE, normalise_weights
from app.ranking.measure_explain import promise
from app.security import rate_limited
from app.shop.progress import stream_comparison, wants_progress

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
@public
def landing():  # type: ignore[no-untyped-def]
    return render_template("shop/landing.html", lines=PRODUCT_LINES.values())


@bp.route("/compare/<product>", methods=["GET", "POST"])
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def compare(product: str):  # type: ignore[no-untyped-def]
    line = _line_or_404(product)
    form = line.profile_form()
    if not form.is_submitted():
        return render_template("shop/form.html", line=line, form=form)
    if not form.validate():
        return render_template("shop/form.html", line=line, form=form), 400
    if wants_progress(request.form):  # the form page's own submit: show providers answering (progress.py)
        return stream_comparison(
            line, line.profile_from_form(form), preferences={"preset": form.preset.data}, channel="web",
            deadline_s=current_app.config["CANDOR_COMPARISON_DEADLINE_S"],
            results_url=lambda reference: url_for("shop.results", reference=reference),
            remember=_remember_reference, retry_url=url_for("shop.compare", product=line.key),
        )
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


def _remember_reference(reference: str) -> None:
    session[SESSION_REFERENCES] = [reference, *session.get(SESSION_REFERENCES, [])][:REMEMBERED_REFERENCES]


def _own_result(reference: str):  # type: ignore[no-untyped-def]
    if reference not in session.get(SESSION_REFERENCES, []):
        abort(404)
    result = load_result(db.session, reference)
    if result is None:
        abort(404)
    return result


def _profile_summary(line, result):  # type: ignore[no-untyped-def]
    """What the shopper told us, or nothing once it has been erased (the page then says when and by whom)."""
    return [] if result["profile"] is None else line.summarise_profile(result["profile"])


@bp.get("/results/<reference>")
@public
def results(reference: str):  # type: ignore[no-untyped-def]
    result = _own_result(reference)
    line = get_product_line(result["product"]["key"])
    return render_template("shop/results.html", **_results_context(line, result))


def _results_context(line, result, errors=None):  # type: ignore[no-untyped-def]
    return {"result": result, "line": line, "profile_summary": _profile_summary(line, result),
            "controls": preference_controls(line, result["preferences"]), "preference_errors": errors or {}}


# The results page's re-rank form sends this header from rerank.js and gets back only the
# results block to put in place; without JavaScript it posts normally and is redirected.
FRAGMENT_HEADER = "X-Candor-Fragment"


@bp.post("/results/<reference>/preferences")
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def rerank_results(reference: str):  # type: ignore[no-untyped-def]
    """Ranks the same offers with other preferences: a new logged recommendation under the same
    reference, committed here before it is shown."""
    result = _own_result(reference)
    line = get_product_line(result["product"]["key"])
    fragment = request.headers.get(FRAGMENT_HEADER) == "results"
    try:
        rerank(db.session, line, result, preferences=preferences_from_form(line, request.form), channel="web")
        db.session.commit()
    except InvalidPreferences as invalid:
        db.session.rollback()
        return _results_response(line, result, fragment, 400, errors=invalid.errors)
    except InputsErased:
        db.session.rollback()
        return _results_response(line, result, fragment, 409, errors={
            "preferences": "Your details were erased, so this comparison cannot be ranked again."})
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("A re-ranking could not be written to the log; it was not shown.")
        return render_template("shop/not_logged.html", line=line), 503
    if not fragment:
        return redirect(url_for("shop.results", reference=reference), code=303)
    return _results_response(line, load_result(db.session, reference), fragment, 200)


def _results_response(line, result, fragment, status, errors=None):  # type: ignore[no-untyped-def]
    context = _results_context(line, result, errors)
    if not fragment:
        return render_template("shop/results.html", **context), status
    template = current_app.jinja_env.get_template("shop/results.html")
    current_app.update_template_context(context)
    body = "".join(template.blocks["results_body"](template.new_context(context)))
    return body, status, {"Cache-Control": "no-store", "Vary": FRAGMENT_HEADER}


@bp.get("/results/<reference>/receipt")
@public
def receipt(reference: str):  # type: ignore[no-untyped-def]
    result = _own_result(reference)
    line = get_product_line(result["product"]["key"])
    return render_template("shop/receipt.html", result=result, line=line,
                           profile_summary=_profile_summary(line, result))


@bp.get("/methodology/<product>")
@public
def methodology(product: str):  # type: ignore[no-untyped-def]
    line = _line_or_404(product)
    registry = current_registry()
    criteria = ranking_criteria(line)
    return render_template(
        "shop/methodology.html",
        line=line,
        criteria=criteria,
        presets=line.presets,
        shares={preset.key: normalise_weights(criteria, preset.weights) for preset in line.presets},
        tolerance=TIE_TOLERANCE,
        promises={preset.key: promise(preset.label, preset.measure, line.criterion(
            line.profile_schema["examples"][0], preset.measure.criteria[0])) for preset in line.presets if preset.measure},
        providers=registry.for_product(line.key),
        not_asked=[config for config in registry.configs if line.key in config.products and not config.enabled],
    )
