"""One comparison ranks once (issue 19): the offers are checked and the limits applied once, and the
line's other presets re-weigh that ranking (Ranking.reweighted) instead of ranking afresh. The
answer must be identical to before for every input, so each property compares the engine against
the engine as it was (tests/app/ranking/reference_engine.py, a verbatim copy kept as the oracle):
every public figure of every offer, the words explain.py makes from them, the errors, and, on
real markets of every product line, what the result says the other presets would put first."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.comparison.explanation import _other_presets
from app.comparison.market import Market as ComparisonMarket
from app.comparison.market import rank_blind
from app.comparison.preferences import CUSTOM
from app.comparison.settle import settle
from app.products import PRODUCT_LINES, get_product_line
from app.products.base import ProductLine
from app.ranking import explain
from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, Constraint, rank
from app.ranking.measure import Measure, declared_measures
from app.ranking.scale import RankingInputError
from tests.app.ranking import reference_engine
from tests.app.ranking.strategies import decimals, markets, measures, values_for, weights
from tests.app.ranking.test_named_presets import NOW
from tests.app.ranking.test_named_presets import markets as line_markets

identity = settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _name(handle: str) -> str:
    return f"Offer {handle}"


def everything(ranking: Any) -> dict[str, Any]:
    """Every figure a ranking shows and every sentence explain.py makes of it, for either engine."""
    offers = ranking.offers
    by_offer = [{
        "handle": o.handle, "position": o.position, "rank": o.rank, "tied": o.tied, "row": o.row,
        "values": dict(o.values), "exact_score": o.exact_score, "score": o.score, "shown_score": o.shown_score,
        "exact_contributions": dict(o.exact_contributions), "contributions": o.contributions,
        "dominated": o.dominated, "dominated_by": o.dominated_by,
        "measure_value": ranking.measure_value(o.handle), "measure_step": ranking.measure_step(o.handle),
        "order_key": ranking.order_key(o.handle),
        # Where it would stand with every value at its scale's best: an order key for other values.
        "order_key_at_best": ranking.order_key(o.handle, {c.key: c.best for c in ranking.criteria}),
        "why": explain.why_rank(ranking, o, _name),
        "to_come_first": [explain.change_to_come_first(ranking, o.handle, c) for c in ranking.criteria],
    } for o in offers]
    return {
        "offers": by_offer, "excluded": ranking.excluded, "weights": ranking.weights, "measure": ranking.measure,
        "top": None if ranking.top is None else ranking.top.handle, "handles": list(ranking.handles),
        "points_per_unit": [ranking.points_per_unit(c.key) for c in ranking.criteria],
        "top_reasons": explain.top_reasons(ranking, _name),
        "differences": [[(d.criterion, d.first, d.second, d.points) for d in explain.differences(ranking, a, b)]
                        for a, b in zip(offers, offers[1:])],
        "versions": (ranking.engine_version, ranking.tolerance),
    }


def old_gaps(ranking: Any) -> Any:
    """The reference ranking with the methods explain.py asks of a ranking since it stopped
    subtracting exact contributions (Ranking.weighted_gap, points_of_gap) and comparing whole order
    keys (Ranking.would_precede), answered the way it did before: a gap is the difference of the two
    offers' exact contributions, in points already; an offer precedes another when its order key is smaller."""
    scale, measure = ranking._scale, ranking._measure
    ranking.weighted_gap = lambda k, value, other: scale.contribution(k, value) - scale.contribution(k, other)
    ranking.points_of_gap = lambda gap: gap
    order_key = functools.cache(ranking.order_key)

    def would_precede(handle: str, values: Mapping[str, Decimal], other: str) -> bool:
        # The old keys compared as tuples are, element by element, so that the hash in the
        # tie-break is worked out only when step and score are level: the oracle's own answer, sooner.
        row = scale.row(handle, values)
        head = (0 if measure is None else measure.step(row), -scale.numerator(row))
        if head != order_key(other)[:2]:
            return head < order_key(other)[:2]
        return ranking.order_key(handle, values) < order_key(other)

    ranking.would_precede = would_precede
    return ranking


def reference_rank(*args: Any) -> Any:
    return old_gaps(reference_engine.rank(*args))


def outcome(action: Callable[[], Any]) -> tuple[str, Any]:
    """What an engine call gives: everything about its ranking, or the error it raises."""
    try:
        return "ranking", everything(action())
    except RankingInputError as error:
        return "error", str(error)


@st.composite
def constraints(draw: st.DrawFn, criteria: tuple) -> tuple[Constraint, ...]:
    limited = draw(st.lists(st.sampled_from(criteria), max_size=3))
    return tuple(Constraint(c.key, draw(values_for(c)), f"{c.key} is {{value}}") for c in limited)


@st.composite
def weightings(draw: st.DrawFn, criteria: tuple) -> tuple[Mapping[str, Any], Measure | None]:
    """Another preset's weights and measure; now and then one the engine must refuse, as it did."""
    chosen = dict(draw(weights(criteria)))
    spoilt = draw(st.sampled_from(["none"] * 8 + ["negative", "all zero", "unknown", "bad measure"]))
    if spoilt == "negative":
        chosen[criteria[0].key] = Decimal(-1)
    elif spoilt == "all zero":
        chosen = {key: Decimal(0) for key in chosen}
    elif spoilt == "unknown":
        chosen["no_such_criterion"] = Decimal(1)
    measure = draw(st.one_of(st.none(), measures(criteria)))
    if spoilt == "bad measure":
        measure = Measure(("no_such_criterion",), Decimal(1), "nothing")
    return chosen, measure


@identity
@given(data=st.data())
def test_the_ranking_and_every_reweighting_are_what_the_engine_made_before(data):
    market = data.draw(markets(max_offers=9, measured=data.draw(st.booleans())))
    limits = data.draw(constraints(market.criteria))
    args = (market.offers, market.criteria, market.weights, limits, market.measure)
    before = outcome(lambda: reference_rank(*args))
    if before[0] == "error":
        assert outcome(lambda: rank(*args)) == before
        return
    ranking = rank(*args)
    assert everything(ranking) == before[1]  # read in full first: what it worked out on request stays its own
    for other_weights, other_measure in data.draw(st.lists(weightings(market.criteria), min_size=1, max_size=4)):
        expected = outcome(lambda: reference_rank(market.offers, market.criteria, other_weights, limits,
                                                         other_measure))
        assert outcome(lambda: ranking.reweighted(other_weights, other_measure)) == expected
        try:
            top: tuple[str, Any] = ("ranking", ranking.reweighted_top(other_weights, other_measure))
        except RankingInputError as error:
            top = ("error", str(error))
        assert top == (expected if expected[0] == "error" else ("ranking", expected[1]["top"]))
        if expected[0] == "ranking":
            assert ranking.reweighted(other_weights, other_measure) == rank(
                market.offers, market.criteria, other_weights, limits, other_measure)
    # Re-weighing leaves the ranking it started from as it was.
    assert everything(ranking) == before[1]


def test_an_offer_too_precise_for_other_weights_is_refused_by_the_reweighting_as_by_the_engine():
    """The numerator is exact or refused: a value whose digits fit one set of weights may not fit
    another, and re-weighing must then refuse it in the engine's words, even when it is excluded."""
    criteria = _two_criteria()
    # 10 × 1 + 1e-14 × (1 + 1e-1990) needs 2,006 digits: more than the engine's 2,000.
    precise = Decimal("1." + "0" * 1989 + "1")  # 1 + 1e-1990, written out: a sum would round it
    offers = [Candidate("h0", {"a": Decimal(1), "b": precise}), Candidate("h1", {"a": Decimal(2), "b": Decimal(1)})]
    limits = (Constraint("b", Decimal(10), "b is {value}"),)
    light, heavy = {"a": Decimal(1)}, {"a": Decimal(1), "b": Decimal("1e-15")}
    ranking = rank(offers, criteria, light, limits)
    with pytest.raises(RankingInputError) as refused:
        reference_engine.rank(offers, criteria, heavy, limits)
    with pytest.raises(RankingInputError) as reweighted:
        ranking.reweighted(heavy)
    assert str(reweighted.value) == str(refused.value) == "offer h0: its values have too many digits to rank exactly"


def _two_criteria() -> tuple[Criterion, ...]:
    return (Criterion("a", "A", "higher", "points", Decimal(0), Decimal(10), "a"),
            Criterion("b", "B", "higher", "points", Decimal(0), Decimal(10), "b"))


def _reference_other_presets(line: ProductLine, market: ComparisonMarket, preset: str,
                             measures: Mapping[str, Measure]) -> tuple[list[dict[str, Any]], str | None]:
    """app/comparison/explanation.py's _other_presets at 5ac940a, each preset ranked afresh by the
    engine as it was."""
    top, name = market.ranking.top, market.name
    if top is None or len(market.ranking.offers) < 2:
        return [], None
    results = []
    for other in line.presets:
        if other.key == preset:
            continue
        winner = reference_engine.rank(market.candidates, market.criteria, other.weights, market.limits,
                                       measures.get(other.key)).top
        if winner is None:
            continue
        results.append({"preset": other.key, "label": other.label,
                        "provider": market.by_handle[winner.handle].config.key,
                        "provider_name": name(winner.handle), "changes_winner": winner.handle != top.handle})
    winners: dict[str, list[str]] = {}
    for item in results:
        if item["changes_winner"]:
            winners.setdefault(item["provider_name"], []).append(f"“{item['label']}”")
    if not winners:
        return results, (f"Our other presets ({', '.join(item['label'] for item in results)}) "
                         f"would put {name(top.handle)} first too.")
    return results, " ".join(f"With {' or '.join(labels)}, {winner} would rank first instead."
                             for winner, labels in winners.items())


@pytest.mark.parametrize("product", sorted(PRODUCT_LINES))
@identity
@given(data=st.data())
def test_on_every_product_line_the_other_presets_put_first_what_they_did_before(product, data):
    """Real markets of the line (the savings plug-in's too), its own criteria and limits, any of its
    presets or the customer's own weights: every preset's ranking, and what the result says each
    other preset would put first, are what ranking each afresh with the engine as it was gave."""
    line = get_product_line(product)
    profile, outcomes = data.draw(line_markets(product))
    chosen = data.draw(st.sampled_from([*(p.key for p in line.presets), CUSTOM]))
    measures = declared_measures(line.presets)
    if chosen == CUSTOM:
        own = {c.key: data.draw(decimals(0, 100)) for c in line.criteria(profile)}
        weights_used = own if any(own.values()) else dict(line.preset(line.default_preset).weights)
    else:
        weights_used = dict(line.preset(chosen).weights)
    measure = None if chosen == CUSTOM else measures.get(chosen)
    market = rank_blind(line, profile, settle(line, profile, outcomes, now=NOW).eligible, weights_used, measure)

    def reference(preset_weights: Mapping[str, Decimal], preset_measure: Measure | None) -> dict[str, Any]:
        return everything(reference_rank(market.candidates, market.criteria, preset_weights, market.limits,
                                         preset_measure))

    assert everything(market.ranking) == reference(weights_used, measure)
    for other in line.presets:
        assert everything(market.ranking.reweighted(other.weights, measures.get(other.key))) == reference(
            other.weights, measures.get(other.key))
    assert _other_presets(line, market, chosen, measures) == _reference_other_presets(line, market, chosen, measures)


def test_the_reference_is_a_copy_and_not_the_engine_itself():
    """Comparing the engine with itself would prove nothing: the oracle's parts are its own."""
    for part in ("rank", "Ranking", "RankedOffer", "_Scale", "_round", "_checked_weights"):
        assert getattr(reference_engine, part).__module__ == reference_engine.__name__, part
