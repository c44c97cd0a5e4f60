"""The outcomes report's statistics against published values, and their properties."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.compliance import statistics as stats


def test_wilson_matches_the_published_interval():
    # Newcombe (1998), table I: 81 of 263 → 0.2553 to 0.3662; Brown, Cai & DasGupta: 8 of 10 → 0.4902 to 0.9433.
    assert stats.wilson(81, 263) == stats.Interval(Decimal("0.2553"), Decimal("0.3662"))
    assert stats.wilson(8, 10) == stats.Interval(Decimal("0.4902"), Decimal("0.9433"))
    assert stats.wilson(0, 10).low == 0 and stats.wilson(10, 10).high == 1
    assert stats.wilson(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson(11, 10)


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_a_wilson_interval_holds_its_proportion_within_zero_and_one(case):
    successes, trials = case
    interval = stats.wilson(successes, trials)
    p = Decimal(successes) / trials
    assert 0 <= interval.low <= p.quantize(Decimal("0.0001")) + Decimal("0.0001")
    assert p.quantize(Decimal("0.0001")) - Decimal("0.0001") <= interval.high <= 1


def test_fishers_exact_test_matches_the_published_examples():
    assert stats.fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857, abs=1e-4)  # Fisher's tea tasting
    assert stats.fisher_exact(1, 9, 11, 3) == pytest.approx(0.002759, abs=1e-6)  # R's fisher.test example
    assert stats.fisher_exact(10, 0, 0, 10) == pytest.approx(1.0825e-5, rel=1e-3)
    assert stats.fisher_exact(5, 5, 5, 5) == pytest.approx(1.0)
    assert stats.fisher_exact(0, 0, 3, 4) == 1.0  # an empty group says nothing


def test_fishers_p_is_symmetric_in_rows_and_columns():
    assert stats.fisher_exact(2, 7, 8, 2) == pytest.approx(stats.fisher_exact(8, 2, 2, 7))
    assert stats.fisher_exact(2, 7, 8, 2) == pytest.approx(stats.fisher_exact(2, 8, 7, 2))


@pytest.mark.parametrize("df, quantile", [(1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281), (30, 2.0423),
                                          (120, 1.9799)])
def test_t_quantiles_match_the_printed_table(df, quantile):
    assert stats.t_quantile(0.975, df) == pytest.approx(quantile, abs=1e-4)
    assert stats.t_two_sided_p(quantile, df) == pytest.approx(0.05, abs=1e-4)


def test_welchs_test_and_the_mean_interval_match_r():
    first = stats.summarise([Decimal(x) for x in (1, 2, 3, 4, 5)])
    second = stats.summarise([Decimal(x) for x in (2, 4, 6, 8, 10)])
    assert stats.welch_p(first, second) == pytest.approx(0.1075, abs=1e-4)  # t.test(1:5, seq(2, 10, 2))
    assert stats.mean_interval(first) == stats.Interval(Decimal("1.04"), Decimal("4.96"))
    assert stats.mean_interval(stats.summarise([Decimal("3")])) is None
    flat = stats.summarise([Decimal("2")] * 4)
    assert stats.welch_p(flat, flat) is None and stats.welch_p(flat, stats.summarise([Decimal("3")] * 4)) == 0.0


def test_money_stays_decimal_to_the_cent():
    summary = stats.summarise([Decimal("10.10"), Decimal("20.20"), Decimal("30.30")])
    assert summary.mean == Decimal("20.20") and isinstance(summary.variance, Decimal)
    interval = stats.mean_interval(summary)
    assert interval.low.as_tuple().exponent == -2 and interval.high.as_tuple().exponent == -2


def test_holm_adjusts_step_down_and_keeps_order():
    assert stats.holm([0.01, 0.04, 0.03, 0.005, None]) == pytest.approx([0.03, 0.06, 0.06, 0.02, None])
    assert stats.holm([0.5, 0.9]) == [pytest.approx(1.0), pytest.approx(1.0)]
    assert stats.holm([]) == []


def test_holm_keeps_the_familywise_error_rate_when_nothing_differs():
    """Twenty groups drawn from one population: after Holm, a group is flagged in at most about 5%
    of reports (the family-wise rate), while unadjusted tests flag far more often."""
    generator = random.Random(7)
    adjusted_flags = raw_flags = 0
    reports = 300
    for _ in range(reports):
        counts = [(sum(generator.random() < 0.3 for _ in range(40)), 40) for _ in range(20)]
        total_hits, total = sum(hits for hits, _ in counts), sum(n for _, n in counts)
        p_values = [stats.fisher_exact(hits, n - hits, total_hits - hits, total - n - (total_hits - hits))
                    for hits, n in counts]
        raw_flags += any(p < stats.ALPHA for p in p_values)
        adjusted_flags += any(p < stats.ALPHA for p in stats.holm(p_values))
    assert adjusted_flags / reports <= 0.08
    assert raw_flags / reports > 0.3


def test_wilson_covers_the_true_share_about_95_times_in_100():
    generator = random.Random(11)
    covered = 0
    for _ in range(2000):
        hits = sum(generator.random() < 0.2 for _ in range(50))
        interval = stats.wilson(hits, 50)
        covered += interval.low <= Decimal("0.2") <= interval.high
    assert 0.93 <= covered / 2000 <= 0.975
    assert not math.isnan(stats.t_two_sided_p(0.0, 3))
