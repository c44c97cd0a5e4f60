"""The hand-off: "Continue with this provider". The offer is checked fresh (freshness.py); when it
still stands, a `handoff` entry — which offer of which recommendation, its rank, firmness and price
in the page's unit, how it was checked and where the customer was sent — is appended in the
caller's transaction, and the customer goes to the provider's deep link. When it changed, nothing
is handed off: the customer is shown what changed first (the re-quote is logged), and continues,
if they choose, with the new quote, told what the re-quote does to the ranking (requote_rank.py).
A quote that had expired — past its `valid_until`, or its provider said so — and was re-issued
unchanged is not handed off either: the customer is told it was re-issued, at what price and until
when, and continues with the re-issued quote. The deep link is the provider's word, so it must pass
providers/deep_links.py, or the hand-off is refused saying why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from app.audit.log import append
from app.comparison.freshness import (
    Asking,
    REQUOTED,
    Freshness,
    OfferUnavailable,
    ShownOffer,
    check_offer,
    current_config,
    ranked_offer,
    requoted_offer,
)
from app.products.base import ProductLine
from providers.base import ESTIMATE, EXPIRED
from providers.deep_links import DeepLinkRefused, checked_deep_link
from providers.registry import ProviderRegistry

HANDOFF = "handoff"
HANDED_OFF, CHANGED, REISSUED = "handed_off", "changed", "reissued"
MAX_QUOTE_ID_CHARS = 200


@dataclass(frozen=True)
class OfferChoice:
    """Which offer the customer chose: one in the ranking, or (`requote_index`) one from a logged re-quote."""

    provider: str
    quote_id: str
    requote_index: int | None = None

    @classmethod
    def parse(cls, value: str | None, requote: str | None = None) -> OfferChoice | None:
        """From a form's "provider:quote_id" and optional re-quote index; None if malformed."""
        provider, _, quote_id = (value or "").partition(":")
        if not provider or not quote_id or len(value or "") > MAX_QUOTE_ID_CHARS + 64:
            return None
        if requote in (None, ""):
            return cls(provider, quote_id)
        if not requote.isascii() or not requote.isdigit() or len(requote) > 12:
            return None
        return cls(provider, quote_id, int(requote))


@dataclass(frozen=True)
class Handoff:
    """`status` HANDED_OFF (go to `url`; `entry_index` is the hand-off entry), CHANGED (show
    `before` and `after` first, and what the re-ranking says; `after` None when the provider has
    nothing for the customer now, `problem` says why) or REISSUED (the quote had expired and its
    provider re-issued it unchanged as `after`: say so first, `reissue` in words)."""

    status: str
    before: ShownOffer
    after: ShownOffer | None
    freshness: Freshness
    url: str | None = None
    entry_index: int | None = None
    entry_leaf_hash: str | None = None
    reissue: str | None = None

    @property
    def changed(self) -> bool:
        return self.status == CHANGED

    @property
    def handed_off(self) -> bool:
        return self.status == HANDED_OFF


def hand_off(session: Session, registry: ProviderRegistry, line: ProductLine, result: Mapping[str, Any],
             choice: OfferChoice, *, asking: Asking, now: datetime) -> Handoff:
    """Checks the chosen offer and either hands it off (appending the entry) or says what changed;
    OfferUnavailable when it cannot be continued with at all. The caller commits."""
    if choice.requote_index is None:
        before = ranked_offer(line, result, choice.provider, choice.quote_id)
    else:
        before = requoted_offer(session, result, choice.requote_index, choice.quote_id)
    fresh = check_offer(session, registry, line, result, before, asking=asking, now=now)
    if fresh.changed or fresh.current is None:
        return Handoff(CHANGED, before, fresh.current, fresh)
    current = fresh.current
    if had_expired(before, fresh, now):
        return Handoff(REISSUED, before, current, fresh, reissue=reissue_sentence(line, before, current, fresh, now))
    config = current_config(registry, line, current.provider, current.provider_name)
    estimate = current.quote.firmness == ESTIMATE
    try:
        url = checked_deep_link(current.quote.url, config, quote_id=None if estimate else current.quote.id,
                                profile=result.get("profile"))
    except DeepLinkRefused as refused:
        raise OfferUnavailable(f"{refused} Your comparison is unchanged; you can look {current.provider_name} up "
                               "yourself.") from refused
    body = {
        "actor": asking.actor.as_record(),
        "result_index": result["index"],
        "recommended": result["recommended"],
        "offer": before.as_record(),
        "handed_off": {**current.as_record(), "price_amount": money_amount(current.price),
                       "currency": current.quote.currency, "unit": line.period_label},
        "checked_by": fresh.checked_by,
        "status": fresh.status,
        "url": url,
    }
    entry = append(session, body, kind=HANDOFF, channel=asking.channel, created_at=now,
                   reference=result["reference"], product=line.key)
    return Handoff(HANDED_OFF, before, current, fresh, url, entry.index, entry.leaf_hash.hex())


def had_expired(before: ShownOffer, fresh: Freshness, now: datetime) -> bool:
    """Whether the quote was asked for again because it had expired: past its `valid_until`, or its
    provider's status said so. (A provider that tells no status is asked again too; that alone is
    not news for the customer.)"""
    return fresh.checked_by == REQUOTED and (before.quote.valid_until <= now or fresh.status == EXPIRED)


def reissue_sentence(line: ProductLine, before: ShownOffer, after: ShownOffer, fresh: Freshness,
                     now: datetime) -> str:
    """"Acme Auto's quote had expired at 14:05 UTC; Acme Auto re-issued it unchanged at $1,200.00
    per year, valid until 15:05 UTC." (a date is added when it is not today)."""
    name = before.provider_name
    if before.quote.valid_until <= now:
        lapsed = f"{name}’s quote had expired at {clock_words(before.quote.valid_until, now)}"
    else:
        lapsed = f"{name} told us its quote had expired"
    if after.quote.firmness == ESTIMATE:
        return f"{lapsed}; {name} re-issued it unchanged at {after.price} {line.period_label}."
    return (f"{lapsed}; {name} re-issued it unchanged at {after.price} {line.period_label}, valid until "
            f"{clock_words(after.quote.valid_until, now)}.")


def clock_words(moment: datetime, now: datetime) -> str:
    """"14:05 UTC", or "14:05 UTC on 6 December" on another day than `now`'s."""
    moment, now = moment.astimezone(UTC), now.astimezone(UTC)
    return f"{moment:%H:%M} UTC" + ("" if moment.date() == now.date() else f" on {moment.day} {moment:%B}")


def money_amount(text: str) -> str | None:
    """The amount in a money figure as we show it ("$1,212.50" → "1212.50"), None if there is none."""
    digits = "".join(char for char in text if char.isdigit() or char in ".-")
    try:
        return format(Decimal(digits), "f") if digits else None
    except InvalidOperation:
        return None


def price_change(before: ShownOffer, after: ShownOffer | None) -> Decimal | None:
    """How much the price moved (after − before), when both are money figures."""
    if after is None:
        return None
    old, new = money_amount(before.price), money_amount(after.price)
    return None if old is None or new is None else Decimal(new) - Decimal(old)
