"""The mortgage product line on its own: terms, Candor's own payment and APR, the cost over the
buyer's horizon, exclusions, criteria scales, break-even explanations and the cost chart."""

from decimal import Decimal

import numpy_financial as npf
import pytest
from jsonschema import Draft202012Validator

from app.products.base import InvalidTerms
from app.products.mortgage import MortgageLine
from app.products.mortgage.amortization import Adjustment, amortise, cost_over, monthly_payment
from app.products.mortgage.analysis import analyse
from app.products.mortgage.explain import break_even_sentence, years_text
from app.products.mortgage.schemas import PROFILE_SCHEMA, TERMS_SCHEMA
from app.ranking.engine import Candidate, rank
from tests.factories import mortgage_profile, mortgage_terms

line = MortgageLine()
CENT = Decimal("0.01")


def _notes(result):
    return line.cost_over_time(result).notes


def _chart(result):
    return line.cost_over_time(result).chart


def assess(terms: dict, profile: dict | None = None):
    return line.assess(line.parse_terms(terms), profile or mortgage_profile())


def arm_terms(**changes):
    adjustment = {"index": "SOFR-30-day-average", "index_value": "4.300", "margin": "2.750",
                  "initial_cap": "2", "periodic_cap": "1", "lifetime_cap": "5"}
    adjustment.update(changes.pop("adjustment", {}))
    return mortgage_terms(**{"rate_type": "arm_5_6", "note_rate": "5.750", "apr": None, "monthly_payment": None,
                             "adjustment": adjustment, **changes})


def as_float_cents(value) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT)


# --- the schemas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", [PROFILE_SCHEMA, TERMS_SCHEMA])
def test_each_schema_has_a_complete_valid_example(schema):
    Draft202012Validator.check_schema(schema)
    (example,) = schema["examples"]
    Draft202012Validator(schema).validate(example)
    assert set(example) == set(schema["properties"])


def test_the_terms_example_is_consistent_with_its_own_payment_and_apr():
    assessment = assess(mortgage_terms())
    assert assessment.facts["monthly_payment"] == "$2,430.44"
    assert assessment.values["apr"] == Decimal(TERMS_SCHEMA["examples"][0]["apr"])
    assert "apr_disagrees" not in assessment.facts


# --- terms ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"note_rate": "abc"}, "note_rate"),
        ({"note_rate": 6.125}, "note_rate"),
        ({"note_rate": "0"}, "note_rate"),
        ({"points": "-1"}, "points"),
        ({"lender_fees": "-10.00"}, "lender_fees"),
        ({"term_years": 25}, "term_years"),
        ({"term_years": "30"}, "term_years"),
        ({"rate_type": "arm_3_1"}, "rate_type"),
        ({"rate_type": "arm_5_6"}, "adjustment"),
        ({"adjustment": {"index": "SOFR-30-day-average", "index_value": "4.3", "margin": "2.75",
                         "initial_cap": "2", "periodic_cap": "1", "lifetime_cap": "5"}}, "adjustment"),
        ({"service_score": 1200}, "service_score"),
        ({"rate_lock_days": -3}, "rate_lock_days"),
        ({"apr": "six"}, "apr"),
        ({"surprise": True}, "terms"),
    ],
)
def test_invalid_terms_name_the_field(changes, field_name):
    with pytest.raises(InvalidTerms) as raised:
        line.parse_terms(mortgage_terms(**changes))
    assert raised.value.field_name == field_name


def test_a_missing_required_field_is_named_and_optional_ones_may_be_left_out():
    terms = mortgage_terms()
    del terms["note_rate"]
    with pytest.raises(InvalidTerms) as raised:
        line.parse_terms(terms)
    assert raised.value.field_name == "note_rate"
    minimal = {key: value for key, value in mortgage_terms().items()
               if key not in ("loan_amount", "monthly_payment", "apr", "adjustment", "other_prepaid_finance_charges")}
    typed = line.parse_terms(minimal)
    assert typed["apr"] is None and typed["other_prepaid_finance_charges"] == Decimal(0)
    assert assess(minimal).exclusion is None


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        (mortgage_terms(note_rate="25.000"), "its interest rate of 25% is too high to be a real offer"),
        (mortgage_terms(note_rate="0.001"), "its interest rate of 0.001% is too low to be a real offer"),
        (mortgage_terms(points="7"), "its discount points of 7 points is too high"),
        (mortgage_terms(lender_fees="250000.00"), "its lender fees of $250,000.00 is too high"),
        (arm_terms(adjustment={"lifetime_cap": "25"}), "its adjustable-rate lifetime cap of 25 percentage points is too high"),
    ],
)
def test_implausible_figures_are_set_aside_naming_the_figure(terms, words):
    """Out of a real offer's range (published on the methodology page): parsed, never ranked."""
    reason = line.implausible(line.parse_terms(terms))
    assert reason is not None and reason.startswith("Implausible — not ranked: ") and words in reason
    assert line.implausible(line.parse_terms(mortgage_terms())) is None


# --- Candor's own figures --------------------------------------------------------------------------------


@pytest.mark.parametrize(("loan", "rate", "years"), [("400000.00", "6.125", 30), ("123456.78", "7.375", 15),
                                                     ("987000.00", "5.500", 20)])
def test_the_monthly_payment_agrees_with_numpy_financial_pmt(loan, rate, years):
    payment = monthly_payment(Decimal(loan), Decimal(rate), years * 12)
    assert payment == as_float_cents(npf.pmt(float(rate) / 1200, years * 12, -float(loan)))


def test_the_schedule_agrees_with_numpy_financial_interest_and_balance():
    loan, rate, months = Decimal(400000), Decimal("6.125"), 360
    schedule = amortise(loan, rate, months)
    monthly = float(rate) / 1200
    payment = float(schedule.first_payment)
    for month in (1, 12, 84, 240):
        expected_interest = abs(npf.ipmt(monthly, month, months, -float(loan)))
        assert abs(schedule.months[month - 1].interest - Decimal(repr(float(expected_interest)))) <= CENT
        # Balance after `month` payments of the rounded payment (npf.fv) — ours rounds each month's
        # interest to the cent, so they may drift apart by a few cents over the years, no more.
        expected_balance = npf.fv(monthly, month, payment, -float(loan))
        assert abs(schedule.balance_after(month) - Decimal(repr(float(expected_balance)))) <= Decimal("0.50")
    assert schedule.balance_after(months) == 0 and len(schedule.months) == months
    assert sum(m.principal for m in schedule.months) == loan


def test_apr_is_computed_by_candor_from_the_terms_not_taken_from_the_quote():
    honest = assess(mortgage_terms(apr="6.255"))
    misleading = assess(mortgage_terms(apr="6.125"))  # the note rate passed off as the APR
    assert honest.values["apr"] == misleading.values["apr"] == Decimal("6.255")
    assert "apr_disagrees" not in honest.facts
    assert misleading.facts["apr_disagrees"] == (
        "Their quoted APR (6.125%) disagrees with ours (6.255%) by more than the 0.125 percentage point the law allows.")
    assert "their quoted APR disagrees with ours" in misleading.facts["apr_note"]
    assert misleading.facts["apr_note"].startswith("6.255%; they quote 6.125%")


@pytest.mark.parametrize(("quoted", "flagged"), [("6.130", False), ("6.380", False), ("6.381", True), ("6.129", True)])
def test_the_apr_tolerance_is_an_eighth_of_a_point_either_way(quoted, flagged):
    # Ours is 6.255%; the tolerance is 0.125 percentage point (§ 1026.22(a)(2)).
    assert ("apr_disagrees" in assess(mortgage_terms(apr=quoted)).facts) is flagged


def test_an_adjustable_rate_gets_the_irregular_quarter_point_tolerance():
    profile = mortgage_profile(rate_type="arm_5_6")
    ours = assess(arm_terms(), profile).values["apr"]
    within = assess(arm_terms(apr=f"{ours - Decimal('0.2'):.3f}"), profile)
    beyond = assess(arm_terms(apr=f"{ours - Decimal('0.3'):.3f}"), profile)
    assert "apr_disagrees" not in within.facts
    assert "0.25 percentage point" in beyond.facts["apr_disagrees"]


def test_a_quoted_monthly_payment_that_is_another_loans_is_flagged():
    assessment = assess(mortgage_terms(monthly_payment="2100.00"))
    assert assessment.facts["payment_disagrees"] == "Their quoted monthly payment ($2,100.00) disagrees with ours ($2,430.44)."
    assert assessment.values["monthly_payment"] == Decimal("2430.44")
    assert "payment_disagrees" not in assess(mortgage_terms(monthly_payment="2430.45")).facts


def test_amount_financed_is_the_loan_less_points_fees_and_other_prepaid_finance_charges():
    assessment = assess(mortgage_terms(points="1.500", lender_fees="1200.00", other_prepaid_finance_charges="300.00"))
    assert assessment.facts["upfront"] == "$7,500.00"
    assert assessment.facts["upfront_note"] == "1.5 points ($6,000.00) + $1,200.00 lender fees + $300.00 other charges"
    assert assessment.facts["amount_financed"] == "$392,500.00"


def test_cost_over_the_horizon_is_charges_plus_interest_and_leaves_the_balance_owed():
    profile = mortgage_profile(years_expected=4)
    terms = line.parse_terms(mortgage_terms())
    analysis = analyse(terms, profile)
    schedule = analysis.schedule
    paid = sum(month.payment for month in schedule.months[:48])
    principal_repaid = Decimal(400000) - analysis.balance_left
    assert analysis.horizon_cost == Decimal("5495.00") + sum(m.interest for m in schedule.months[:48])
    assert analysis.horizon_cost == Decimal("5495.00") + paid - principal_repaid
    facts = line.assess(terms, profile).facts
    assert facts["horizon_note"] == f"over your 4 years; you would still owe ${analysis.balance_left:,.2f}"


def test_the_horizon_never_runs_past_the_term():
    profile = mortgage_profile(term_years=15, years_expected=30)
    analysis = analyse(line.parse_terms(mortgage_terms(term_years=15)), profile)
    assert analysis.horizon_months == 180 and analysis.balance_left == 0


# --- adjustable rates ------------------------------------------------------------------------------------


def test_an_adjustable_rate_resets_to_index_plus_margin_within_the_caps():
    adjustment = Adjustment(fixed_months=60, interval_months=6, index_value=Decimal("4.300"), margin=Decimal("2.750"),
                            initial_cap=Decimal(2), periodic_cap=Decimal(1), lifetime_cap=Decimal(5))
    expected = amortise(Decimal(300000), Decimal("4.500"), 360, adjustment)
    rates = [month.rate for month in expected.months]
    # Fixed for 60 months; the fully indexed 7.05% is 2.55 above: the first reset moves 2 (initial
    # cap), the next the remaining 0.55 — and then it stays, as the index is assumed not to move.
    assert set(rates[:60]) == {Decimal("4.500")}
    assert set(rates[60:66]) == {Decimal("6.500")} and set(rates[66:]) == {Decimal("7.050")}
    worst = amortise(Decimal(300000), Decimal("4.500"), 360, adjustment, path="caps_reached")
    assert [worst.months[m].rate for m in (60, 66, 72, 78, 359)] == [Decimal("6.500"), Decimal("7.500"), Decimal("8.500"),
                                                                     Decimal("9.500"), Decimal("9.500")]
    assert expected.balance_after(360) == 0 and worst.balance_after(360) == 0
    # Re-amortised at each change: the new payment repays the balance over the months left.
    assert expected.months[60].payment == monthly_payment(expected.balance_after(60), Decimal("6.500"), 300)


def test_an_adjustable_rate_never_falls_below_its_margin():
    # Only a negative index could take index + margin below the margin; the floor holds even then.
    adjustment = Adjustment(fixed_months=60, interval_months=6, index_value=Decimal("-1.000"), margin=Decimal("2.750"),
                            initial_cap=Decimal(5), periodic_cap=Decimal(1), lifetime_cap=Decimal(5))
    schedule = amortise(Decimal(300000), Decimal("6.000"), 360, adjustment)
    assert min(month.rate for month in schedule.months) == Decimal("2.750")


def test_an_adjustable_offer_says_what_the_payment_becomes_and_how_high_it_can_go():
    assessment = assess(arm_terms(), mortgage_profile(rate_type="arm_5_6", years_expected=10))
    assert assessment.exclusion is None
    note = assessment.facts["payment_note"]
    assert note.startswith("for 5 years, then $") and "if rates stay as they are, at most $" in note
    # While the buyer keeps it, the payment rises after year 5; the criterion is the highest.
    assert assessment.values["monthly_payment"] > Decimal(assessment.facts["monthly_payment"].strip("$").replace(",", ""))
    short = assess(arm_terms(), mortgage_profile(rate_type="arm_5_6", years_expected=4))
    assert short.values["monthly_payment"] == Decimal(short.facts["monthly_payment"].strip("$").replace(",", ""))


# --- like with like ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "profile", "reason"),
    [
        ({"loan_type": "fha"}, {}, "It is an FHA loan; you asked for a conventional loan."),
        ({"term_years": 15}, {}, "It is a 15-year loan; you asked for 30 years."),
        ({}, {"rate_type": "arm_7_6"}, "It has a fixed rate; you asked for a 7/6 adjustable rate."),
        ({"loan_amount": "380000.00"}, {}, "It is for a loan of $380,000.00; you asked for $400,000.00."),
        ({"points": "2.000"}, {"max_points": "1"}, "It charges 2 points; you are willing to pay at most 1 point."),
        ({"points": "0.500"}, {"max_points": "0"}, "It charges 0.5 points; you are willing to pay no points."),
        ({"lender_fees": "99999.00", "points": "5"}, {"loan_amount": "100000.00", "property_value": "125000.00",
                                                     "down_payment": "25000.00", "max_points": "3"},
         "Its charges at closing are as much as the loan itself."),
    ],
)
def test_offers_that_are_not_the_loan_asked_for_are_excluded_with_the_reason(terms, profile, reason):
    assessment = assess(mortgage_terms(loan_amount=None, **terms) if "loan_amount" not in terms else mortgage_terms(**terms),
                        mortgage_profile(**profile))
    assert assessment.values is None
    assert assessment.exclusion == reason


def test_points_within_what_the_buyer_will_pay_and_a_payment_within_the_limit_are_ranked():
    assessment = assess(mortgage_terms(points="1.000"), mortgage_profile(max_points="1", max_monthly_payment="2430.44"))
    assert assessment.exclusion is None


def test_the_affordability_ceiling_is_an_engine_constraint_naming_the_offers_payment():
    profile = mortgage_profile(max_monthly_payment="2400.00")
    (constraint,) = line.constraints(profile)
    assert (constraint.criterion, constraint.limit) == ("monthly_payment", Decimal("2400.00"))
    cheap = assess(mortgage_terms(note_rate="5.875", apr=None))
    dear = assess(mortgage_terms(), mortgage_profile())
    ranking = rank([Candidate("cheap", cheap.values), Candidate("dear", dear.values)], line.criteria(profile),
                   line.preset("balanced").weights, line.constraints(profile))
    assert [offer.handle for offer in ranking.offers] == ["cheap"]
    assert ranking.excluded == (("dear", "Its monthly payment of $2,430.44 is more than the $2,400.00 you set."),)
    assert line.constraints(mortgage_profile()) == ()


# --- criteria ----------------------------------------------------------------------------------------------


def test_money_scales_come_from_the_buyers_own_loan_and_grow_with_it():
    small = {c.key: c for c in line.criteria(mortgage_profile(loan_amount="200000.00"))}
    large = {c.key: c for c in line.criteria(mortgage_profile(loan_amount="400000.00"))}
    for key in ("horizon_cost", "monthly_payment"):
        # Proportional but for each month's interest being rounded to the cent.
        assert abs(large[key].worst - 2 * small[key].worst) <= Decimal("1.00")
        assert abs(large[key].best - 2 * small[key].best) <= Decimal("1.00")
        assert large[key].direction == "lower" and large[key].worst > large[key].best
    assert large["horizon_cost"].label == "Cost while you keep the loan"
    assert large["horizon_cost"].unit == "USD over your 7 years"
    assert large["monthly_payment"].best == monthly_payment(Decimal(400000), Decimal("4.5"), 360)


def test_scales_depend_on_the_horizon_not_on_the_offers():
    short = {c.key: c for c in line.criteria(mortgage_profile(years_expected=3))}
    long = {c.key: c for c in line.criteria(mortgage_profile(years_expected=25))}
    assert short["horizon_cost"].worst < long["horizon_cost"].worst
    assert short["apr"] == long["apr"] and short["monthly_payment"] == long["monthly_payment"]
    reference = cost_over(amortise(Decimal(400000), Decimal("4.500"), 360), Decimal(0), 36)
    assert short["horizon_cost"].best == reference


def test_without_a_buyer_the_scales_are_the_example_profiles_and_say_so():
    assert line.criteria({}) == line.criteria(PROFILE_SCHEMA["examples"][0])
    assert line.scale_basis_note().startswith(
        "The money scales in the table below are for a $400,000.00, 30-year loan kept 7 years")
    labels = [c.label for c in line.criteria(mortgage_profile(years_expected=3))]
    assert labels == [c.label for c in line.criteria(mortgage_profile(years_expected=20))]


def test_presets_weigh_only_known_criteria_and_sum_to_one():
    keys = {criterion.key for criterion in line.criteria(mortgage_profile())}
    for preset in line.presets:
        assert set(preset.weights) == keys
        assert sum(preset.weights.values()) == Decimal(1)
    assert line.preset(line.default_preset).weights["horizon_cost"] >= Decimal("0.5")


def test_the_best_fit_for_a_short_stay_is_not_the_lowest_rate():
    no_charges = mortgage_terms(note_rate="6.625", points="0", lender_fees="0.00", apr=None, monthly_payment=None)
    bought_down = mortgage_terms(note_rate="5.750", points="3", lender_fees="1950.00", apr=None, monthly_payment=None)

    def winner(years: int) -> str:
        profile = mortgage_profile(years_expected=years, max_points="3")
        candidates = [Candidate(name, assess(terms, profile).values)
                      for name, terms in (("no charges", no_charges), ("bought down", bought_down))]
        return rank(candidates, line.criteria(profile), line.preset("balanced").weights).top.handle

    assert winner(2) == "no charges"
    assert winner(25) == "bought down"


# --- break-even ------------------------------------------------------------------------------------------


def brute_force_break_even(cheap, dear) -> int:
    """The first month after which the dearer-upfront offer has cost no more in all."""
    cheap_total, dear_total = cheap.upfront, dear.upfront
    for month, (c, d) in enumerate(zip(cheap.schedule.months, dear.schedule.months), start=1):
        cheap_total += c.interest
        dear_total += d.interest
        if dear_total <= cheap_total:
            return month
    raise AssertionError("never")


@pytest.mark.parametrize(("years", "phrase"), [(3, "only after {when}; you expect to stay 3."),
                                               (6, "after {when}, within the 6 you expect to stay.")])
def test_break_even_names_when_a_lower_rate_pays_back_its_charges(years, phrase):
    profile = mortgage_profile(years_expected=years, max_points="3")
    cheap = analyse(line.parse_terms(mortgage_terms(note_rate="6.625", points="0", lender_fees="0.00")), profile)
    dear = analyse(line.parse_terms(mortgage_terms(note_rate="6.000", points="2", lender_fees="1500.00")), profile)
    month = brute_force_break_even(cheap, dear)
    sentence = break_even_sentence(("Bluebird", cheap), ("Granite", dear))
    assert sentence == ("The lower rate of Granite — 6.000% against 6.625% for Bluebird — pays back its higher "
                        f"points and fees ($9,500.00 against $0.00) {phrase.format(when=years_text(month))}")
    assert 3 * 12 < month < 6 * 12
    assert break_even_sentence(("Granite", dear), ("Bluebird", cheap)) == sentence


def test_no_break_even_when_one_offer_is_cheaper_both_upfront_and_in_rate():
    profile = mortgage_profile()
    better = analyse(line.parse_terms(mortgage_terms(note_rate="6.000", points="0", lender_fees="500.00")), profile)
    worse = analyse(line.parse_terms(mortgage_terms(note_rate="6.500", points="1", lender_fees="900.00")), profile)
    assert break_even_sentence(("A", better), ("B", worse)) is None


@pytest.mark.parametrize(("months", "text"), [(12, "1 year"), (78, "6.5 years"), (24, "2 years"), (13, "1.1 years")])
def test_years_are_written_plainly(months, text):
    assert years_text(months) == text


# --- notes and chart from a logged result --------------------------------------------------------------------


def logged_result(profile, offers):
    """A result as the log holds it: ranked offers pointing at the quotes their providers sent."""
    ranking, providers = [], []
    for position, (key, name, house, terms) in enumerate(offers, start=1):
        quote_id = f"{key}-q"
        assessment = line.assess(line.parse_terms(terms), profile)
        ranking.append({"provider": key, "provider_name": name, "house": house, "quote_id": quote_id,
                        "rank": position, "facts": assessment.facts})
        providers.append({"provider": key, "quotes": [{"id": quote_id, "terms": terms}]})
    return {"profile": profile, "ranking": ranking, "providers": providers, "excluded": []}


def test_notes_and_chart_for_a_short_stay_show_the_crossing_after_the_horizon():
    profile = mortgage_profile(years_expected=3, max_points="3")
    result = logged_result(profile, [
        ("bluebird", "Bluebird Lending", False, mortgage_terms(note_rate="6.625", points="0", lender_fees="0.00")),
        ("harbor", "Harbor Home Loans", True, mortgage_terms(note_rate="6.500", points="0", lender_fees="1295.00")),
        ("granite", "Granite Funding", False, mortgage_terms(note_rate="5.625", points="3", lender_fees="1495.00")),
    ])
    notes = _notes(result)
    assert len(notes) == 2
    assert notes[0].startswith("The lower rate of Harbor Home Loans (our offer) — 6.500% against 6.625% for "
                               "Bluebird Lending — pays back its higher points and fees ($1,295.00 against $0.00)")
    assert notes[1].startswith("The lower rate of Granite Funding — 5.625% against 6.625% for Bluebird Lending — "
                               "pays back its higher points and fees ($13,495.00 against $0.00) only after ")
    assert notes[1].endswith("; you expect to stay 3.")

    chart = _chart(result)
    assert [s.label for s in chart.series] == ["Bluebird Lending", "Harbor Home Loans (our offer)", "Granite Funding"]
    assert chart.years == 6 and chart.horizon_label == "You expect to stay 3 years"
    # Plotted as the difference from the best fit (Bluebird): its own line is zero throughout, Granite
    # starts $13,495 above it and ends below it, having crossed after the horizon.
    assert set(chart.series[0].yearly) == {"$0"} and chart.series[2].yearly[0] == "+$13,495"
    assert chart.series[2].yearly[-1].startswith("-$")
    granite_crossing = [c for c in chart.crossings if c.text.startswith("Bluebird Lending and Granite Funding")]
    assert len(granite_crossing) == 1 and chart.horizon_x < granite_crossing[0].x < chart.right
    assert all(len(s.points.split()) == chart.years * 12 + 1 for s in chart.series)
    assert chart.x_ticks[0] == (chart.left, "0") and chart.y_ticks[0][0] == chart.bottom
    assert (chart.zero_y, "$0") in chart.y_ticks and chart.top < chart.zero_y < chart.bottom


def test_no_notes_or_chart_without_offers_and_no_notes_for_a_single_offer():
    profile = mortgage_profile()
    assert _chart(logged_result(profile, [])) is None
    single = logged_result(profile, [("harbor", "Harbor Home Loans", True, mortgage_terms())])
    assert _notes(single) == []
    assert len(_chart(single).series) == 1


def test_two_offers_from_one_lender_are_told_apart_by_their_points():
    profile = mortgage_profile(max_points="3")
    result = logged_result(profile, [
        ("keystone", "Keystone Mortgage", False, mortgage_terms(note_rate="5.750", points="3")),
        ("keystone", "Keystone Mortgage", False, mortgage_terms(note_rate="6.000", points="2")),
    ])
    result["ranking"][1]["quote_id"] = "keystone-r"
    result["providers"][0]["quotes"].append({"id": "keystone-r", "terms": mortgage_terms(note_rate="6.000", points="2")})
    labels = [series.label for series in _chart(result).series]
    assert labels == ["Keystone Mortgage (3 points)", "Keystone Mortgage (2 points)"]


def test_profile_summary_reads_plainly_and_has_no_contact_details():
    summary = dict(line.summarise_profile(mortgage_profile(max_monthly_payment="2800.00")))
    assert summary["Home"] == "$500,000 in CO 80203 (you will live in it)"
    assert summary["Loan"] == "$400,000 after a $100,000 down payment"
    assert summary["Kind of loan"] == "Conventional, 30 years, fixed for the whole term"
    assert summary["Credit score"] == "740 to 759"
    assert summary["Points you would pay"] == "up to 2 points"
    assert summary["Most you would pay a month"] == "$2,800.00"


def test_an_erased_profile_leaves_no_chart_and_a_general_note():
    result = logged_result(mortgage_profile(), [("harbor", "Harbor Home Loans", True, mortgage_terms())])
    result["profile"] = None
    over_time = line.cost_over_time(result)
    assert over_time.notes == [] and over_time.chart is None
    assert "the years you told us you would keep the loan" in line.results_note(None)
    assert "over your 7 years" in line.results_note(mortgage_profile())
