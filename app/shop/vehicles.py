"""The vehicle list for the auto form's script (app/static/js/vehicle-picker.js): one make's models
and trims with their model years, and the table of World Manufacturer Identifiers the script reads
a VIN's maker from. A make is not personal; a VIN never leaves the page (the script checks it and
reads its year and maker itself, and the server checks it again on submit)."""

from __future__ import annotations

from flask import abort, jsonify

from app.auth.access import public
from app.products.auto_insurance.catalogue import make_table
from app.products.auto_insurance.vin import wmi_table
from app.shop.routes import bp

CACHE_SECONDS = 24 * 60 * 60


def _cached(document):  # type: ignore[no-untyped-def]
    response = jsonify(document)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@bp.get("/vehicle-models/<make>.json")
@public
def vehicle_models(make: str):  # type: ignore[no-untyped-def]
    table = make_table(make[:40])
    if not table:
        abort(404)
    return _cached(table)


@bp.get("/vehicle-wmi.json")
@public
def vehicle_wmi():  # type: ignore[no-untyped-def]
    return _cached(wmi_table())
