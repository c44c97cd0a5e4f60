"""Explanations: plain words, figures taken from the engine's exact numbers, no product knowledge."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ranking import explain
from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, rank
from tests.app.ranking.strategies import decimals

PRICE = Criterion("annual_price", "Price per year", "lower", "USD per year", Decimal(4000), Decimal(0), "price",
                  money=True, format=lambda value: f"${value:,.2f}")
EXCESS = Criterion("excess", "Expected excess per year", "lower", "USD per year", Decimal(1000), Decimal(0), "excess",
                   money=True, format=lambda value: f"${value:,.2f}")
SERVICE = Criterion("service", "Claims satisfaction", "higher", "score out of 1,000", Decimal(700), Decimal(900),
                    "service", format=lambda value: f"{value:.0f}/1,000")
APR = Criterion("apr", "APR", "lower", "percent", Decimal(12), Decimal(2), "apr", format=lambda value: f"{value}%")
TOTAL = Criterion("total", "Total cost over your 5 years", "lower", "USD over your 5 years", Decimal(900000),
                  Decimal(0), "total", money=True, format=lambda value: f"${value:,.0f}")
CRITERIA = (PRICE, EXCESS, SERVICE)
WEIGHTS = {"annual_price": Decimal(60), "excess": Decimal(15), "service": Decimal(25)}
NAMES = {"a": "Acme", "b": "Bluebird", "c": "Crown", "d": "Delta"}


def offer(handle: str, price: str, excess: str = "30", service: str = "800") -> Candidate:
    return Candidate(handle, {"annual_price": Decimal(price), "excess": Decimal(excess), "service": Decimal(service)})


def test_periods_and_subjects_come_from_the_criterion_definitions():
    assert explain.period(PRICE) == "a year"
    assert explain.period(TOTAL) == "over your 5 years"
    assert explain.subject(EXCESS) == "expected excess"
    assert explain.subject(SERVICE) == "claims satisfaction"
    assert explain.subject(APR) == "APR"
    assert explain.price_criterion((SERVICE, EXCESS, PRICE)) == EXCESS  # the first money criterion listed
    assert explain.difference_phrase(PRICE, Decimal(1000), Decimal(1212), is_price=True) == "$212.00 a year less"
    assert explain.difference_phrase(EXCESS, Decimal(30), Decimal(60)) == "$30.00 a year less in expected excess"
    assert explain.difference_phrase(TOTAL, Decimal(100), Decimal(3100), is_price=True) == "$3,000 less over your 5 years"
    assert explain.difference_phrase(TOTAL, Decimal(100), Decimal(3100)) == "$3,000 less in total cost over your 5 years"
    assert explain.amount_phrase(PRICE, Decimal(140), "cheaper") == "$140.00 a year cheaper"
    assert explain.amount_phrase(TOTAL, Decimal(140), "cheaper") == "$140 cheaper over your 5 years"
    assert explain.difference_phrase(SERVICE, Decimal(903), Decimal(842)) == "claims satisfaction 903/1,000 against 842/1,000"


def test_top_reasons_give_the_gap_the_gains_and_the_trade_off():
    ranking = rank([offer("a", "1000", service="760"), offer("b", "1212", service="800")], CRITERIA, WEIGHTS)
    assert [(o.handle, str(o.shown_score)) for o in ranking.offers] == [("b", "68.9"), ("a", "67.1")]
    assert explain.top_reasons(ranking, NAMES.__getitem__) == [
        "It scores 68.9 out of 100, 1.8 points ahead of Acme, the next best.",
        "Compared with Acme: claims satisfaction 800/1,000 against 760/1,000.",
        "Acme does better on price ($212.00 a year less), but that counts for less with these weights.",
    ]


def test_a_dominating_top_offer_says_so():
    ranking = rank([offer("a", "1000", excess="30"), offer("b", "1212", excess="60")], CRITERIA, WEIGHTS)
    assert explain.top_reasons(ranking, NAMES.__getitem__)[1:] == [
        "Compared with Bluebird: $212.00 a year less and $30.00 a year less in expected excess.",
        "It is at least as good as Bluebird on everything.",
    ]


def test_a_shared_first_place_says_why_one_is_listed_first_from_the_figures():
    ranking = rank([offer("b", "1012", service="800"), offer("a", "1010", service="800")], CRITERIA, WEIGHTS)
    assert [(o.handle, o.rank, str(o.shown_score)) for o in ranking.offers] == [("a", 1, "71.9"), ("b", 1, "71.9")]
    assert explain.top_reasons(ranking, NAMES.__getitem__) == [
        "It shares first place with Bluebird: their scores round to the same 71.9 points out of 100.",
        "It is listed first because its exact score is a little higher before rounding.",
        "Against Bluebird it does better on price ($2.00 a year less).",
    ]
    only = rank([offer("a", "1000")], CRITERIA, WEIGHTS)
    assert explain.top_reasons(only, NAMES.__getitem__) == ["It is the only offer that meets everything you asked for."]
    assert explain.top_reasons(rank([], CRITERIA, WEIGHTS), NAMES.__getitem__) == []


def test_the_order_between_level_offers_is_explained_from_their_figures_alone():
    # Equal exact scores: $100 of price (1.5 points) against 12 points of service (1.5 points).
    ranking = rank([offer("a", "1100", service="812"), offer("b", "1000", service="800")], CRITERIA, WEIGHTS)
    first, second = ranking.offers
    assert first.exact_score == second.exact_score
    assert first.handle == "a"
    assert explain.order_reason(ranking, first, second, "Acme") == (
        "with the same score, Acme comes out ahead when every criterion counts equally")
    twins = rank([offer("a", "1000"), offer("b", "1000")], CRITERIA, WEIGHTS)
    assert explain.order_reason(twins, *twins.offers).startswith("they are equal on everything we rank on")


def test_every_offer_gets_a_why_from_its_neighbours():
    ranking = rank([offer("a", "1000"), offer("b", "1300", service="880"), offer("c", "1510"), offer("d", "1512")],
                   CRITERIA, WEIGHTS)
    assert [(o.handle, o.rank, str(o.shown_score)) for o in ranking.offers] == [
        ("b", 1, "77.6"), ("a", 2, "72.1"), ("c", 3, "64.4"), ("d", 3, "64.4")]
    why = {o.handle: explain.why_rank(ranking, o, NAMES.__getitem__) for o in ranking.offers}
    assert why["b"] == ["It scores 77.6 out of 100, the highest.",
                        "It ranks above Acme by doing better on claims satisfaction (880/1,000 against 800/1,000)."]
    assert why["a"] == ["It scores 72.1 out of 100.",
                        "It is 5.5 points behind Bluebird, which does better on claims satisfaction (880/1,000 against 800/1,000).",
                        "It ranks above Crown by doing better on price ($510.00 a year less)."]
    assert why["d"] == ["It scores 64.4 out of 100.",
                        "It shares rank 3 with Crown: the scores round to the same 64.4 points.",
                        "It is listed after Crown because Crown’s exact score is a little higher before rounding.",
                        "It is 7.7 points behind Acme, which does better on price ($512.00 a year less).",
                        "It scores lowest of the offers that meet what you asked for.",
                        "Bluebird is at least as good on everything and better on price and claims satisfaction."]
    alone = rank([offer("a", "1000")], CRITERIA, WEIGHTS)
    assert explain.why_rank(alone, alone.top, NAMES.__getitem__) == [
        "It scores 72.1 out of 100 and is the only offer that meets everything you asked for."]


def test_the_change_needed_to_come_first_is_exact_to_the_cent():
    ranking = rank([offer("a", "1000", service="860"), offer("b", "1100", service="800")], CRITERIA, WEIGHTS)
    needed = explain.change_to_come_first(ranking, "b", PRICE)
    assert needed is not None and needed.amount is not None
    # Behind by 7.5 points of service and 1.5 of price; price is worth 0.015 points a dollar: $600
    # makes the scores equal, where the first stays first (it is further along its scales), so a cent more.
    assert needed.amount == Decimal("600.01")
    assert explain.change_to_come_first(ranking, "a", PRICE) is None


def test_no_price_can_put_an_offer_first_when_it_would_have_to_be_less_than_free():
    ranking = rank([offer("a", "1000", service="900"), offer("b", "300", service="700")], CRITERIA,
                   {"annual_price": Decimal(5), "service": Decimal(95)})
    assert explain.change_to_come_first(ranking, "b", PRICE).amount is None
    no_weight = rank([offer("a", "1000", service="900"), offer("b", "300", service="700")], CRITERIA,
                     {"service": Decimal(1)})
    assert explain.change_to_come_first(no_weight, "b", PRICE).amount is None


@settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(decimals(100, 3900), decimals(0, 900), st.integers(700, 900)), min_size=2, max_size=8),
       st.tuples(decimals(0, 100), decimals(0, 100), decimals(0, 100)).filter(lambda w: w[0] > 0), st.data())
def test_the_change_needed_is_the_least_that_puts_an_offer_first(rows, weights, data):
    offers = [offer(f"o{n}", str(p), str(e), str(s)) for n, (p, e, s) in enumerate(rows)]
    weight = dict(zip(("annual_price", "excess", "service"), weights))
    ranking = rank(offers, CRITERIA, weight)
    chosen = data.draw(st.sampled_from(ranking.offers[1:]))
    needed = explain.change_to_come_first(ranking, chosen.handle, PRICE)
    assert needed is not None

    def first_with(price: Decimal) -> bool:
        moved = [Candidate(o.handle, {**o.values, "annual_price": price}) if o.handle == chosen.handle else o
                 for o in offers]
        return rank(moved, CRITERIA, weight).top.handle == chosen.handle

    current = chosen.values["annual_price"]
    if needed.amount is None:
        assert not first_with(Decimal(0))
    else:
        assert first_with(current - needed.amount)
        assert needed.amount == Decimal("0.01") or not first_with(current - needed.amount + Decimal("0.01"))
