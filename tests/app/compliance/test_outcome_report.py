"""The outcomes report's figures from observations: every group with its interval, tested
against the rest, Holm-adjusted, flagged with its direction; money only within a product line."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.compliance import outcome_report
from app.compliance.outcome_report import MONEY_MEASURE, _money_rows, _share_rows, _with_direction
from app.compliance.outcomes import AdvisorOutcome, Observation, PriceGap, given_up
from app.ranking.criteria import EARNINGS, Criterion

FIRST = outcome_report.SHARE_MEASURES[0]


def observation(state: str, first: bool, *, product: str = "auto", channel: str = "web", gap: str | None = None,
                overridden: bool = False) -> Observation:
    outcome = None if gap is None else AdvisorOutcome(
        ours_chosen=False, overridden=overridden, gap=PriceGap(Decimal(gap), "USD", "Price per year"))
    return Observation(product, {"product": product, "channel": channel, "state": state, "age_band": "25–34",
                                 "credit_band": "not asked"}, first, outcome)


def rows_by(rows, dimension):
    return {row["group"]: row for row in rows if row["dimension"] == dimension}


def test_a_group_that_differs_is_flagged_with_its_direction_after_holm():
    observations = ([observation("TX", False) for _ in range(30)] + [observation("TX", True) for _ in range(2)]
                    + [observation(state, index % 2 == 0) for state in ("CA", "NY", "CO") for index in range(30)])
    rows = _with_direction(_share_rows(FIRST, observations))
    states = rows_by(rows, "state")
    assert states["TX"]["differs"] and states["TX"]["direction"] == "lower"
    assert states["TX"]["count"] == 32 and states["TX"]["successes"] == 2 and states["TX"]["value"] == "0.0625"
    assert Decimal(states["TX"]["ci_low"]) < Decimal("0.0625") < Decimal(states["TX"]["ci_high"])
    assert float(states["TX"]["p_adjusted"]) >= float(states["TX"]["p_value"])  # Holm never lowers a p
    assert not any(states[state]["differs"] for state in ("CA", "NY", "CO"))
    [everyone] = [row for row in rows if row["group"] == "All"]
    assert everyone["count"] == 122 and everyone["p_value"] is None


def test_small_groups_and_erased_customers_are_shown_but_not_tested():
    observations = ([observation("CA", True) for _ in range(20)] + [observation("WY", False) for _ in range(4)]
                    + [observation("erased", False) for _ in range(10)])
    states = rows_by(_share_rows(FIRST, observations), "state")
    assert states["WY"]["p_value"] is None and "fewer than 5" in states["WY"]["note"] and not states["WY"]["differs"]
    assert states["erased"]["p_value"] is None and states["erased"]["note"] == "not a customer group: not tested"
    assert states["CA"]["p_value"] is not None


def test_a_group_like_the_rest_is_not_flagged():
    observations = [observation(state, index % 3 == 0) for state in ("CA", "TX") for index in range(60)]
    assert not any(row["differs"] for row in _share_rows(FIRST, observations))


def test_money_is_compared_only_within_a_product_line_to_the_cent():
    observations = ([observation("CA", False, channel="advisor", gap="0.00") for _ in range(12)]
                    + [observation("TX", False, channel="advisor", gap=str(300 + index)) for index in range(12)]
                    + [observation("CO", False, product="mortgage", channel="advisor", gap="2500.00") for _ in range(6)])
    rows = _with_direction(_money_rows(observations))
    auto = [row for row in rows if row["product"] == "auto"]
    [line] = [row for row in auto if row["dimension"] == "product"]
    assert line["count"] == 24 and line["value"] == "152.75" and line["unit"] == "USD, price per year"
    assert "not compared" in line["note"] and line["p_value"] is None
    states = rows_by(auto, "state")
    assert states["TX"]["differs"] and states["TX"]["direction"] == "higher" and states["TX"]["value"] == "305.50"
    assert states["CA"]["value"] == "0.00" and states["CA"]["ci_low"] == "0.00" and states["CA"]["direction"] == "lower"
    mortgage = [row for row in rows if row["product"] == "mortgage"]
    assert {row["group"] for row in mortgage if row["dimension"] == "state"} == {"CO"}
    assert all(row["measure"] == MONEY_MEASURE for row in rows)


def test_every_row_has_every_export_column():
    rows = _with_direction(_share_rows(FIRST, [observation("CA", True) for _ in range(6)]))
    assert all(set(row) == set(outcome_report.COLUMNS) for row in rows)


@given(st.lists(st.tuples(st.sampled_from(("CA", "TX", "NY", "erased")), st.booleans(),
                          st.sampled_from(("web", "advisor", "api"))), min_size=1, max_size=120))
@settings(max_examples=60, deadline=None)
def test_the_differs_flag_keeps_its_promise(cases):
    """'Differs from the rest' only where the Holm-adjusted p is below 5%, never for an untested
    group, and 'higher' or 'lower' exactly as the group's share stands against everyone's."""
    rows = _with_direction(_share_rows(FIRST, [observation(state, first, channel=channel)
                                               for state, first, channel in cases]))
    [everyone] = [row for row in rows if row["group"] == "All"]
    adjusted = [float(row["p_adjusted"]) for row in rows if row["p_adjusted"] is not None]
    raw = [float(row["p_value"]) for row in rows if row["p_value"] is not None]
    assert len(adjusted) == len(raw) and all(a >= p for a, p in zip(adjusted, raw))
    for row in rows:
        if row["differs"]:
            assert float(row["p_adjusted"]) < 0.05 and row["note"] is None
            expected = "higher" if Decimal(row["value"]) > Decimal(everyone["value"]) else "lower"
            assert row["direction"] == expected
        else:
            assert row["direction"] is None
        if row["group"] in ("erased", "All"):
            assert row["p_value"] is None and not row["differs"]


def test_what_is_given_up_is_more_paid_or_less_earned():
    cost = Criterion("price", "Price per year", "lower", "USD per year", Decimal("4000"), Decimal("0"), "", money=True)
    earned = Criterion("earned", "Money earned", "higher", "USD over 12 months", Decimal("0"), Decimal("500"), "",
                       money=True, words=EARNINGS)
    assert given_up(cost, Decimal("1100.00"), Decimal("1000.00")) == Decimal("100.00")  # paid $100 more
    assert given_up(earned, Decimal("180.00"), Decimal("212.40")) == Decimal("32.40")  # earned $32.40 less
    assert given_up(cost, Decimal("1000.00"), Decimal("1000.00")) == 0 == given_up(earned, Decimal("5"), Decimal("5"))
