"""An advisor's "Re-quote" during a call: one provider asked again for the caller, its answer judged
like any quote, compared with the offer the ranking shows for it, logged as a `provider-requote`
entry (freshness.py) and shown in place beside that provider, with what a changed quote does to
the ranking (requote_rank.py). The logged ranking stays as it was: a new ranking is a new
comparison ("Get fresh quotes"). `requoted_ranking` reads a logged re-ranking back for its page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.freshness import REQUOTE, Asking, Freshness, OfferUnavailable, check_offer, ranked_offer
from app.comparison.loading import load_result_at
from app.comparison.requote_rank import Reranked, rerank_from_entry
from app.products.base import ProductLine
from providers.registry import ProviderRegistry

MAX_REQUOTES_SHOWN = 100
"""The newest re-quotes read back for a call's page; a call has a handful."""


def requote_provider(session: Session, registry: ProviderRegistry, line: ProductLine, result: Mapping[str, Any],
                     provider: str, *, asking: Asking, now: datetime) -> Freshness:
    """Asks `provider` again for the offer it has ranked best in `result`; the caller commits."""
    ranked = sorted((offer for offer in result["ranking"] if offer["provider"] == provider),
                    key=lambda offer: offer["rank"])
    if not ranked:
        raise OfferUnavailable("That provider has no offer in this ranking to check.", 404)
    shown = ranked_offer(line, result, provider, ranked[0]["quote_id"])
    return check_offer(session, registry, line, result, shown, asking=asking, now=now, always_requote=True)


def latest_requotes(session: Session, reference: str) -> dict[str, dict[str, Any]]:
    """The newest logged re-quote of each provider under `reference`, with what it was asked about."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.reference == reference, AuditEntry.kind == REQUOTE)
                              .order_by(AuditEntry.index.desc()).limit(MAX_REQUOTES_SHOWN)).all()
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        logged = document(entry)
        provider = logged["provider"]["provider"]
        if provider in latest:
            continue
        matched = next((offer for offer in logged["offers"] if offer["quote_id"] == logged["matched"]), None)
        latest[provider] = {"index": logged["index"], "time": logged["time"], "changed": logged["changed"],
                            "checked_by": logged["checked_by"], "offer": matched,
                            "failures": logged["failures"], "excluded": logged["excluded"],
                            "reranked": logged.get("reranked")}
    return latest


@dataclass(frozen=True)
class RequotedRanking:
    """A logged re-quote's re-ranking, worked out again from the log: the comparison it was ranked
    against (`result`), the re-quote entry, and the re-ranked result."""

    result: dict[str, Any]
    requote: dict[str, Any]
    reranked: Reranked


def requoted_ranking(session: Session, line: ProductLine, reference: str, index: int) -> RequotedRanking:
    """The re-ranking logged by re-quote entry `index` under `reference`; OfferUnavailable (404)
    when there is none, (409) when the customer's details it was ranked on were erased."""
    entry = session.get(AuditEntry, index)
    logged = document(entry) if entry is not None and entry.kind == REQUOTE else None
    if logged is None or logged.get("reference") != reference or logged.get("reranked") is None:
        raise OfferUnavailable("There is no updated ranking with that number in this comparison.", 404)
    result = load_result_at(session, reference, logged["result_index"])
    if result is None:
        raise OfferUnavailable("There is no updated ranking with that number in this comparison.", 404)
    if result.get("profile") is None:
        raise OfferUnavailable("Your details were erased, so we cannot show this updated ranking again.")
    reranked = rerank_from_entry(line, result, logged)
    if reranked is None or reranked.record != logged["reranked"]:
        raise OfferUnavailable("We could not work this updated ranking out again from the log, so we do not show "
                               "it. Your comparison is unchanged.", 409)
    return RequotedRanking(result, logged, reranked)
