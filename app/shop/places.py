"""The 3-digit ZIP prefixes and their states, for app/static/js/zip-state.js to fill in the state
as the shopper types a ZIP code. The whole table is sent, never a shopper's ZIP code asked about,
so nothing the shopper types leaves the page; the server checks the full ZIP code on submit."""

from __future__ import annotations

from flask import jsonify

from app.auth.access import public
from app.products.zip_codes import states_by_prefix
from app.shop.routes import bp

CACHE_SECONDS = 24 * 60 * 60


@bp.get("/zip-prefixes.json")
@public
def zip_prefixes():  # type: ignore[no-untyped-def]
    response = jsonify(states_by_prefix())
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
