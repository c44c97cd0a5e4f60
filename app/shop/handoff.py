"""“Continue with this provider”: a POST from the results page (no JavaScript needed) that checks
the offer with its provider just before the shopper leaves us (app/comparison/handoff.py). An offer
that still stands is logged as handed off and the shopper goes to the provider's own page for it
(303); one that changed is shown old beside new first, with what the change does to the ranking and
a button to go on with the new quote; one that had expired and was re-issued unchanged is said so
first; one we cannot send them to is refused saying why. "See the updated ranking" opens the
re-ranking a changed quote made (`requoted_results`), beside — never instead of — the logged
comparison and its permalink. The routes hang on the shop blueprint."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request

from app.auth.access import public
from app.comparison.api import (
    ANONYMOUS,
    Asking,
    OfferChoice,
    OfferUnavailable,
    hand_off,
    price_change,
    requoted_ranking,
)
from app.db import db, utcnow
from app.products import get_product_line
from app.provider_registry import current_registry
from app.security import CONTENT_SECURITY_POLICY, rate_limited
from app.shop.routes import bp, own_result
from app.web.recorded import not_logged_page, recorded
from providers.deep_links import provider_origins

CHANNEL = "web"
# The pages whose forms may end at a provider's site: the 303 of a hand-off is a navigation the
# browser checks against the page's `form-action`, so those pages name every configured provider's
# own origin there — the operator's settings, never an address a provider sent.
HANDOFF_PAGES = frozenset({"shop.results", "shop.permalink", "shop.continue_with", "shop.requoted_results"})


@bp.after_request
def allow_handoff_redirects(response: Response) -> Response:
    # Only on the page itself: a refusal (a wrong permalink's 404) must look like any other.
    if request.endpoint in HANDOFF_PAGES and response.status_code == 200 and response.mimetype == "text/html":
        origins = set()
        for config in current_registry().configs:
            for scheme, name, port in provider_origins(config):
                host = f"[{name}]" if ":" in name else name
                origins.add(f"{scheme}://{host}:{port}")
                if scheme == "http":
                    origins.add(f"https://{host}")  # deep_links.py accepts the upgrade
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", " ".join(["form-action 'self'", *sorted(origins)]))
    return response


def _refused(line: Any, result: Any, message: str, status: int) -> Any:
    return render_template("shop/handoff_refused.html", line=line, result=result, message=message), status


@bp.post("/results/<reference>/continue")
@public
@rate_limited("CANDOR_COMPARISON_RATE_LIMIT", methods=("POST",))
def continue_with(reference: str) -> Any:
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    choice = OfferChoice.parse(request.form.get("offer"), request.form.get("requote"))
    if choice is None:
        return _refused(line, result, "Choose one of the offers on your results page, then press its "
                                      "“Continue” button.", 400)
    try:
        with recorded("A hand-off", not_logged_page(line), outcome="nobody was sent on"):
            handoff = hand_off(db.session, current_registry(), line, result, choice,
                               asking=Asking(ANONYMOUS, CHANNEL), now=utcnow())
    except OfferUnavailable as refused:
        return _refused(line, result, refused.message, refused.status)
    if handoff.handed_off:
        assert handoff.url is not None
        return redirect(handoff.url, code=303)
    return render_template("shop/handoff_changed.html", line=line, result=result, handoff=handoff,
                           change=price_change(handoff.before, handoff.after), now=utcnow())


@bp.get("/results/<reference>/requotes/<int:index>")
@public
def requoted_results(reference: str, index: int) -> Any:
    """The ranking with a provider's changed quote in place of the one shown, as its re-quote
    entry logged it: worked out again from the log, marked as updated after the re-quote."""
    result = own_result(reference)
    line = get_product_line(result["product"]["key"])
    try:
        updated = requoted_ranking(db.session, line, reference, index)
    except OfferUnavailable as refused:
        return _refused(line, result, refused.message, refused.status)
    return render_template("shop/requoted_results.html", line=line, result=result, updated=updated,
                           requote=updated.requote, reranked=updated.reranked, now=utcnow())
