"""An advisor re-quotes one provider during a call: the button beside each provider in the call's
"Check a quote now" table posts here; the provider is asked again (app/comparison/requotes.py),
the answer is logged, and the call page shows it in that provider's row — with, for a changed
quote, the same sentence the shopper reads about what it does to the ranking. The route hangs on the
advisor blueprint."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.advisor.routes import _call_page, _me, _unknown_reference, bp
from app.advisor.service import CHANNEL, advisor_actor
from app.auth.access import roles_required
from app.auth.models import ADVISOR
from app.comparison.api import Asking, OfferUnavailable, load_result, requote_provider
from app.db import db, utcnow
from app.products import get_product_line
from app.provider_registry import current_registry
from app.web.recorded import recorded


@bp.post("/calls/<reference>/requote")
@roles_required(ADVISOR)
def requote(reference: str) -> Any:
    result = load_result(db.session, reference)
    if result is None:
        return _unknown_reference(reference)
    line = get_product_line(result["product"]["key"])
    provider = (request.form.get("provider") or "")[:64]
    not_saved = "We could not record the re-quote just now; nothing was saved. Please try again."
    try:
        with recorded("A re-quote", lambda: _call_page(reference, problem=not_saved, status=503),
                      outcome="it was not shown"):
            fresh = requote_provider(db.session, current_registry(), line, result, provider,
                                     asking=Asking(advisor_actor(_me()), CHANNEL), now=utcnow())
    except OfferUnavailable as refused:
        return _call_page(reference, problem=refused.message, status=refused.status)
    name = next(o["provider_name"] for o in result["ranking"] if o["provider"] == provider)
    said = f"{name} re-quoted: {'the offer changed' if fresh.changed else 'the offer is unchanged'}."
    flash(said if fresh.reranked is None else f"{said} {fresh.reranked.sentence}", "info")
    return redirect(url_for("advisor.call", reference=reference, _anchor="requotes"), code=303)
