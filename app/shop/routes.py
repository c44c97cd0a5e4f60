from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from app.audit import prove_reference, tlog_proof
from app.auth.access import public
from app.comparison.api import (
    InputsErased,
    InvalidPreferences,
    load_result,
    preference_controls,
    preferences_from_form,
    ranking_criteria,
    replaced_comparison,
    rerank,
    run_comparison,
)
from app.db import db
from app.products import PRODUCT_LINES, UnknownProduct, get_product_line
from app.provider_registry import current_registry
from app.ranking.engine import TIE_TOLERANCE, normalise_weights
from app.ranking.measure_explain import promise
from app.security import REFERENCE_RATE_LIMIT, admitted, rate_limited
from app.shop import permalink
from app.shop.progress import stream_comparison, wants_progress
from app.shop.view import results_view
from app.web.recorded import not_logged_page, recorded

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
    return start_comparison(line, line.profile_from_form(form), {"preset": form.preset.data},
                            retry_url=url_for("shop.compare", product=line.key))


def start_comparison(line, profile, preferences, *, retry_url: str, replaces=None,  # type: ignore[no-untyped-def]
                     subject: str | None = None):
    """Runs a comparison for the shopper: the streamed progress page when the page asked for it
    (`progress=1`), else logged, committed and remembered before the 303 to its results. Each
    comparison gets its own permalink secret; only its hash is logged."""
    secret, secret_sha256 = permalink.issue()
    options = {"preferences": preferences, "channel": "web", "subject": subject, "replaces": replaces,
               "deadline_s": current_app.config["CANDOR_COMPARISON_DEADLINE_S"],
               "permalink_sha256": secret_sha256}
    if wants_progress(request.form):  # the form page's own submit: show providers answering (progress.py)
        return stream_comparison(
            line, profile, **options, remember=lambda reference: _remember_reference(reference, secret),
            retry_url=retry_url,
            results_url=lambda reference: url_for("shop.results", reference=reference),
        )
    with recorded("A comparison", not_logged_page(line)):
        reference = run_comparison(db.session, current_registry(), line, profile, **options).reference
    _remember_reference(reference, secret)
    return redirect(url_for("shop.results", reference=reference), code=303)


def _remember_reference(reference: str, secret: str | None = None) -> None:
    """This browser's own references (and the permalink secrets it holds), newest first."""
    kept = [reference, *(ref for ref in session.get(SESSION_REFERENCES, []) if ref != reference)]
    session[SESSION_REFERENCES] = kept[:REMEMBERED_REFERENCES]
    if secret is not None:
        permalink.remember(reference, secret, session[SESSION_REFERENCES])


def own_result(reference: str, secret: str | None = None):  # type: ignore[no-untyped-def]
    """The result under `reference` for a browser entitled to it: one that made it (or opened its
    permalink) by its session, or, with `secret`, anyone holding the permalink. Everything else —
    an unknown reference, someone else's, a wrong secret — is the same 404. Every look-up counts
    against the client address's CANDOR_REFERENCE_RATE_LIMIT."""
    if not admitted(REFERENCE_RATE_LIMIT, "reference-lookup"):
        abort(429)
    if secret is not None:
        entitled = permalink.opens(db.session, reference, secret)
    else:
        entitled = reference in session.get(SESSION_REFERENCES, [])
    result = load_result(db.session, reference) if entitled else None
    if result is None:
        abort(404)
    return result


def _profile_summary(line, result):  # type: ignore[no-untyped-def]
    """What the shopper told us, or nothing once it has been erased (the page then says when and by whom)."""
    return [] if result["profile"] is None else line.summarise_profile(result["profile"])


@bp.get("/results/<reference>")
@public
def results(reference: str):  # type: ignore[no-untyped-def]
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    if result["profile"] is None:  # the permalink's page: nothing of the comparison is left to show
        return render_template("shop/erased.html", result=result, line=line)
    return render_template("shop/results.html", **_results_context(line, result))


def _results_context(line, result, errors=None):  # type: ignore[no-untyped-def]
    # Sorting, filtering and comparing come from the query string of a GET (a re-rank's own answer
    # shows the plain ranking) and are only a view of the logged ranking (app/shop/view.py).
    shown_by_get = request.method == "GET"
    # The view's links go to the results address, never the permalink's: the secret stays out of
    # every link on the page (a browser that opened the permalink holds the result in its session).
    view = results_view(line, result, request.args if shown_by_get else MultiDict(),
                        url_for("shop.results", reference=result["reference"]), ranking_criteria(line))
    address = permalink.link(result["reference"])
    return {"result": result, "line": line, "profile_summary": _profile_summary(line, result),
            "replaces": replaced_comparison(db.session, result),
            "controls": preference_controls(line, result["preferences"]), "preference_errors": errors or {},
            "view": view, "permalink": address,
            "permalink_mailto": permalink.mailto(result["reference"], line.name, address) if address else None}


@bp.get("/r/<reference>", endpoint="permalink")
@bp.get("/r/<reference>/<secret>", endpoint="permalink")
@public
def permalink_results(reference: str, secret: str = ""):  # type: ignore[no-untyped-def]
    """The permalink: the same results page in any browser, which then keeps the result in its
    session (so the receipt, re-ranking and returning work as for the browser that made it). Once
    the shopper's details are erased it says so and shows nothing of the comparison."""
    result = own_result(reference, secret=secret)
    line = get_product_line(result["product"]["key"])
    if result["profile"] is None:
        return render_template("shop/erased.html", result=result, line=line), 410, NOT_INDEXED
    _remember_reference(reference, secret)
    return render_template("shop/results.html", **_results_context(line, result)), 200, NOT_INDEXED


# A permalink is private to whoever holds it: never listed by a search engine that finds one.
NOT_INDEXED = {"X-Robots-Tag": "noindex, nofollow"}


# The results page's re-rank form sends this header from rerank.js and gets back only the
# results block to put in place; without JavaScript it posts normally and is redirected.
FRAGMENT_HEADER = "X-Candor-Fragment"


@bp.post("/results/<reference>/preferences")
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def rerank_results(reference: str):  # type: ignore[no-untyped-def]
    """Ranks the same offers with other preferences: a new logged recommendation under the same
    reference, committed here before it is shown."""
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    fragment = request.headers.get(FRAGMENT_HEADER) == "results"
    try:
        with recorded("A re-ranking", not_logged_page(line)):
            rerank(db.session, line, result, preferences=preferences_from_form(line, request.form), channel="web")
    except InvalidPreferences as invalid:
        return _results_response(line, result, fragment, 400, errors=invalid.errors)
    except InputsErased:
        return _results_response(line, result, fragment, 409, errors={
            "preferences": "Your details were erased, so this comparison cannot be ranked again."})
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
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    proof = prove_reference(db.session, reference)
    db.session.commit()  # the checkpoint the proof may have had to sign
    return render_template("shop/receipt.html", result=result, line=line,
                           profile_summary=_profile_summary(line, result), proof=proof)


@bp.get("/results/<reference>/proof")
@public
def proof(reference: str):  # type: ignore[no-untyped-def]
    """The receipt as a C2SP tlog-proof file (app/audit/tlog_proof.py) for `candor-verify`: the
    latest ranking's entry, or with `?index=` another entry under the reference."""
    own_result(reference)
    index = request.args.get("index", "")
    if index and (not index.isascii() or not index.isdigit() or len(index) > 12):
        abort(404)
    found = tlog_proof(db.session, reference, int(index) if index else None)
    db.session.commit()  # the checkpoint the proof may have had to sign
    if found is None:
        abort(404)
    return found.text(), 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
                               "Content-Disposition": f'attachment; filename="{found.file_name}"'}


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
