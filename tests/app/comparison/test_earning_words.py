"""A line whose shopper earns rather than pays: its money criterion declares the EARNINGS words, and
every sentence about our offer then says "earns … less than ours", counts the offer that earns
most as the best on money, and asks how much more ours would have to earn. The lines that cost
keep their words and their logged data byte for byte (no `verb` key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from app.comparison.house_notice import gap_sentence, house_notice, price_phrase
from app.ranking import explain
from app.ranking.criteria import COSTS, EARNINGS, Criterion
from app.ranking.engine import Candidate, rank
from providers.base import ProviderConfig, Quote

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
EARNED = Criterion("earned", "Interest earned", "higher", "USD over your 12 months", Decimal(0), Decimal(1000),
                   "interest less fees", money=True, format=lambda value: f"${value:,.2f}", words=EARNINGS)
SERVICE = Criterion("service", "Service", "higher", "score out of 1,000", Decimal(600), Decimal(900), "service",
                    format=lambda value: f"{value:.0f}/1,000")
WEIGHTS = {"earned": Decimal("0.7"), "service": Decimal("0.3")}
NAMES = {"ours": "Harbor Savings", "summit": "Summit Bank", "crest": "Crest Credit Union"}


@dataclass(frozen=True)
class Offer:
    config: ProviderConfig
    quote: Quote


class Names:
    def __call__(self, handle: str) -> str:
        return NAMES[handle]

    def ours(self, handle: str, *, capital: bool = False) -> str:
        return "Our offer" if capital else "our offer"


def market(**values: tuple[str, str]) -> tuple:
    candidates = [Candidate(key, {"earned": Decimal(earned), "service": Decimal(service)})
                  for key, (earned, service) in values.items()]
    offers = {key: Offer(ProviderConfig(key=key, name=NAMES[key], adapter="quote_protocol", products=("savings",),
                                        house=key == "ours"),
                         Quote(id=f"{key}-1", product="savings", currency="USD", valid_until=NOW + timedelta(days=1),
                               terms={}, url=None))
              for key in values}
    return rank(candidates, (EARNED, SERVICE), WEIGHTS), offers


def notice(**values: tuple[str, str]):  # type: ignore[no-untyped-def]
    ranking, offers = market(**values)
    return house_notice(ranking, offers, Names(), excluded=[], failures=[])


def test_the_words_follow_the_criterion_not_the_line():
    assert COSTS.direction == "lower" and EARNINGS.direction == "higher"
    cost = Criterion("cost", "Cost", "lower", "USD per year", Decimal(1000), Decimal(0), "cost", money=True)
    assert explain.price_criterion((SERVICE, EARNED)) == EARNED
    assert explain.price_criterion((SERVICE, cost, EARNED)) == cost
    # An amount earned where less is better would be a contradiction: it is not the line's money figure.
    odd = Criterion("odd", "Odd", "lower", "USD", Decimal(10), Decimal(0), "odd", money=True, words=EARNINGS)
    assert explain.price_criterion((odd, SERVICE)) is None
    assert explain.money_period(EARNED) == ("horizon_months", 12)
    assert explain.period_words("horizon_months", 1) == "over your 1 month"


def test_ours_behind_says_how_much_more_the_winner_earns():
    said = notice(ours=("100.00", "700"), summit=("312.40", "700"))
    assert said.standing == "behind"
    assert said.sentence == ("Summit Bank fits you better than our offer on interest earned, and it earns $212.40 more "
                             "than ours over your 12 months.")
    assert said.money == {"verb": "earns", "amount": "212.40", "currency": "USD", "period": "horizon_months",
                          "years": 12, "direction": "more", "criterion": "earned", "compared_with": "summit",
                          "compared_quote_id": "summit-1"}
    assert price_phrase({**said.money, "direction": "less"}) == "earns $212.40 less than ours over your 12 months"


def test_ours_first_and_earning_most_says_so_with_the_next_best_earner():
    said = notice(ours=("300.00", "900"), summit=("250.00", "900"), crest=("200.00", "700"))
    assert said.sentence == ("Our offer fits you best and earns the most of the offers that meet what you asked for: "
                             "the next highest-earning, Summit Bank, earns $50.00 less than ours over your 12 months.")


def test_ours_first_though_another_earns_more_gives_what_ours_does_better():
    said = notice(ours=("300.00", "900"), summit=("310.00", "600"))
    assert said.standing == "first"
    assert said.sentence == ("Our offer fits you best, though Summit Bank earns $10.00 more than ours over your 12 "
                             "months: ours does better on service (900/1,000 against 600/1,000).")
    same = notice(ours=("300.00", "900"), summit=("300.00", "600"))
    assert same.sentence == ("Our offer fits you best; Summit Bank earns the same as ours, and no offer that meets "
                             "what you asked for earns more.")


def test_our_gap_to_first_place_is_what_ours_would_have_to_earn():
    ranking, _ = market(ours=("100.00", "700"), summit=("312.40", "700"))
    assert gap_sentence(ranking, ranking.handles["ours"]) == "It would need to earn $212.40 more over your 12 months to rank first."
    reasons = explain.top_reasons(ranking, NAMES.__getitem__)
    assert "Compared with Harbor Savings: earns $212.40 more over your 12 months." in reasons


def test_the_lines_that_cost_log_no_verb():
    cost = Criterion("cost", "Cost", "lower", "USD per year", Decimal(1000), Decimal(0), "cost", money=True,
                     format=lambda value: f"${value:,.2f}")
    candidates = [Candidate("ours", {"cost": Decimal(500)}), Candidate("summit", {"cost": Decimal(400)})]
    ranking = rank(candidates, (cost,), {"cost": Decimal(1)})
    offers = {key: Offer(ProviderConfig(key=key, name=NAMES[key], adapter="quote_protocol", products=("auto",),
                                        house=key == "ours"),
                         Quote(id=f"{key}-1", product="auto", currency="USD", valid_until=NOW, terms={}, url=None))
              for key in ("ours", "summit")}
    said = house_notice(ranking, offers, Names(), excluded=[], failures=[])
    assert "verb" not in said.money
    assert said.sentence.endswith("and it costs $100.00 a year less than ours.")
