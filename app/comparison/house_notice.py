"""What we tell the shopper about our own offer, always with its money (DESIGN.md invariant 8).

Whatever its place — behind another offer, sharing first place, first but not the cheapest, first
and the cheapest — the notice is one sentence with at most one money figure: the price difference
between our offer and the one it is compared with, in the page's unit ("a year" for insurance,
"over your 4 years" for a mortgage). For a line whose shopper earns rather than pays (the money
criterion's words are EARNINGS), the same sentences say "earns … less than ours" and the
better offer is the one that earns more. The figure is kept as data (`house_money`) and the words are
built from that data, so the page, the API, the advisor's script and the log say the same figure.
An offer that is not ranked, or did not quote, is said plainly, without a figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.comparison.naming import NamedOffer, OfferNames
from app.money import format_money, to_cents
from app.ranking import explain
from app.ranking.criteria import COSTS, MONEY_WORDS, Criterion, MoneyWords
from app.ranking.engine import RankedOffer, Ranking

REASONS = 2
"""How many criteria a notice gives as reasons: those that gain most points with the shopper's weights."""


_DECIMAL = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"}
# The notice as the API documents it (app/api/comparisons.py: explanation.*).
NOTICE_PROPERTIES: dict[str, Any] = {
    "house_notice": {"type": ["string", "null"],
                     "description": "The sentence about our own offer, as the results page shows it."},
    "house_standing": {"enum": ["behind", "shared_first", "first", "excluded", "not_quoted", None]},
    "house_money": {"oneOf": [{"type": "null"}, {
        "type": "object",
        "description": ("The one money figure of house_notice: how much more or less the offer it is compared "
                        "with costs (or, with `verb` \"earns\", earns) than ours, per `period` (\"year\", "
                        "\"month\", \"horizon\": over the buyer's `years`, or \"horizon_months\": over "
                        "`years` months)."),
        "required": ["amount", "currency", "period", "years", "direction", "criterion", "compared_with",
                     "compared_quote_id"],
        "properties": {
            "amount": {**_DECIMAL, "description": "Never negative; to the cent, rounded half up."},
            "currency": {"type": "string"},
            "period": {"enum": ["year", "month", "horizon", "horizon_months", None]},
            "years": {"type": ["integer", "null"], "minimum": 1,
                      "description": "The count of the horizon: years for \"horizon\", months for \"horizon_months\"."},
            "verb": {"enum": ["earns", "saves"],
                     "description": ("Present when the shopper earns or saves the amount rather than pays it "
                                     "(\"earns $212.40 less than ours\", \"saves $310.00 more than ours\"); "
                                     "absent: \"costs\".")},
            "direction": {"enum": ["more", "less", "same"]},
            "criterion": {"type": "string"},
            "compared_with": {"type": "string", "description": "The provider key of the offer compared with ours."},
            "compared_quote_id": {"type": "string"},
        },
    }]},
}


@dataclass(frozen=True)
class HouseNotice:
    """`standing`: behind, shared_first, first, excluded, not_quoted (None: nothing to say)."""

    standing: str | None = None
    sentence: str | None = None
    money: dict[str, Any] | None = None


def price_difference(criterion: Criterion, ours: RankedOffer, other: RankedOffer, *, currency: str,
                     compared_with: NamedOffer) -> dict[str, Any]:
    """How much more or less `other` costs than ours, to the cent (half up), as logged data."""
    difference = to_cents(other.values[criterion.key] - ours.values[criterion.key])
    period, years = explain.money_period(criterion)
    # Only an amount the shopper earns says its verb: entries of the lines that cost stay as they were logged.
    verb = {} if criterion.words is COSTS else {"verb": criterion.words.verb}
    return {
        **verb,
        "amount": format(abs(difference), "f"),
        "currency": currency,
        "period": period,
        "years": years,
        "direction": "more" if difference > 0 else "less" if difference < 0 else "same",
        "criterion": criterion.key,
        "compared_with": compared_with.config.key,
        "compared_quote_id": compared_with.quote.id,
    }


def money_words(money: Mapping[str, Any]) -> MoneyWords:
    return MONEY_WORDS[money.get("verb", COSTS.verb)]


def price_phrase(money: Mapping[str, Any]) -> str:
    """The words for a logged price difference: "costs $441.38 a year more than ours", "costs
    $3,105.33 less than ours over your 4 years", "costs the same as ours", "earns $212.40 less than
    ours over your 12 months"."""
    words = money_words(money)
    if money["direction"] == "same":
        return f"{words.verb} the same as ours"
    figure = format_money(Decimal(money["amount"]), money["currency"])
    return words.compares(figure, money["direction"], explain.period_words(money["period"], money["years"]))


def gap_sentence(ranking: Ranking, offer: RankedOffer) -> str | None:
    """For our offer's own "why this rank": how much cheaper it would have to be to rank first."""
    price = explain.price_criterion(ranking.criteria)
    if price is None or offer.rank == 1:
        return None
    needed = explain.change_to_come_first(ranking, offer.handle, price)
    if needed is None:
        return None
    if needed.amount is None:
        return price.words.gap_impossible
    words = price.words
    return f"It would need to {words.infinitive} {explain.amount_phrase(price, needed.amount, words.gap_change)} to rank first."


def house_notice(ranking: Ranking, offers: Mapping[str, NamedOffer], names: OfferNames, *,
                 excluded: Sequence[Mapping[str, Any]], failures: Sequence[Mapping[str, Any]]) -> HouseNotice:
    """The sentence about our offer for a ranking with at least one offer, when we have a house
    provider (the caller checks both)."""
    top = ranking.top
    if top is None:
        return HouseNotice()
    ours = next((offer for offer in ranking.offers if offers[offer.handle].config.house), None)
    if ours is None:
        return _not_ranked(names(top.handle), excluded, failures)
    said = _Sayer(ranking, offers, names, ours)
    if ours.rank > 1:
        return said.behind(top)
    level = [offer for offer in ranking.offers if offer.rank == 1 and offer.handle != ours.handle]
    return said.shared_first(level) if level else said.first()


def _not_ranked(top_name: str, excluded: Sequence[Mapping[str, Any]],
                failures: Sequence[Mapping[str, Any]]) -> HouseNotice:
    # The reason is not repeated here: the line's exclusion reasons often carry two amounts (the
    # offer's and the limit), and the notice box carries at most one.
    if any(item["house"] for item in excluded):
        return HouseNotice("excluded", "Our own offer is not in this ranking: it is listed, with the reason, under "
                                       f"“Offers we did not rank”. {top_name} fits you best.")
    failure = next((item for item in failures if item["house"]), None)
    if failure is None:
        return HouseNotice()
    return HouseNotice("not_quoted", f"We could not give you our own offer this time ({failure['provider_name']} "
                                     f"{failure['message'].rstrip('.')}). {top_name} fits you best.")


class _Sayer:
    """The sentences for a ranking in which our offer (`ours`, our best-placed) stands."""

    def __init__(self, ranking: Ranking, offers: Mapping[str, NamedOffer], names: OfferNames,
                 ours: RankedOffer) -> None:
        self.ranking, self.offers, self.names, self.ours = ranking, offers, names, ours
        self.price = explain.price_criterion(ranking.criteria)

    def money(self, other: RankedOffer) -> dict[str, Any] | None:
        if self.price is None:
            return None
        return price_difference(self.price, self.ours, other, currency=self.offers[other.handle].quote.currency,
                                compared_with=self.offers[other.handle])

    def reasons(self, winner: RankedOffer, loser: RankedOffer) -> str:
        """Where `winner` gains most with these weights. Money criteria are named without their
        amounts, so the sentence keeps its one money figure."""
        gains = explain.gains(self.ranking, winner, loser, limit=REASONS)
        return explain.listing([explain.subject(item.criterion) if item.criterion.money else item.detail()
                                for item in gains])

    def cheapest(self, candidates: Sequence[RankedOffer]) -> RankedOffer:
        """The best of `candidates` on the money criterion: the cheapest, or the one that earns most."""
        if self.price is None:
            return candidates[0]
        key, sign = self.price.key, 1 if self.price.direction == "lower" else -1
        return min(candidates, key=lambda offer: (sign * offer.values[key], offer.position))

    def behind(self, top: RankedOffer) -> HouseNotice:
        money = self.money(top)
        reasons = self.reasons(top, self.ours)
        sentence = (f"{self.names(top.handle)} fits you better than {self.names.ours(self.ours.handle)}"
                    + (f" on {reasons}" if reasons else "")
                    + (f", and it {price_phrase(money)}" if money else "") + ".")
        return HouseNotice("behind", sentence, money)

    def shared_first(self, level: list[RankedOffer]) -> HouseNotice:
        compared = self.cheapest(level)
        money = self.money(compared)
        sentence = (f"{self.names.ours(self.ours.handle, capital=True)} shares first place with "
                    f"{explain.listing([self.names(offer.handle) for offer in level])}")
        if money and len(level) == 1:
            sentence += f", which {price_phrase(money)}"
        elif money:
            sentence += f"; {self.names(compared.handle)} {price_phrase(money)}"
        return HouseNotice("shared_first", sentence + ".", money)

    def first(self) -> HouseNotice:
        ours_name = self.names.ours(self.ours.handle, capital=True)
        others = [offer for offer in self.ranking.offers if offer.handle != self.ours.handle]
        if not others:
            return HouseNotice("first", f"{ours_name} is the only offer that meets everything you asked for.")
        cheapest = self.cheapest(others)
        money = self.money(cheapest)
        who = self.names(cheapest.handle)
        if money is None:
            return HouseNotice("first", f"{ours_name} fits you best.")
        words = money_words(money)
        if money["direction"] == words.better:
            reasons = self.reasons(self.ours, cheapest)
            sentence = (f"{ours_name} fits you best, though {who} {price_phrase(money)}"
                        + (f": ours does better on {reasons}." if reasons else "."))
        elif money["direction"] == "same":
            sentence = (f"{ours_name} fits you best; {who} {price_phrase(money)}, and no offer that meets "
                        f"what you asked for {words.beaten}.")
        else:
            sentence = (f"{ours_name} fits you best and {words.most} of the offers that meet what you asked "
                        f"for: {words.next_best}, {who}, {price_phrase(money)}.")
        return HouseNotice("first", sentence, money)
