"""Rankings made with a measure (app/ranking/measure.py), by property: the first offer is within
the tolerance of the best on the measure, and the engine's promises — input order and names never
matter, dominance, monotonicity, no rank reversal, unit-free — all still hold."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, Ranking, RankingInputError, rank
from app.ranking.measure import Measure
from tests.app.ranking.strategies import Market, decimals, dominates, markets
from tests.app.ranking.test_properties import fairness, relation, shape


def run(market: Market, offers: list[Candidate] | None = None) -> Ranking:
    return rank(market.offers if offers is None else offers, market.criteria, market.weights,
                measure=market.measure)


def measured(market: Market, values: dict[str, Decimal]) -> Decimal:
    return sum((values[key] for key in market.measure.criteria), Decimal(0))


def lower(market: Market) -> bool:
    return next(c for c in market.criteria if c.key == market.measure.criteria[0]).direction == "lower"


@fairness
@given(markets(min_offers=1, measured=True))
def test_the_first_offer_is_within_the_tolerance_of_the_best_on_the_measure(market):
    ranking = run(market)
    values = [measured(market, offer.values) for offer in ranking.offers]
    best = min(values) if lower(market) else max(values)
    assert abs(values[0] - best) < market.measure.tolerance
    # The whole order: steps first (best first), scores falling within a step, ties only within one.
    steps = [ranking.measure_step(offer.handle) for offer in ranking.offers]
    assert steps == sorted(steps)
    for before, after in zip(ranking.offers, ranking.offers[1:]):
        if ranking.measure_step(before.handle) == ranking.measure_step(after.handle):
            assert before.exact_score >= after.exact_score
        else:
            assert before.rank < after.rank
        assert (before.rank == after.rank) == (before.shown_score == after.shown_score
                                               and ranking.measure_step(before.handle) == ranking.measure_step(after.handle))


@fairness
@given(markets(measured=True), st.randoms(use_true_random=False))
def test_input_order_and_handles_never_matter(market, random):
    shuffled = list(market.offers)
    random.shuffle(shuffled)
    assert shape(run(market, shuffled)) == shape(run(market))
    names = [f"x{n}" for n in range(len(market.offers))]
    random.shuffle(names)
    renamed = run(market, [Candidate(name, offer.values) for name, offer in zip(names, market.offers)])
    assert [(o.rank, o.exact_score, o.row) for o in renamed.offers] == [(o.rank, o.exact_score, o.row)
                                                                        for o in run(market).offers]


@fairness
@given(markets(measured=True))
def test_a_dominated_offer_never_outranks_its_dominator(market):
    ranking = run(market)
    values = {c.handle: c.values for c in market.offers}
    for first in ranking.offers:
        for second in ranking.offers:
            if dominates(market.criteria, values[first.handle], values[second.handle]):
                assert first.position < second.position and first.rank <= second.rank
                assert first.handle in second.dominated_by


@fairness
@given(markets(min_offers=1, measured=True), st.data())
def test_improving_an_offer_on_one_criterion_never_lowers_its_rank(market, data):
    target = data.draw(st.sampled_from(market.offers))
    criterion = data.draw(st.sampled_from(market.criteria))
    step = data.draw(decimals(0, 3000).filter(lambda value: value > 0))
    improved_value = target.values[criterion.key] + (step if criterion.direction == "higher" else -step)
    improved = Candidate(target.handle, {**target.values, criterion.key: improved_value})
    before = run(market).handles[target.handle]
    after = run(market, [improved if c is target else c for c in market.offers]).handles[target.handle]
    assert after.rank <= before.rank and after.position <= before.position


@fairness
@given(markets(min_offers=2, measured=True), st.data())
def test_adding_or_removing_any_offer_never_swaps_or_merges_two_others(market, data):
    removed = data.draw(st.sampled_from(market.offers))
    full = run(market)
    without = run(market, [c for c in market.offers if c is not removed])
    others = [c.handle for c in market.offers if c is not removed]
    for first in others:
        for second in others:
            assert relation(without, first, second) == relation(full, first, second)


@fairness
@given(markets(measured=True), st.sampled_from([Decimal(100), Decimal("0.01"), Decimal("7.5")]))
def test_changing_the_unit_of_the_measure_changes_nothing(market, factor):
    """The measure's criteria, their scales and its tolerance in another unit: the same ranking."""
    unit = next(c.unit for c in market.criteria if c.key == market.measure.criteria[0])

    def converted(c: Criterion) -> Criterion:
        return replace(c, worst=c.worst * factor, best=c.best * factor) if c.unit == unit else c

    changed = {c.key for c in market.criteria if c.unit == unit}
    offers = [Candidate(o.handle, {k: v * factor if k in changed else v for k, v in o.values.items()})
              for o in market.offers]
    measure = replace(market.measure, tolerance=market.measure.tolerance * factor)
    in_new_unit = rank(offers, tuple(map(converted, market.criteria)), market.weights, measure=measure)
    assert shape(in_new_unit) == shape(run(market))


def test_a_measure_reorders_only_across_its_steps():
    """A cheap offer with poor service against a dear one with good service, $0.40 apart: within
    a $1.00 step the weights decide; with a 1-cent step the cheaper comes first."""
    criteria = (Criterion("price", "Price", "lower", "USD per year", Decimal(4000), Decimal(0), "", money=True),
                Criterion("service", "Service", "higher", "points", Decimal(0), Decimal(10), ""))
    offers = [Candidate("cheap", {"price": Decimal("1000.05"), "service": Decimal(1)}),
              Candidate("good", {"price": Decimal("1000.45"), "service": Decimal(9)})]
    weights = {"price": Decimal(1), "service": Decimal(1)}
    assert rank(offers, criteria, weights).top.handle == "good"
    assert rank(offers, criteria, weights, measure=Measure(("price",), Decimal("1.00"), "price")).top.handle == "good"
    cents = rank(offers, criteria, weights, measure=Measure(("price",), Decimal("0.01"), "price"))
    assert cents.top.handle == "cheap"
    assert [o.rank for o in cents.offers] == [1, 2]
    assert cents.offers[0].exact_score < cents.offers[1].exact_score
    assert cents.measure_value("good") == Decimal("1000.45") and Fraction(cents.measure_step("good")) == 100045


@pytest.mark.parametrize("measure", [
    Measure(("price",), Decimal(0), "price"),
    Measure(("price",), Decimal("-1"), "price"),
    Measure(("missing",), Decimal(1), "price"),
    Measure(("price", "service"), Decimal(1), "price and service"),
    Measure((), Decimal(1), "nothing"),
])
def test_a_measure_the_criteria_cannot_carry_is_refused(measure):
    criteria = (Criterion("price", "Price", "lower", "USD per year", Decimal(4000), Decimal(0), "", money=True),
                Criterion("service", "Service", "higher", "points", Decimal(0), Decimal(10), ""))
    with pytest.raises(RankingInputError):
        rank([], criteria, {"price": Decimal(1)}, measure=measure)


def test_a_measure_survives_its_log_record():
    measure = Measure(("a", "b"), Decimal("25.00"), "cost while you keep the loan", "over the years you keep the loan")
    assert Measure.from_record(measure.as_record()) == measure
