"""Proof of fairness for the engine itself, by property: whatever the offers, criteria and
weights, the ranking has the properties the method promises (see app/ranking/engine.py)."""

from __future__ import annotations

import os
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ranking.criteria import Criterion
from app.ranking.engine import TIE_TOLERANCE, Candidate, Ranking, rank
from tests.app.ranking.strategies import Market, decimals, dominates, exact_score, markets

# A quick pass by default; CANDOR_PROPERTY_EXAMPLES=2000 for a long hunt before a release.
fairness = settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def run(market: Market, offers: list[Candidate] | None = None) -> Ranking:
    return rank(market.offers if offers is None else offers, market.criteria, market.weights)


def shape(ranking: Ranking) -> list[tuple[str, int, Fraction, Decimal, bool, bool]]:
    return [(o.handle, o.rank, o.exact_score, o.shown_score, o.tied, o.dominated) for o in ranking.offers]


def relation(ranking: Ranking, first: str, second: str) -> tuple[int, int]:
    """How two offers stand: (order, rank), each -1 (first ahead), 0 (level) or 1 (second ahead)."""
    a, b = ranking.handles[first], ranking.handles[second]
    return ((a.position > b.position) - (a.position < b.position), (a.rank > b.rank) - (a.rank < b.rank))


@fairness
@given(markets(), st.randoms(use_true_random=False))
def test_input_order_never_matters(market, random):
    shuffled = list(market.offers)
    random.shuffle(shuffled)
    assert shape(run(market, shuffled)) == shape(run(market))


@fairness
@given(markets(min_offers=1), st.randoms(use_true_random=False))
def test_renaming_the_handles_changes_nothing_but_the_names(market, random):
    """The engine's handles are all it has for identity; what an offer is called never moves it,
    except between offers identical in every figure, whose order is arbitrary but fixed."""
    names = [f"x{n}" for n in range(len(market.offers))]
    random.shuffle(names)
    renamed = [Candidate(name, offer.values) for name, offer in zip(names, market.offers)]
    original, other = run(market), run(market, renamed)

    def without_names(ranking: Ranking) -> list[tuple[int, Fraction, tuple[Decimal, ...], bool]]:
        return [(o.rank, o.exact_score, o.row, o.tied) for o in ranking.offers]

    assert without_names(other) == without_names(original)


@fairness
@given(markets())
def test_scores_follow_the_definition_exactly_and_add_up(market):
    ranking = run(market)
    for offer in ranking.offers:
        values = next(c.values for c in market.offers if c.handle == offer.handle)
        assert offer.exact_score == exact_score(market.criteria, market.weights, values)
        assert sum(offer.exact_contributions.values()) == offer.exact_score
        # The shown figures are the exact ones rounded once, half-even, to their places.
        assert offer.score == round(offer.exact_score * 10**12) / Fraction(10**12)
    scores = [offer.exact_score for offer in ranking.offers]
    assert scores == sorted(scores, reverse=True)


@fairness
@given(markets())
def test_ties_are_the_shown_scores_rounded_half_up(market):
    ranking = run(market)
    for offer in ranking.offers:
        # Rounded half up to 0.1: shown − 0.05 ≤ exact < shown + 0.05.
        step = Fraction(TIE_TOLERANCE)
        assert Fraction(offer.shown_score) - step / 2 <= offer.exact_score < Fraction(offer.shown_score) + step / 2
    for first in ranking.offers:
        for second in ranking.offers:
            shares = first.rank == second.rank
            assert shares == (first.shown_score == second.shown_score)
            if shares:
                assert abs(first.exact_score - second.exact_score) < Fraction(TIE_TOLERANCE)
            if abs(first.exact_score - second.exact_score) >= Fraction(TIE_TOLERANCE):
                assert not shares
    for position, offer in enumerate(ranking.offers, start=1):
        # Competition ranking: 1, 1, 3.
        assert offer.rank == 1 + sum(1 for other in ranking.offers if other.shown_score > offer.shown_score)
        assert offer.position == position
        assert offer.tied == any(o.rank == offer.rank for o in ranking.offers if o.position != offer.position)


@fairness
@given(markets())
def test_a_dominated_offer_never_outranks_its_dominator(market):
    ranking = run(market)
    values = {c.handle: c.values for c in market.offers}
    for first in ranking.offers:
        for second in ranking.offers:
            if dominates(market.criteria, values[first.handle], values[second.handle]):
                assert first.position < second.position
                assert first.rank <= second.rank
    for offer in ranking.offers:
        expected = tuple(o.handle for o in ranking.offers
                         if dominates(market.criteria, values[o.handle], values[offer.handle]))
        assert offer.dominated_by == expected
        assert offer.dominated == bool(expected)


@fairness
@given(markets(min_offers=1), st.data())
def test_improving_an_offer_on_one_criterion_never_lowers_its_rank(market, data):
    target = data.draw(st.sampled_from(market.offers))
    criterion = data.draw(st.sampled_from(market.criteria))
    step = data.draw(decimals(0, 3000).filter(lambda value: value > 0))
    improved_value = target.values[criterion.key] + (step if criterion.direction == "higher" else -step)
    improved = Candidate(target.handle, {**target.values, criterion.key: improved_value})
    before = run(market).handles[target.handle]
    after = run(market, [improved if c is target else c for c in market.offers]).handles[target.handle]
    assert after.rank <= before.rank
    assert after.position <= before.position
    assert after.exact_score >= before.exact_score


@fairness
@given(markets(min_offers=2), st.data())
def test_adding_or_removing_any_offer_never_swaps_or_merges_two_others(market, data):
    """The relation between two offers — ahead, level or behind, in the order and in rank — is
    the same whichever other offers are in the list: removing one (dominated or not) or adding
    any other offer changes nothing between the rest."""
    removed = data.draw(st.sampled_from(market.offers))
    full = run(market)
    without = run(market, [c for c in market.offers if c is not removed])
    others = [c.handle for c in market.offers if c is not removed]
    for first in others:
        for second in others:
            assert relation(without, first, second) == relation(full, first, second)


@fairness
@given(markets(min_offers=2, max_offers=6), st.data())
def test_a_tie_between_two_offers_does_not_depend_on_a_third(market, data):
    """The reason ties are a fixed grid: add offers anywhere near two others and whether those
    two share a rank stays as it was."""
    full = run(market)
    first, second = data.draw(st.sampled_from(full.offers)), data.draw(st.sampled_from(full.offers))
    extra_values = {c.key: c.worst + (c.best - c.worst) * data.draw(st.integers(-50, 150)) / 100
                    for c in market.criteria}
    added = run(market, [*market.offers, Candidate("extra", extra_values)])
    assert relation(added, first.handle, second.handle) == relation(full, first.handle, second.handle)


@fairness
@given(markets(), st.sampled_from([Decimal(100), Decimal(1000), Decimal("0.01"), Decimal("7.5")]))
def test_changing_the_currency_unit_changes_nothing(market, factor):
    """Money in cents instead of dollars (or any other unit): the values and the scales change
    together, and the ranking not at all."""
    def converted(c: Criterion) -> Criterion:
        if not c.money:
            return c
        return Criterion(c.key, c.label, c.direction, c.unit, c.worst * factor, c.best * factor, c.description,
                         money=True)

    money = {c.key for c in market.criteria if c.money}
    offers = [Candidate(o.handle, {k: v * factor if k in money else v for k, v in o.values.items()})
              for o in market.offers]
    in_new_unit = rank(offers, tuple(map(converted, market.criteria)), market.weights)
    assert shape(in_new_unit) == shape(run(market))


@fairness
@given(markets(), st.sampled_from([Decimal(2), Decimal("0.001"), Decimal(37)]))
def test_scaling_every_weight_changes_nothing(market, factor):
    scaled = rank(market.offers, market.criteria, {k: w * factor for k, w in market.weights.items()})
    assert shape(scaled) == shape(run(market))


@fairness
@given(markets())
def test_the_same_input_always_gives_the_same_ranking(market):
    assert run(market) == run(market)
