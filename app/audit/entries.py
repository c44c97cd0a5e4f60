"""What an entry is. Its leaf is the canonical JSON of

    {"entry": <header>, "record": <what happened>}

The header (index, time, kind, channel, reference, actor, product key, subject, and for
recommendations a summary of the outcome) comes first, so it can be read without parsing the
record; the database columns used to find entries are copies of it, and `flask audit verify`
checks every copy against it. Readers see one flat document (`flatten`). Entries written before
headers existed are flat documents; their header is derived from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

RECOMMENDATION = "recommendation"
RERANK = "re-rank"
ADVISOR_DECISION = "advisor-decision"
OVERRIDE = "override"
ERASURE = "erasure"
CONFIGURATION_CHANGE = "configuration-change"
LOGIN = "login"
KNOWN_KINDS = (RECOMMENDATION, RERANK, ADVISOR_DECISION, OVERRIDE, ERASURE, CONFIGURATION_CHANGE, LOGIN)
RESULT_KINDS = (RECOMMENDATION, RERANK)
FLAT_HEADER_MEMBERS = ("index", "time", "kind", "channel", "reference", "actor")

# Other parts of the app add kinds of their own (sign-in failures, account changes…): a kind is
# any short lowercase word or hyphenated words.
KIND_PATTERN = re.compile(r"^[a-z][a-z-]{0,31}$")

ACTOR_LABELS = {
    "anonymous": "an anonymous visitor",
    "advisor": "advisor",
    "admin": "administrator",
    "compliance": "compliance officer",
    "system": "the system",
}
RETENTION_ACTOR = {"type": "system", "id": "retention"}


class InvalidEntry(ValueError):
    pass


def check_kind(kind: str) -> str:
    if not KIND_PATTERN.match(kind):
        raise InvalidEntry(f"{kind!r} is not an entry kind: lowercase words joined by hyphens, at most 32 characters")
    return kind


def describe_actor(actor: Mapping[str, Any] | None) -> str:
    """Who did something, in words for a page: "compliance officer 12", "our retention policy"."""
    if not actor:
        return "someone we did not record"
    if dict(actor) == RETENTION_ACTOR:
        return "our retention policy"
    label = ACTOR_LABELS.get(str(actor.get("type")), str(actor.get("type")))
    return f"{label} {actor['id']}" if actor.get("id") not in (None, "") else label


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def product_key(product: Any) -> str | None:
    if isinstance(product, Mapping):
        key = product.get("key")
        return key if isinstance(key, str) else None
    return product if isinstance(product, str) else None


def header_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's header — its index card — from the entry as one flat document: where and when,
    who, about what, and for recommendations the outcome a reviewer filters on. It is the first
    member of the leaf, so it can be read without parsing the rest."""
    actor = document.get("actor")
    personal = document.get("personal")
    subject = personal.get("subject") if isinstance(personal, Mapping) else document.get("subject")
    summary = None
    if document.get("kind") in RESULT_KINDS:
        house = document.get("house") if isinstance(document.get("house"), Mapping) else {}
        recommended = document.get("recommended") if isinstance(document.get("recommended"), Mapping) else {}
        failures = document.get("failures")
        summary = {
            "recommended_provider": recommended.get("provider"),
            "house_rank": house.get("rank"),
            "house_best": house.get("best"),
            "failure_count": len(failures) if isinstance(failures, list) else None,
        }
    return {
        "index": document["index"],
        "time": document["time"],
        "kind": document["kind"],
        "channel": document["channel"],
        "reference": document.get("reference"),
        "actor": dict(actor) if isinstance(actor, Mapping) else None,
        "product": product_key(document.get("product")),
        "subject": subject if isinstance(subject, str) else None,
        "summary": summary,
    }


# The AuditEntry columns that copy the header, in the order header_columns gives them.
COLUMN_NAMES = ("index", "created_at", "kind", "reference", "channel", "product", "subject", "actor_type", "actor_id",
                "recommended_provider", "house_rank", "house_best", "failure_count")


def header_columns(header: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of COLUMN_NAMES for a header, as a tuple: `flask audit verify` compares one per
    entry with the stored row, so it skips building a dict."""
    actor = header["actor"] or {}
    summary = header["summary"] or {}
    actor_id = actor.get("id")
    return (
        header["index"],
        parse_time(header["time"]),
        header["kind"],
        header["reference"],
        header["channel"],
        header["product"],
        header["subject"],
        actor.get("type"),
        None if actor_id is None else str(actor_id),
        summary.get("recommended_provider"),
        summary.get("house_rank"),
        summary.get("house_best"),
        summary.get("failure_count"),
    )


def columns_of_header(header: Mapping[str, Any]) -> dict[str, Any]:
    """The AuditEntry columns, which copy the entry's header."""
    return dict(zip(COLUMN_NAMES, header_columns(header)))


def is_envelope(document: Mapping[str, Any]) -> bool:
    return set(document) == {"entry", "record"}


def columns_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a parsed leaf: from its header, or, for entries written before headers
    existed (one flat document), from the header that document implies."""
    return columns_of_header(header_of_leaf(document))


def header_of_leaf(document: Mapping[str, Any]) -> Mapping[str, Any]:
    return document["entry"] if is_envelope(document) else header_of(document)


def flatten(document: Mapping[str, Any]) -> dict[str, Any]:
    """The entry as one flat document, the form readers use: the record's members with the
    header's index, time, kind, channel, reference and actor."""
    if not is_envelope(document):
        return dict(document)
    header = document["entry"]
    return {**document["record"], **{name: header[name] for name in FLAT_HEADER_MEMBERS}}
