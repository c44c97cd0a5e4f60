"""Keep and return: "Change your answers" opens the line's form filled with the answers the
shopper gave (read from the log entry's sealed profile, never carried in a URL), and "Get fresh
quotes" asks the providers again with the same answers. Either is a new comparison, under a new
reference, whose log entry records the one it replaces (app/comparison/replaces.py). The routes
hang on the shop blueprint; app/shop/routes.py owns the session's references and runs comparisons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, url_for

from app.auth.access import public
from app.comparison.api import CUSTOM, pointer_to
from app.products import get_product_line
from app.products.prefill import form_data
from app.security import rate_limited
from app.shop.routes import own_result, bp, start_comparison


def _subject(result: Mapping[str, Any]) -> str | None:
    """The shopper the replaced comparison was sealed for: the re-quote is theirs too, so erasing
    their details erases both."""
    sealed = result.get("personal")
    return sealed.get("subject") if isinstance(sealed, Mapping) else None


def _same_preferences(result: Mapping[str, Any]) -> dict[str, Any]:
    logged = result["preferences"]
    if logged["preset"] == CUSTOM:
        return {"preset": CUSTOM, "weights": dict(logged["weights"])}
    return {"preset": logged["preset"]}


def _erased(line, result, doing: str):  # type: ignore[no-untyped-def]
    return render_template("shop/erased.html", line=line, result=result, doing=doing), 409


def _form_page(line, result, form, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("shop/form.html", line=line, form=form, replacing=result["reference"],
                           action=url_for("shop.change_answers", reference=result["reference"])), status


@bp.get("/results/<reference>/change")
@public
def change_answers(reference: str):  # type: ignore[no-untyped-def]
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    if result["profile"] is None:
        return _erased(line, result, "fill in the form with your answers again")
    answers = form_data(result["profile"])
    if result["preferences"]["preset"] != CUSTOM:
        answers["preset"] = result["preferences"]["preset"]
    return _form_page(line, result, line.profile_form(formdata=answers))


@bp.post("/results/<reference>/change")
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def submit_changed_answers(reference: str):  # type: ignore[no-untyped-def]
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    if result["profile"] is None:
        return _erased(line, result, "change your answers to this comparison")
    form = line.profile_form()
    if not form.validate():
        return _form_page(line, result, form, 400)
    return start_comparison(line, line.profile_from_form(form), {"preset": form.preset.data},
                            retry_url=url_for("shop.change_answers", reference=reference),
                            replaces=pointer_to(result), subject=_subject(result))


@bp.post("/results/<reference>/fresh")
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def fresh_quotes(reference: str):  # type: ignore[no-untyped-def]
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    if result["profile"] is None:
        return _erased(line, result, "ask for fresh quotes with your answers")
    return start_comparison(line, dict(result["profile"]), _same_preferences(result),
                            retry_url=url_for("shop.results", reference=reference),
                            replaces=pointer_to(result), subject=_subject(result))
