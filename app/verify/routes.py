from __future__ import annotations

from flask import Blueprint, render_template, request

from app.audit import normalise_reference, prove_reference
from app.auth.access import public
from app.db import db
from app.security import rate_limited
from app.web.recorded import recorded

bp = Blueprint("verify", __name__)

KIND_LABELS = {
    "recommendation": "The recommendation we made",
    "re-rank": "The ranking again, with the preferences you changed",
    "erasure": "The erasure of your details",
}


@bp.get("/verify")
@public
@rate_limited("CANDOR_VERIFY_RATE_LIMIT", methods=("GET",))
def verify():  # type: ignore[no-untyped-def]
    typed = request.args.get("reference")
    if typed is None:
        return render_template("verify/verify.html", typed="", error=None, receipt=None)
    reference = normalise_reference(typed[:64])
    if reference is None:
        error = "Enter the reference exactly as it is on your receipt, for example CND-7K2M-Q9XD."
        return render_template("verify/verify.html", typed=typed[:64], error=error, receipt=None), 400
    not_proven = "We could not check your receipt just now. Please try again in a moment."
    with recorded("A receipt's checkpoint", lambda: (render_template(
            "verify/verify.html", typed=reference, error=not_proven, receipt=None), 503), outcome="no proof was shown"):
        receipt = prove_reference(db.session, reference)
    if receipt is None:
        error = f"We have no recommendation with the reference {reference}. Check it against your receipt."
        return render_template("verify/verify.html", typed=reference, error=error, receipt=None), 404
    return render_template("verify/verify.html", typed=reference, error=None, receipt=receipt,
                           kind_labels=KIND_LABELS)
