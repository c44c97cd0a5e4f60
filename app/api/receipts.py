"""GET /api/v1/comparisons/{reference}/proof: a comparison's receipt as a C2SP tlog-proof@v1 with
the entry's bytes (app/audit/tlog_proof.py), which tools/candor-verify checks offline.

Who may have it: the leaf holds the comparison as logged (the profile sealed), so it goes to
advisor and compliance tokens, and to whoever holds the result's permalink secret, sent in the
`Candor-Permalink-Secret` header (never in the address, which proxies and logs keep). Without a
token, a wrong secret and an unknown reference get the same 404, and every attempt counts against
the address's CANDOR_REFERENCE_RATE_LIMIT, as on the website."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.api.comparison_schemas import REFERENCE_SCHEMA
from app.api.openapi import TEXT, Body, Operation, Parameter
from app.audit import tlog_proof
from app.auth.access import problem, public, request_api_token
from app.db import db
from app.security import REFERENCE_RATE_LIMIT, admitted
from app.web.permalink_secret import opens
from app.web.recorded import not_logged_problem, recorded

bp = Blueprint("receipts", __name__, url_prefix="/comparisons")

PERMALINK_HEADER = "Candor-Permalink-Secret"
STAFF_SCOPES = ("advisor", "compliance")
MAX_INDEX_DIGITS = 12
MAX_ENTRY_INDEX = 2**31 - 1
"""audit_entries.index is a 32-bit integer on PostgreSQL: no entry has a larger one."""
NOT_FOUND = ("There is no comparison with that reference",
             "Check the reference (it looks like CND-7K2M-Q9XA) and the permalink secret.")


def _refused(reference: str):  # type: ignore[no-untyped-def]
    """Why this request may not have the receipt, as a problem; None when it may."""
    if "Authorization" in request.headers:
        token = request_api_token()
        if token is None:
            return problem(401, "That API token does not work",
                           "Send a working advisor or compliance token, or the permalink secret instead.",
                           {"WWW-Authenticate": 'Bearer realm="candor", error="invalid_token"'})
        if token.scope not in STAFF_SCOPES:
            return problem(403, "That API token cannot do this",
                           f"A receipt needs an advisor or compliance token; yours has the {token.scope} scope.")
        return None
    secret = request.headers.get(PERMALINK_HEADER, "")
    if not secret:  # a 404 whether or not the reference exists, as for a wrong secret: nothing is revealed
        return problem(404, "Say which comparison is yours",
                       f"Send the secret at the end of the comparison's permalink in the '{PERMALINK_HEADER}' header, "
                       "or an advisor or compliance token as 'Authorization: Bearer <token>'.")
    if not admitted(REFERENCE_RATE_LIMIT, "reference-lookup"):
        return problem(429, "Too many look-ups", "You have looked up many references from this address; wait a minute.")
    if not opens(db.session, reference, secret):
        return problem(404, *NOT_FOUND)
    return None


@bp.get("/<reference>/proof")
@public
def proof(reference: str):  # type: ignore[no-untyped-def]
    raw_index = request.args.get("index")
    if raw_index is not None and (not raw_index.isascii() or not raw_index.isdigit() or len(raw_index) > MAX_INDEX_DIGITS):
        return problem(400, "That index cannot be read",
                       f"'index' is the number of an entry filed under the reference, not {raw_index[:20]!r}.")
    refused = _refused(reference)
    if refused is not None:
        return refused
    if raw_index is not None and int(raw_index) > MAX_ENTRY_INDEX:  # past what the log's index column holds
        return problem(404, *NOT_FOUND)
    with recorded("A checkpoint for a receipt", not_logged_problem(
            "The receipt's checkpoint could not be signed", "Nothing was recorded. Try again in a moment."),
            outcome="no receipt was given"):
        found = tlog_proof(db.session, reference, None if raw_index is None else int(raw_index))
    if found is None:
        return problem(404, *NOT_FOUND)
    return Response(found.text(), content_type=TEXT + "; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{found.file_name}"',
                             "Cache-Control": "no-store"})


RECEIPT_DESCRIPTION = (
    "The receipt of a comparison: a C2SP tlog-proof@v1 (https://c2sp.org/tlog-proof) — the entry's index, its "
    "RFC 9162 inclusion proof and the signed checkpoint (with any witness cosignatures) it leads to — whose `extra` "
    "line is the base64 of the entry's leaf bytes (RFC 8785 canonical JSON), so the leaf hash can be recomputed. "
    "Without `index`, the latest ranking under the reference; with it, that entry, which must be filed under the "
    "reference. `candor-verify` (tools/candor-verify) checks it offline with our verifier key. Advisor and compliance "
    f"tokens may have any; anyone else sends the comparison's permalink secret in the `{PERMALINK_HEADER}` header "
    "(rate-limited per address, like every reference look-up).")

OPERATIONS = (
    Operation("get", "/api/v1/comparisons/{reference}/proof", "getComparisonProof", "A comparison's receipt",
              RECEIPT_DESCRIPTION,
              {200: Body("The receipt (a .tlog-proof file).", {"type": "string"}, TEXT,
                         headers={"Content-Disposition": {"description": "attachment; filename=<reference>-entry-<index>.tlog-proof",
                                                          "schema": {"type": "string"}}})},
              scopes=(),
              parameters=(Parameter("reference", "path", REFERENCE_SCHEMA, "The comparison's reference."),
                          Parameter("index", "query", {"type": "integer", "minimum": 0},
                                    "An entry filed under the reference (default: its latest ranking)."),
                          Parameter(PERMALINK_HEADER, "header", {"type": "string", "maxLength": 64},
                                    "The secret at the end of the comparison's permalink, when no token is sent.")),
              problems=(400, 403, 404, 429, 503), tags=("comparisons",)),
)
