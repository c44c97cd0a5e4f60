from decimal import Decimal

import pytest

from app.products.base import Criterion
from app.ranking.engine import Candidate, Constraint, RankingInputError, rank

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


def test_scores_within_the_tolerance_share_a_rank():
    # $1 on a $1,000 scale at weight 0.6 is 0.06 points: inside the 0.10 tolerance.
    ranking = rank([offer("a", "600", "5"), offer("b", "601", "5"), offer("c", "700", "5")], CRITERIA, WEIGHTS)
    assert [(r.handle, r.rank, r.tied) for r in ranking.offers] == [("a", 1, True), ("b", 1, True), ("c", 3, False)]


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
