"""How much of what a provider sends may reach the log, and in whose words a failure is told.

The log is append-only: nothing written to it can be taken back. So a provider's reply never goes
into it as sent. What is recorded is what we validated (the schema-valid terms we ranked), the size
and SHA-256 of the raw reply, and short, capped texts; every limit here holds whatever a provider
sends (docs/audit-log.md gives the figures).

A provider's own text — a decline reason, an error message, a schema complaint quoting its values —
is kept for staff only (the compliance entry page), capped and on one line. The shopper is told
what happened in our words, chosen by the kind of failure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from providers.protocol import MAX_QUOTES_PER_REPLY

ENTRY_BUDGET_BYTES = 64 * 1024 - 1  # a C2SP tlog-tiles entry bundle prefixes each entry with a 16-bit length
"""What one comparison's log entry (clear record and sealed part, as stored) stays within, whatever
providers send, with up to providers.settings.MAX_PROVIDERS_PER_LINE asked (the providers file may configure
no more for one product line). tests/app/comparison/test_entry_budget.py measures the worst case."""
MAX_OFFERS_PER_PROVIDER = MAX_QUOTES_PER_REPLY
"""A reply with more offers than this is refused as a whole (the protocol's own limit)."""
MAX_OFFERS_COMPARED = 8
"""Usable offers compared from one provider at most, however few providers are asked."""
OFFERS_COMPARED_IN_ALL = 12
"""Usable offers one comparison compares, shared evenly among the providers asked (at least one
each): the share depends only on how many were asked, never on who answered first or who is ours."""
UNUSABLE_LISTED_IN_ALL = 12
"""Unusable offers one comparison lists (id, field, problem), shared the same way but at least
MIN_INVALID_LISTED each; the rest are counted."""
MAX_INVALID_LISTED, MIN_INVALID_LISTED = 3, 2
LISTED_PROBLEM_CHARS = 120
MAX_QUOTE_ID_CHARS = 64
MAX_URL_CHARS = 200
QUOTE_BUDGET_BYTES = 1024
"""The most one recorded offer (id, product, currency, expiry, terms, link) may take in the log."""
STAFF_TEXT_CHARS = 300
FIELD_CHARS = 100
KIND_CHARS = 40

SHOPPER_WORDS = {
    "timeout": "did not answer in time",
    "declined": "declined to quote",
    "unavailable": "could not answer just now",
    "rate_limited": "was too busy to quote",
    "circuit_open": "is temporarily unavailable",
    "not_allowed": "does not allow us to read its rate page",
    "invalid_reply": "sent a reply we could not use",
    "parse_error": "sent a reply we could not read",
    "layout_changed": "changed its rate page, so we could not read its rates",
    "too_large": "sent a reply larger than we accept",
    "redirect_loop": "sent us round in a loop of redirects",
    "redirect_refused": "redirected us elsewhere, so we did not follow",
    "address_refused": "is at an address we do not contact",
    "misconfigured": "is not set up correctly on our side",
    "adapter_fault": "could not be asked because of a fault on our side",
    "no_quotes": "answered but made no offer",
}
"""Our words for each kind of failure, for a failure whose own message is not one of ours."""
OTHER_FAILURE = "could not give us a quote"
_READ = ("a reply", "a quote reply", "a page", "a web page", "a rate sheet", "robots.txt", "a quote status")
OUR_MESSAGES = frozenset({
    *SHOPPER_WORDS.values(),
    "could not be reached", "had a problem on its side", "broke off its reply", "refused our request",
    "sent us to an address we cannot use", "sent us to another site", "no longer publishes its rates where we read them",
    "has no rate sheet for us to read", "sent a reply of the wrong shape", "sent a rate sheet of the wrong shape",
    "sent more offers than we accept", "is at an address we do not contact", "redirected us elsewhere, so we did not follow",
    "sent a quote status of the wrong shape", "sent a quote status we could not use",
    "sent a quote status without the quote", "sent the status of another quote",
    *(f"sent {what} we could not read" for what in _READ), *(f"sent something that is not {what}" for what in _READ),
})
"""The messages our own adapters and HTTP client fail with. Any other message — a plug-in adapter
may pass on whatever a provider said — is kept for staff, and the shopper reads SHOPPER_WORDS."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def shopper_words(kind: str, message: str | None = None) -> str:
    """What the shopper reads after a provider's name: the failure's message when it is one of our
    own, else our words for its kind — never a provider's text, and never a decline's reason."""
    if kind != "declined" and message in OUR_MESSAGES:
        return message
    return SHOPPER_WORDS.get(kind, OTHER_FAILURE)


def unusable_offers_words(count: int) -> str:
    return "sent an offer we could not use" if count == 1 else f"sent {count:,} offers we could not use"


def offers_compared_share(providers_asked: int) -> int:
    """How many usable offers each provider may have compared, in the order it sent them."""
    return min(MAX_OFFERS_COMPARED, max(1, OFFERS_COMPARED_IN_ALL // max(1, providers_asked)))


def unusable_listed_share(providers_asked: int) -> int:
    return min(MAX_INVALID_LISTED, max(MIN_INVALID_LISTED, UNUSABLE_LISTED_IN_ALL // max(1, providers_asked)))


@dataclass(frozen=True)
class Limits:
    """What one comparison lets each provider put into its entry. Recorded in the entry, so that a
    replay or re-rank judges the logged offers by the limits they were judged by."""
    compared: int
    listed: int
    id_chars: int = MAX_QUOTE_ID_CHARS
    url_chars: int = MAX_URL_CHARS
    quote_bytes: int = QUOTE_BUDGET_BYTES
    problem_chars: int = LISTED_PROBLEM_CHARS

    @classmethod
    def among(cls, providers_asked: int) -> Limits:
        """Even shares by the number of providers asked: never by who answered first, or who is ours."""
        return cls(offers_compared_share(providers_asked), unusable_listed_share(providers_asked))

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Limits:
        return LEGACY_LIMITS if record is None else cls(**record)

    def as_record(self) -> dict[str, int]:
        return asdict(self)

    def tighter(self) -> Limits | None:
        """Fewer unusable offers listed, then fewer offers compared from each provider (at least one)."""
        if self.listed:
            return replace(self, listed=self.listed - 1)
        return replace(self, compared=self.compared - 1) if self.compared > 1 else None


LEGACY_LIMITS = Limits(compared=8, listed=5, id_chars=200, url_chars=500, quote_bytes=2048, problem_chars=300)
"""The limits of entries logged before limits were recorded in them."""


def _offers(count: int) -> str:
    return "1 offer" if count == 1 else f"{count:,} offers"


def not_compared_problem(share: int) -> str:
    """Why an offer beyond its provider's share is not compared, in our words."""
    return f"we compare at most {_offers(share)} from one provider in one comparison"


def not_compared_words(count: int, share: int) -> str:
    return f"sent {_offers(count)} we did not compare: {not_compared_problem(share)}"


def capped(text: object, limit: int = STAFF_TEXT_CHARS) -> str | None:
    """Text for the log and staff pages: one line, no control or formatting characters, at most
    `limit` characters (cut with "…"). Applying it twice changes nothing, so a replay from the log
    records the same text again."""
    if text is None:
        return None
    plain = "".join(" " if unicodedata.category(char) == "Cf" else char for char in _CONTROL.sub(" ", str(text)))
    line = " ".join(plain.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def failure_kind(kind: object) -> str:
    return capped(kind, KIND_CHARS) or "error"


LOWEST_SHOWN_SCORE, HIGHEST_SHOWN_SCORE = Decimal("0.0"), Decimal("100.0")


def shown_score(score: Decimal) -> Decimal:
    """A score as shown, out of 100. An offer beyond the best end of a criterion's scale scores past
    100 (beyond the worst, below 0); it is ranked on its exact score, but shown within the scale."""
    return min(max(score, LOWEST_SHOWN_SCORE), HIGHEST_SHOWN_SCORE)
