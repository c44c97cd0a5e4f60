"""Audit proofs for compliance tokens (DESIGN.md "Audit proofs"): the entries' leaf bytes, the
latest signed checkpoint, the verifier key, and RFC 9162 inclusion and consistency proofs, so
anyone holding a token can check the log with their own code."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from app.audit import (
    AuditEntry, checkpoint_now, consistency_proof, current_keys, inclusion_proof, log_size, loggable, ProofError,
    with_cosignatures,
    signing_key_chain,
)
from app.auth.access import api_scope_required, problem
from app.db import db
from app.web.recorded import not_logged_problem, recorded

bp = Blueprint("audit", __name__, url_prefix="/audit")

MAX_ENTRIES = 1000
DEFAULT_ENTRIES = 100
TEXT = "text/plain; charset=utf-8"


class BadQuery(ValueError):
    pass


def _int_arg(name: str, *, minimum: int = 0, maximum: int | None = None, default: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadQuery(f"'{name}' is required: a whole number of at least {minimum}.")
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadQuery(f"'{name}' must be a whole number, not {raw[:20]!r}.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadQuery(f"'{name}' must be {bounds}; it was {value}.")
    return value


@bp.errorhandler(BadQuery)
def bad_query(error: BadQuery):  # type: ignore[no-untyped-def]
    return problem(400, "That query cannot be answered", str(error))


@bp.errorhandler(ProofError)
def impossible_proof(error: ProofError):  # type: ignore[no-untyped-def]
    return problem(400, "There is no such proof", f"{str(error)[:1].upper()}{str(error)[1:]}.")


@bp.get("/entries")
@api_scope_required("compliance")
def entries():  # type: ignore[no-untyped-def]
    """Entries from index `start`, in order, each with its leaf bytes (base64)."""
    start = _int_arg("start", default=0)
    limit = _int_arg("limit", minimum=1, maximum=MAX_ENTRIES, default=DEFAULT_ENTRIES)
    tree_size = log_size(db.session)
    rows = db.session.execute(
        select(AuditEntry.index, AuditEntry.leaf, AuditEntry.leaf_hash, AuditEntry.created_at, AuditEntry.kind,
               AuditEntry.reference)
        .where(AuditEntry.index >= start, AuditEntry.index < tree_size).order_by(AuditEntry.index).limit(limit)).all()
    listed = [{
        "index": row.index,
        "leaf": base64.b64encode(bytes(row.leaf)).decode("ascii"),
        "leaf_hash": bytes(row.leaf_hash).hex(),
        "time": loggable(row.created_at),
        "kind": row.kind,
        "reference": row.reference,
    } for row in rows]
    following = start + len(listed)
    return jsonify(entries=listed, tree_size=tree_size, next=following if following < tree_size else None)


@bp.get("/checkpoint")
@api_scope_required("compliance")
def checkpoint():  # type: ignore[no-untyped-def]
    """The latest signed checkpoint, as a C2SP signed note with the witnesses' cosignatures of it
    (if any yet); the log is signed as it is now first if it has grown since."""
    with recorded("A checkpoint", not_logged_problem("The checkpoint could not be signed",
                                                     "Nothing was recorded. Try again in a moment."),
                  outcome="none was served"):
        latest = checkpoint_now(db.session)
    return Response(with_cosignatures(db.session, latest), content_type=TEXT)


@bp.get("/verifier-key")
@api_scope_required("compliance")
def verifier_key():  # type: ignore[no-untyped-def]
    """The key that checks our checkpoints: <name>+<key ID>+<base64 key>, without a newline so
    it can be passed as it is to a signed-note verifier. After a signing-key rotation, the keys
    that signed earlier checkpoints follow, one a line, newest first (the first line is always
    the latest key)."""
    chain = signing_key_chain(db.session, current_keys())
    keys = [chain.current, *reversed(chain.earlier)]
    return Response("\n".join(key.verifier.verifier_key for key in keys), content_type=TEXT)


@bp.get("/proofs/inclusion")
@api_scope_required("compliance")
def inclusion():  # type: ignore[no-untyped-def]
    index = _int_arg("index")
    tree_size = _int_arg("tree_size", minimum=1)
    path = inclusion_proof(db.session, index, tree_size)
    leaf_hash = db.session.scalar(select(AuditEntry.leaf_hash).where(AuditEntry.index == index))
    return jsonify(index=index, tree_size=tree_size, leaf_hash=bytes(leaf_hash).hex(),
                   inclusion_path=[item.hex() for item in path])


@bp.get("/proofs/consistency")
@api_scope_required("compliance")
def consistency():  # type: ignore[no-untyped-def]
    first = _int_arg("first")
    second = _int_arg("second")
    path = consistency_proof(db.session, first, second)
    return jsonify(first=first, second=second, consistency_path=[item.hex() for item in path])
