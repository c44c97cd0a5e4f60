from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, Constraint, RankingInputError, normalise_weights, rank
from app.ranking.measure import Measure

PRICE = Criterion("price", "Price", "lower", "USD", Decimal(1000), Decimal(0), "price", money=True)
RATING = Criterion("rating", "Rating", "higher", "points", Decimal(0), Decimal(10), "rating")
CRITERIA = (PRICE, RATING)
WEIGHTS = {"price": Decimal("0.6"), "rating": Decimal("0.4")}


def offer(handle: str, price: str, rating: str) -> Candidate:
    return Candidate(handle, {"price": Decimal(price), "rating": Decimal(rating)})


def order(ranking) -> list[str]:
    return [ranked.handle for ranked in ranking.offers]


def test_scores_are_weighted_positions_on_the_fixed_scales():
    ranking = rank([offer("a", "500", "5")], CRITERIA, WEIGHTS)
    only = ranking.offers[0]
    assert only.contributions == {"price": Decimal(30), "rating": Decimal(20)}
    assert only.score == Decimal(50)
    assert only.rank == 1


def test_cheaper_wins_when_all_else_is_equal():
    ranking = rank([offer("dear", "700", "5"), offer("cheap", "600", "5")], CRITERIA, WEIGHTS)
    assert order(ranking) == ["cheap", "dear"]
    assert ranking.offers[1].dominated_by == ("cheap",)


def test_better_rating_can_outweigh_a_small_price_difference():
    ranking = rank([offer("cheap", "600", "2"), offer("good", "620", "9")], CRITERIA, WEIGHTS)
    assert order(ranking) == ["good", "cheap"]
    assert ranking.offers[1].dominated_by == ()


def test_weights_are_normalised():
    doubled = {key: value * 2 for key, value in WEIGHTS.items()}
    offers = [offer("a", "600", "2"), offer("b", "620", "9")]
    assert rank(offers, CRITERIA, doubled).offers == rank(offers, CRITERIA, WEIGHTS).offers


def test_scores_that_round_to_the_same_tenth_share_a_rank():
    # $1 on a $1,000 scale at weight 0.6 is 0.06 points.
    ranking = rank([offer("a", "600", "5"), offer("b", "601", "5"), offer("c", "600.50", "5"), offer("e", "700", "5")],
                   CRITERIA, WEIGHTS)
    assert [(r.handle, r.rank, r.tied, str(r.shown_score)) for r in ranking.offers] == [
        ("a", 1, True, "44.0"),   # 44.00
        ("c", 1, True, "44.0"),   # 43.97: rounds to the same tenth, so it shares first place
        ("b", 3, False, "43.9"),  # 43.94: only 0.06 below "a", but on the other side of 43.95
        ("e", 4, False, "38.0"),
    ]


def head_grouped_ranks(scores: list[Decimal]) -> list[int]:
    """The rule this engine used to have: scores within 0.1 of a rank's first offer share it."""
    ranks, head, head_rank = [], None, 0
    for position, score in enumerate(sorted(scores, reverse=True), start=1):
        if head is None or head - score >= Decimal("0.1"):
            head, head_rank = score, position
        ranks.append(head_rank)
    return ranks


def test_whether_two_offers_tie_never_depends_on_a_third():
    """Why ties are a fixed grid: under the old rule 49.93 and 49.86 tie on their own, but adding
    an offer at 50.00 splits them (49.86 is 0.14 below it) — a third offer changed how two others
    stand. With rounding to a fixed step the two keep their relation whatever is added."""
    assert head_grouped_ranks([Decimal("49.93"), Decimal("49.86")]) == [1, 1]
    assert head_grouped_ranks([Decimal("50.00"), Decimal("49.93"), Decimal("49.86")]) == [1, 1, 3]

    price_only = {"price": Decimal(1), "rating": Decimal(0)}
    two = [offer("x", "500.70", "0"), offer("y", "501.40", "0")]  # scores 49.93 and 49.86
    alone = rank(two, CRITERIA, price_only)
    joined = rank([*two, offer("head", "500", "0")], CRITERIA, price_only)  # 50.00
    assert [(r.handle, r.rank, str(r.shown_score)) for r in alone.offers] == [("x", 1, "49.9"), ("y", 1, "49.9")]
    assert [(r.handle, r.rank, str(r.shown_score)) for r in joined.offers] == [
        ("head", 1, "50.0"), ("x", 2, "49.9"), ("y", 2, "49.9")]


def test_identical_scores_are_ordered_by_content_not_by_handle():
    first = rank([offer("z", "600", "5"), offer("a", "500", "2.5")], CRITERIA, {"price": Decimal(1), "rating": Decimal(0)})
    # "a" is cheaper, so first whatever the handles say.
    assert order(first) == ["a", "z"]
    same_score = rank([offer("z", "600", "9"), offer("a", "600", "5")], CRITERIA, {"price": Decimal(1), "rating": Decimal(0)})
    # Equal weighted score: the one better on the unweighted criteria comes first.
    assert order(same_score) == ["z", "a"]


def test_input_order_does_not_matter():
    offers = [offer("a", "600", "2"), offer("b", "620", "9"), offer("c", "580", "1"), offer("d", "900", "10")]
    assert rank(offers, CRITERIA, WEIGHTS) == rank(list(reversed(offers)), CRITERIA, WEIGHTS)


def test_hard_constraints_exclude_with_the_reason():
    ranking = rank(
        [offer("a", "600", "2"), offer("b", "950", "9")],
        CRITERIA,
        WEIGHTS,
        [Constraint("price", Decimal(800), "Costs more than the $800 you can afford.")],
    )
    assert order(ranking) == ["a"]
    assert ranking.excluded == (("b", "Costs more than the $800 you can afford."),)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"price": Decimal(0), "rating": Decimal(0)}, "at least one criterion"),
        ({"price": Decimal(-1), "rating": Decimal(1)}, "non-negative"),
        ({"price": Decimal(1), "colour": Decimal(1)}, "unknown criteria"),
    ],
)
def test_bad_weights_are_refused_with_a_reason(weights, message):
    with pytest.raises(RankingInputError, match=message):
        rank([offer("a", "1", "1")], CRITERIA, weights)


def test_floats_and_missing_values_are_refused():
    with pytest.raises(RankingInputError, match="finite Decimal"):
        rank([Candidate("a", {"price": 1.5, "rating": Decimal(1)})], CRITERIA, WEIGHTS)
    with pytest.raises(RankingInputError, match="no value for rating"):
        rank([Candidate("a", {"price": Decimal(1)})], CRITERIA, WEIGHTS)
    with pytest.raises(RankingInputError, match="share the handle"):
        rank([offer("a", "1", "1"), offer("a", "2", "2")], CRITERIA, WEIGHTS)


def test_no_offers_is_an_empty_ranking():
    ranking = rank([], CRITERIA, WEIGHTS)
    assert ranking.offers == () and ranking.top is None


def test_arithmetic_is_exact_even_where_decimals_would_round():
    # Three equal weights: every score is a multiple of 100/3, which no decimal holds exactly.
    thirds = (PRICE, RATING, Criterion("extras", "Extras", "higher", "of 3", Decimal(0), Decimal(3), "extras"))
    weights = {"price": Decimal(1), "rating": Decimal(1), "extras": Decimal(1)}
    ranking = rank([Candidate("a", {"price": Decimal(0), "rating": Decimal(0), "extras": Decimal(0)})], thirds, weights)
    assert ranking.top.exact_score == Fraction(100, 3)
    assert ranking.top.score == Decimal("33.333333333333")
    assert sum(ranking.top.exact_contributions.values()) == ranking.top.exact_score


def test_values_beyond_the_scale_extrapolate():
    ranking = rank([offer("dear", "1500", "12"), offer("free", "0", "10")], CRITERIA, WEIGHTS)
    assert ranking.handles["dear"].exact_score == Fraction(-30 + 48)
    assert ranking.handles["free"].exact_score == 100
    assert ranking.top.handle == "free"


def test_one_criterion_is_enough():
    ranking = rank([Candidate("a", {"price": Decimal(900)}), Candidate("b", {"price": Decimal(100)})],
                   (PRICE,), {"price": Decimal(1)})
    assert [r.handle for r in ranking.offers] == ["b", "a"]


def test_whole_numbers_are_exact_and_accepted_but_bools_are_not():
    ranking = rank([Candidate("a", {"price": 500, "rating": 5})], CRITERIA, WEIGHTS)
    assert ranking.top.values == {"price": Decimal(500), "rating": Decimal(5)}
    with pytest.raises(RankingInputError, match="finite Decimal"):
        rank([Candidate("a", {"price": Decimal(1), "rating": True})], CRITERIA, WEIGHTS)
    with pytest.raises(RankingInputError, match="finite Decimal"):
        rank([Candidate("a", {"price": Decimal("NaN"), "rating": Decimal(1)})], CRITERIA, WEIGHTS)
    with pytest.raises(RankingInputError, match="finite Decimal"):
        rank([Candidate("a", {"price": Decimal(1), "rating": Decimal("-Infinity")})], CRITERIA, WEIGHTS)


def test_a_value_too_precise_to_rank_exactly_is_refused_not_rounded():
    with pytest.raises(RankingInputError, match="too many digits"):
        rank([Candidate("a", {"price": Decimal("1." + "3" * 2500), "rating": Decimal(1)})], CRITERIA, WEIGHTS)


def test_dominance_lists_every_dominator_best_placed_first():
    ranking = rank([offer("best", "500", "9"), offer("good", "600", "8"), offer("odd", "400", "1"),
                    offer("poor", "700", "7"), offer("twin", "700", "7")], CRITERIA, WEIGHTS)
    assert ranking.handles["poor"].dominated_by == ("best", "good")
    assert ranking.handles["twin"].dominated_by == ("best", "good")  # equal to "poor": neither dominates
    assert ranking.handles["odd"].dominated_by == ()
    assert not ranking.handles["best"].dominated and ranking.handles["poor"].dominated


def test_the_order_key_says_where_a_changed_offer_would_stand():
    ranking = rank([offer("a", "600", "5"), offer("b", "650", "5")], CRITERIA, WEIGHTS)
    assert ranking.order_key("a") < ranking.order_key("b")
    assert ranking.order_key("b", {"price": Decimal("599.99"), "rating": Decimal(5)}) < ranking.order_key("a")
    assert ranking.order_key("b", {"price": Decimal("600"), "rating": Decimal(5)}) > ranking.order_key("a")
    assert ranking.points_per_unit("price") == Fraction(60, 1000)


_coarse_prices = st.integers(0, 20).map(lambda n: Decimal(n * 50))
_coarse_ratings = st.integers(0, 10).map(Decimal)


@given(offers=st.lists(st.tuples(_coarse_prices, _coarse_ratings), min_size=2, max_size=4),
       moved=st.tuples(_coarse_prices, _coarse_ratings), by_price=st.booleans())
def test_would_precede_answers_as_the_order_keys_compare(offers, moved, by_price):
    """Coarse values, so that offers are often level on step and score and the tie-break decides."""
    measure = Measure(("price",), Decimal(100), "price") if by_price else None
    ranking = rank([offer(f"o{n}", str(price), str(rating)) for n, (price, rating) in enumerate(offers)],
                   CRITERIA, WEIGHTS, (), measure)
    values = {"price": moved[0], "rating": moved[1]}
    for handle in ranking.handles:
        for other in ranking.handles:
            assert ranking.would_precede(handle, values, other) == (
                ranking.order_key(handle, values) < ranking.order_key(other))


def test_bad_limits_and_criteria_are_refused():
    with pytest.raises(RankingInputError, match="unknown criterion"):
        rank([offer("a", "1", "1")], CRITERIA, WEIGHTS, [Constraint("colour", Decimal(1), "no")])
    with pytest.raises(RankingInputError, match="limit on price"):
        rank([offer("a", "1", "1")], CRITERIA, WEIGHTS, [Constraint("price", 1.5, "no")])  # type: ignore[arg-type]
    with pytest.raises(RankingInputError, match="at least one criterion"):
        rank([], (), {})
    with pytest.raises(RankingInputError, match="share a key"):
        rank([], (PRICE, PRICE), {"price": Decimal(1)})


def test_constraints_apply_in_the_criterions_direction_and_excluded_offers_change_nothing():
    limit = [Constraint("rating", Decimal(5), "Rated below the 5 you asked for.")]
    ranking = rank([offer("a", "600", "4.9"), offer("b", "700", "5"), offer("c", "650", "6")], CRITERIA, WEIGHTS, limit)
    assert ranking.excluded == (("a", "Rated below the 5 you asked for."),)
    assert [r.handle for r in ranking.offers] == [r.handle for r in rank([offer("b", "700", "5"), offer("c", "650", "6")],
                                                                         CRITERIA, WEIGHTS).offers]


def test_weights_are_reported_as_shares():
    assert normalise_weights(CRITERIA, {"price": Decimal(3), "rating": Decimal(1)}) == {
        "price": Decimal("0.75"), "rating": Decimal("0.25")}
    assert rank([], CRITERIA, {"price": Decimal(1), "rating": Decimal(2)}).weights["rating"] == Decimal(
        "0.666666666666666666666667")
