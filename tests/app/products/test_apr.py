"""Regulation Z, Appendix J (12 CFR 1026): the annual percentage rate by the actuarial method.

The worked examples are Appendix J's own, paragraph (c), "Examples for the actuarial method"
(https://www.consumerfinance.gov/rules-policy/regulations/1026/j/): amount advanced, payments,
dates and the APR the appendix gives, which must come out to two decimal places. Where an example
states its unit-periods and fractions rather than calendar dates (the (c)(5) terms and the
(c)(6) irregular series), the dates below are ones that give exactly those t and f, and the test
checks the timing as well as the rate.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.products.mortgage.apr import UNIT_PERIODS, annual_percentage_rate, payment_timings


def monthly(first: date, count: int, amount: str, every: int = 1) -> list[tuple[date, Decimal]]:
    dates = []
    for k in range(count):
        index = first.year * 12 + first.month - 1 + k * every
        dates.append((date(index // 12, index % 12 + 1, first.day), Decimal(amount)))
    return dates


def every_days(first: date, count: int, amount: str, days: int) -> list[tuple[date, Decimal]]:
    return [(first + timedelta(days=days * k), Decimal(amount)) for k in range(count)]


def semimonthly(first: date, second_day: int, count: int, amount: str) -> list[tuple[date, Decimal]]:
    firsts = monthly(first, count // 2, amount)
    seconds = [(d.replace(day=second_day), a) for d, a in firsts]
    return sorted(firsts + seconds)


EXAMPLES = [
    # (c)(1) Single advance transaction, with or without an odd first period, and otherwise regular.
    pytest.param("5000", monthly(date(1978, 2, 10), 24, "230"), date(1978, 1, 10), "month", "9.69",
                 id="(c)(1)(i) monthly payments, regular first period"),
    pytest.param("6000", monthly(date(1978, 4, 1), 36, "200"), date(1978, 2, 10), "month", "11.82",
                 id="(c)(1)(ii) monthly payments, long first period"),
    pytest.param("5000", semimonthly(date(1978, 3, 1), 16, 24, "219.17"), date(1978, 2, 23), "semimonth", "10.34",
                 id="(c)(1)(iii) semimonthly payments, short first period"),
    pytest.param("10000", monthly(date(1978, 10, 1), 40, "385", every=3), date(1978, 5, 23), "quarter", "8.97",
                 id="(c)(1)(iv) quarterly payments, long first period"),
    pytest.param("500", every_days(date(1978, 4, 21), 30, "17.60", 7), date(1978, 3, 20), "week", "14.96",
                 id="(c)(1)(v) weekly payments, long first period"),
    # (c)(2) Single advance transaction, with an odd first payment, with or without an odd first
    # period, and otherwise regular.
    pytest.param("5000", [(date(1978, 2, 10), Decimal(250))] + monthly(date(1978, 3, 10), 23, "230"),
                 date(1978, 1, 10), "month", "10.08",
                 id="(c)(2)(i) monthly payments, regular first period, irregular first payment"),
    pytest.param("400", [(date(1978, 4, 20), Decimal("39.50"))] + every_days(date(1978, 5, 18), 11, "38.31", 28),
                 date(1978, 3, 18), "4weeks", "28.50",
                 id="(c)(2)(ii) payments every 4 weeks, long first period, irregular first payment"),
    # (c)(3) Single advance transaction, with an odd final payment, with or without an odd first
    # period, and otherwise regular.
    pytest.param("5000", monthly(date(1978, 2, 10), 23, "230") + [(date(1980, 1, 10), Decimal(280))],
                 date(1978, 1, 10), "month", "10.50",
                 id="(c)(3)(i) monthly payments, regular first period, irregular final payment"),
    pytest.param("200", every_days(date(1978, 4, 11), 19, "9.50", 14) + [(date(1978, 4, 11) + timedelta(days=266), Decimal(30))],
                 date(1978, 4, 3), "2weeks", "12.22",
                 id="(c)(3)(ii) payments every 2 weeks, short first period, irregular final payment"),
    # (c)(4) Single advance transaction, with an odd first payment, odd final payment, with or
    # without an odd first period, and otherwise regular.
    pytest.param("5000", [(date(1978, 2, 10), Decimal(250))] + monthly(date(1978, 3, 10), 22, "230")
                 + [(date(1980, 1, 10), Decimal(280))], date(1978, 1, 10), "month", "10.90",
                 id="(c)(4)(i) monthly payments, irregular first and final payments"),
    pytest.param("8000", [(date(1978, 3, 1), Decimal("449.36"))] + monthly(date(1978, 5, 1), 18, "465", every=2)
                 + [(date(1981, 5, 1), Decimal(200))], date(1978, 1, 10), "2months", "7.30",
                 id="(c)(4)(ii) payments every 2 months, short first period, irregular first and final payments"),
    # (c)(5) Single advance, single payment transaction.
    pytest.param("1000", [(date(1978, 9, 15), Decimal(1080))], date(1978, 1, 3), "day", "11.45",
                 id="(c)(5)(i) single payment, term of 255 days"),
    pytest.param("1000", [(date(1978, 7, 3), Decimal(1044))], date(1978, 1, 3), "month", "8.80",
                 id="(c)(5)(ii) single payment, term of 6 months"),
    pytest.param("1000", [(date(1979, 7, 3), Decimal("1135.19"))], date(1978, 1, 3), "year", "8.76",
                 id="(c)(5)(iii) single payment, term of 18 months"),
    pytest.param("1000", [(date(1980, 1, 3), Decimal(1240))], date(1978, 1, 3), "year", "11.36",
                 id="(c)(5)(iv) single payment, term of 2 years"),
]


@pytest.mark.parametrize(("amount", "payments", "advanced_on", "unit_period", "expected"), EXAMPLES)
def test_appendix_j_examples_reproduce_to_two_decimal_places(amount, payments, advanced_on, unit_period, expected):
    apr = annual_percentage_rate(Decimal(amount), payments, advanced_on=advanced_on, unit_period=unit_period)
    assert apr == Decimal(expected)
    assert apr.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("payments", "unit_period", "expected"),
    [
        # (c)(1)(ii): 19 days from 2-10-78 to 3-1-78, the start of the first full month before 4-1-78.
        (monthly(date(1978, 4, 1), 2, "200"), "month", [(1, Decimal(19) / 30), (2, Decimal(19) / 30)]),
        # (c)(1)(iii): 6 days to 3-1-78 over a 15-day semimonth; 3-16-78 is one semimonth further.
        (semimonthly(date(1978, 3, 1), 16, 2, "1"), "semimonth", [(0, Decimal(6) / 15), (1, Decimal(6) / 15)]),
        # (c)(1)(iv): one full quarter back to 7-1-78, then 30 days (6-1 to 7-1) + 9 days (5-23 to 6-1).
        (monthly(date(1978, 10, 1), 1, "1"), "quarter", [(1, Decimal(39) / 90)]),
        # (c)(1)(v): 32 days are 4 weeks and 4 days.
        (every_days(date(1978, 4, 21), 1, "1", 7), "week", [(4, Decimal(4) / 7)]),
        # (c)(4)(ii): 30 days for the month back to 2-1-78 plus 22 days from 1-10-78, over 60.
        ([(date(1978, 3, 1), Decimal(1))], "2months", [(0, Decimal(52) / 60)]),
    ],
)
def test_unit_periods_and_fractions_are_counted_as_appendix_j_b5_says(payments, unit_period, expected):
    advanced_on = {"month": date(1978, 2, 10), "semimonth": date(1978, 2, 23), "quarter": date(1978, 5, 23),
                   "week": date(1978, 3, 20), "2months": date(1978, 1, 10)}[unit_period]
    timings = payment_timings(payments, advanced_on=advanced_on, unit_period=unit_period)
    assert [(timing.t, timing.f) for timing in timings] == expected


def test_c6_i_irregular_series_every_4_weeks():
    # (c)(6)(i): $2,135 repaid by $100 payments every 4 weeks in four runs — 9 payments from
    # t=0, f=26/28; 6 from t=10, f=12/28; 6 from t=16, f=26/28; 3 from t=23, f=12/28 — 12.00%.
    advanced_on = date(1978, 1, 1)
    offsets = ([26 + 28 * k for k in range(9)] + [292 + 28 * k for k in range(6)]
               + [474 + 28 * k for k in range(6)] + [656 + 28 * k for k in range(3)])
    payments = [(advanced_on + timedelta(days=days), Decimal(100)) for days in offsets]
    timings = payment_timings(payments, advanced_on=advanced_on, unit_period="4weeks")
    assert [(t.t, t.f) for t in timings][8:10] == [(8, Decimal(26) / 28), (10, Decimal(12) / 28)]
    assert annual_percentage_rate(Decimal(2135), payments, advanced_on=advanced_on, unit_period="4weeks") == Decimal("12.00")


def test_c6_ii_irregular_amounts_and_a_final_payment_on_another_day():
    # (c)(6)(ii): $7,350 repaid monthly by 3 x $1,000 from t=6, $2,000 at t=12, 3 x $750 from
    # t=18 (all f=12/30) and $1,000 at t=22, f=29/30 — 10.22%.
    payments = (monthly(date(1978, 8, 1), 3, "1000") + [(date(1979, 2, 1), Decimal(2000))]
                + monthly(date(1979, 8, 1), 3, "750") + [(date(1979, 12, 18), Decimal(1000))])
    timings = payment_timings(payments, advanced_on=date(1978, 1, 20), unit_period="month")
    assert (timings[0].t, timings[0].f) == (6, Decimal(12) / 30)
    assert (timings[-1].t, timings[-1].f) == (22, Decimal(29) / 30)
    assert annual_percentage_rate(Decimal(7350), payments, advanced_on=date(1978, 1, 20),
                                  unit_period="month") == Decimal("10.22")


def test_every_unit_period_has_its_count_per_year():
    assert {name: period.per_year for name, period in UNIT_PERIODS.items()} == {
        "day": 365, "week": 52, "2weeks": 26, "4weeks": 13, "semimonth": 24, "month": 12, "2months": 6,
        "quarter": 4, "year": 1,
    }


@pytest.mark.parametrize(("unit_period", "days"), [("day", 1), ("week", 7), ("2weeks", 14), ("4weeks", 28)])
def test_day_and_week_unit_periods_divide_the_days(unit_period, days):
    # Ten regular payments one unit-period apart at exactly 1% a unit-period give 1% times w.
    amount = Decimal(1000)
    payment = Decimal(1000) * Decimal("0.01") / (1 - Decimal("1.01") ** -10)
    payments = every_days(date(2026, 1, 1) + timedelta(days=days), 10, str(payment), days)
    apr = annual_percentage_rate(amount, payments, advanced_on=date(2026, 1, 1), unit_period=unit_period, places=4)
    assert apr == (UNIT_PERIODS[unit_period].per_year * Decimal(1)).quantize(Decimal("0.0001"))


def test_a_year_unit_period_counts_leftover_days_over_365():
    # (b)(5)(v)(B): 1 full year and 10 days; with a single payment the term rule applies, so use two.
    payments = [(date(2027, 1, 11), Decimal(500)), (date(2028, 1, 11), Decimal(600))]
    timings = payment_timings(payments, advanced_on=date(2026, 1, 1), unit_period="year")
    assert [(t.t, t.f) for t in timings] == [(1, Decimal(10) / 365), (2, Decimal(10) / 365)]


def test_month_end_series_counts_from_month_end_to_month_end():
    # (b)(3)(iv): payments due on the last day of each month; 28 February is one month after 31 January.
    payments = [(date(2026, 2, 28), Decimal(100)), (date(2026, 3, 31), Decimal(100)), (date(2026, 4, 30), Decimal(100))]
    timings = payment_timings(payments, advanced_on=date(2026, 1, 31), unit_period="month")
    assert [(t.t, t.f) for t in timings] == [(1, 0), (2, 0), (3, 0)]


def test_a_series_on_the_30th_uses_the_last_day_of_february():
    payments = [(date(2026, 2, 28), Decimal(100)), (date(2026, 3, 30), Decimal(100)), (date(2026, 4, 30), Decimal(100))]
    timings = payment_timings(payments, advanced_on=date(2026, 1, 30), unit_period="month")
    assert [(t.t, t.f) for t in timings] == [(1, 0), (2, 0), (3, 0)]


def test_a_loan_without_finance_charge_has_an_apr_of_zero():
    assert annual_percentage_rate(Decimal(1200), monthly(date(2026, 2, 1), 12, "100"), advanced_on=date(2026, 1, 1),
                                  unit_period="month") == Decimal("0.00")


def test_places_asks_for_more_decimals_of_the_same_rate():
    payments = monthly(date(1978, 2, 10), 24, "230")
    three = annual_percentage_rate(Decimal(5000), payments, advanced_on=date(1978, 1, 10), unit_period="month", places=3)
    six = annual_percentage_rate(Decimal(5000), payments, advanced_on=date(1978, 1, 10), unit_period="month", places=6)
    assert three == Decimal("9.686") and six.quantize(Decimal("0.001")) == three


def test_a_mortgage_without_charges_has_its_note_rate_as_apr_and_agrees_with_numpy_financial():
    # 30 years of $2,398.20 on $400,000 (6.000% note rate, payment rounded to the cent).
    payments = monthly(date(2026, 2, 1), 360, "2398.20")
    apr = annual_percentage_rate(Decimal(400000), payments, advanced_on=date(2026, 1, 1), unit_period="month", places=4)
    assert apr == Decimal("6.0000")
    rate = npf.rate(360, 2398.20, -400000, 0) * 1200
    assert abs(Decimal(repr(float(rate))) - apr) < Decimal("0.0001")


@settings(max_examples=40, deadline=None)
@given(
    amount=st.integers(min_value=1_000, max_value=2_000_000),
    note_rate=st.decimals(min_value="0.5", max_value="15", places=3),
    months=st.sampled_from([12, 60, 180, 240, 360]),
    charges_share=st.decimals(min_value="0", max_value="0.05", places=4),
)
def test_regular_schedules_agree_with_numpy_financial_rate(amount, note_rate, months, charges_share):
    loan = Decimal(amount)
    rate = note_rate / 1200
    payment = (loan * rate / (1 - (1 + rate) ** -months)).quantize(Decimal("0.01"))
    financed = (loan * (1 - charges_share)).quantize(Decimal("0.01"))
    apr = annual_percentage_rate(financed, monthly(date(2026, 2, 1), months, str(payment)),
                                 advanced_on=date(2026, 1, 1), unit_period="month", places=4)
    expected = Decimal(repr(float(npf.rate(months, float(payment), -float(financed), 0)))) * 1200
    assert abs(apr - expected) <= Decimal("0.0001")


def test_more_finance_charge_never_lowers_the_apr():
    payments = monthly(date(2026, 2, 1), 360, "2398.20")
    aprs = [annual_percentage_rate(Decimal(400000) - charge, payments, advanced_on=date(2026, 1, 1), unit_period="month",
                                   places=4) for charge in (Decimal(0), Decimal(2000), Decimal(8000))]
    assert aprs == sorted(aprs) and len(set(aprs)) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"payments": []}, "there are no payments"),
        ({"amount_financed": Decimal(0)}, "must be more than zero"),
        ({"amount_financed": Decimal(-5)}, "must be more than zero"),
        ({"amount_financed": 5000.0}, "floats cannot hold cents exactly"),
        ({"amount_financed": Decimal("NaN")}, "must be more than zero"),
        ({"payments": [(date(2025, 12, 1), Decimal(100))]}, "before the advance on 2026-01-01"),
        ({"payments": [(date(2026, 2, 1), Decimal(0))]}, "payment 1 must be more than zero"),
        ({"payments": [(date(2026, 2, 1), 100.5)]}, "floats cannot hold cents exactly"),
        ({"payments": [("2026-02-01", Decimal(100))]}, "must be a date"),
        ({"payments": [(datetime(2026, 2, 1, 9, 0), Decimal(100))]}, "not a date-time"),
        ({"payments": [(date(2026, 2, 1),)]}, "must be a (date, amount) pair"),
        ({"payments": "not payments"}, "sequence of (date, amount) pairs"),
        ({"payments": [(date(2026, 1, 1), Decimal(1100))]}, "the term has no length"),
        ({"unit_period": "fortnight"}, "unknown unit period 'fortnight'; use one of: day, week, 2weeks"),
        ({"unit_period": None}, "unknown unit period None"),
        ({"advanced_on": "2026-01-01"}, "advanced_on must be a date"),
        ({"payments": [(date(2026, 2, 1), Decimal(900))]}, "add up to 900, less than the 1000 financed"),
        ({"places": -1}, "places must be a whole number from 0 to 10"),
    ],
)
def test_invalid_input_is_a_value_error_that_says_what_is_wrong(kwargs, message):
    arguments = {"amount_financed": Decimal(1000), "payments": [(date(2026, 2, 1), Decimal(1010))],
                 "advanced_on": date(2026, 1, 1), "unit_period": "month", **kwargs}
    amount = arguments.pop("amount_financed")
    payments = arguments.pop("payments")
    with pytest.raises(ValueError) as raised:
        annual_percentage_rate(amount, payments, **arguments)
    assert message in str(raised.value)
