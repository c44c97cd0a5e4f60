"""The savings line through Candor's own comparison code: what each offer earns over the saver's
horizon (fees and penalties counted), who is set aside and why, the notice about our offer in money
earned, a teaser rate that a "highest rate" ranking would put first, the chart, and replay."""

from __future__ import annotations

import re
from decimal import Decimal

from app.comparison.api import replay
from candor_savings.forms import SavingsProfileForm
from flask import Flask
from werkzeug.datastructures import MultiDict

import savings_factories as f


def _by_provider(result: dict) -> list[str]:
    return [offer["provider"] for offer in result["ranking"]]


def test_a_teaser_rate_that_drops_after_three_months_earns_less_over_a_year_than_a_steady_rate():
    teaser = f.savings_terms(interest_rate="3.00", promotional_rate="6.00", promotional_months=3, stated_apy="3.79")
    steady = f.savings_terms(interest_rate="4.50", stated_apy="4.60")
    result = f.ranked([f.outcome("zephyr", "Zephyr Bank", teaser), f.outcome("harbor", "Harbor Bank", steady, house=True)],
                      preset="most_interest")
    assert _by_provider(result) == ["harbor", "zephyr"]  # the higher rate today is not the better account
    earned = {offer["provider"]: Decimal(offer["values"]["earned"]) for offer in result["ranking"]}
    assert earned["harbor"] > earned["zephyr"] > 0
    zephyr = next(offer for offer in result["ranking"] if offer["provider"] == "zephyr")
    assert zephyr["facts"]["rate_note"] == "6.00% for 3 months, then 3.00% a year"
    # Over three months, the teaser is the better account.
    short = f.ranked([f.outcome("zephyr", "Zephyr Bank", teaser), f.outcome("harbor", "Harbor Bank", steady, house=True)],
                     saver=f.profile(horizon_months=3), preset="most_interest")
    assert _by_provider(short) == ["zephyr", "harbor"]


def test_our_offer_behind_is_said_in_money_earned_over_the_savers_months():
    result = f.ranked([f.outcome("harbor", "Harbor Bank", f.savings_terms(interest_rate="2.00", stated_apy="2.02"),
                                 house=True),
                       f.outcome("summit", "Summit Savings", f.savings_terms(interest_rate="4.00"))],
                      preset="most_interest")
    explanation = result["explanation"]
    money = explanation["house_money"]
    assert money["verb"] == "earns" and money["direction"] == "more" and money["period"] == "horizon_months"
    ours, top = (next(o for o in result["ranking"] if o["provider"] == key) for key in ("harbor", "summit"))
    difference = Decimal(top["values"]["earned"]) - Decimal(ours["values"]["earned"])
    assert Decimal(money["amount"]) == difference > 0
    amount = f"${difference:,.2f}"
    assert explanation["house_notice"].endswith(f"and it earns {amount} more than ours over your 12 months.")
    assert re.findall(r"\$[0-9,]+\.[0-9]{2}", explanation["house_notice"]) == [amount]  # one money figure
    assert f"It would need to earn $" in " ".join(ours["why"])


def test_uninsured_offers_are_set_aside_with_the_reason_when_the_saver_asks_for_insured_only():
    uninsured = f.savings_terms(insurer="none", certificate_number=None, interest_rate="5.00", stated_apy="5.12")
    outcomes = [f.outcome("offshore", "Offshore Thrift", uninsured), f.outcome("harbor", "Harbor Bank", f.savings_terms(), house=True)]
    insured_only = f.ranked(outcomes)
    assert _by_provider(insured_only) == ["harbor"]
    [excluded] = insured_only["excluded"]
    assert excluded["reason"] == "It is not insured by the FDIC or the NCUA, and you asked for insured accounts only."
    anything = f.ranked(outcomes, saver=f.profile(insured_only=False))
    assert set(_by_provider(anything)) == {"offshore", "harbor"}
    assert next(o for o in anything["ranking"] if o["provider"] == "offshore")["facts"]["insurance"] == "Not insured"


def test_a_cd_counts_its_penalty_when_the_money_is_needed_before_it_matures():
    steep = f.cd_terms(24, "5.00", penalty_days=365, stated_apy="5.12")
    result = f.ranked([f.outcome("granite", "Granite Bank", steep), f.outcome("harbor", "Harbor Bank", f.savings_terms(), house=True)],
                      saver=f.profile(horizon_months=12), preset="most_interest")
    granite = next(o for o in result["ranking"] if o["provider"] == "granite")
    assert "early-withdrawal penalty" in granite["facts"]["earned_note"]
    assert granite["facts"]["access"] == "With a penalty"
    assert _by_provider(result)[0] == "harbor"  # a year's interest as penalty wipes out the higher rate
    kept = f.ranked([f.outcome("granite", "Granite Bank", steep), f.outcome("harbor", "Harbor Bank", f.savings_terms(), house=True)],
                    saver=f.profile(horizon_months=24), preset="most_interest")
    assert _by_provider(kept)[0] == "granite"


def test_a_cd_is_not_ranked_for_a_saver_who_needs_access_any_time_nor_a_locked_one_past_the_horizon():
    outcomes = [f.outcome("granite", "Granite Bank", f.cd_terms(12, "5.00"), f.cd_terms(24, "5.10", penalty_days=None)),
                f.outcome("harbor", "Harbor Bank", f.savings_terms(), house=True)]
    any_time = f.ranked(outcomes, saver=f.profile(horizon_months=None))
    assert _by_provider(any_time) == ["harbor"]
    assert {e["reason"].split(":")[0] for e in any_time["excluded"]} == {"It is a 12-month CD", "It is a 24-month CD"}
    year = f.ranked(outcomes, saver=f.profile(horizon_months=12))
    [locked] = year["excluded"]
    assert locked["reason"] == "It allows no withdrawal before it matures in 24 months; you need the money after 12 months."


def test_a_deposit_below_the_minimum_opening_deposit_is_set_aside():
    result = f.ranked([f.outcome("harbor", "Harbor Bank", f.savings_terms(minimum_opening_deposit="25000.00"), house=True)])
    assert result["ranking"] == []
    assert result["excluded"][0]["reason"] == "It needs at least $25,000.00 to open; you would deposit $10,000.00."


def test_a_fee_is_waived_only_by_what_the_saver_will_do():
    fee = f.savings_terms(monthly_fee="10.00", fee_waivers={"minimum_balance": "20000.00", "direct_deposit": True})
    outcomes = [f.outcome("harbor", "Harbor Bank", fee, house=True)]
    charged = f.ranked(outcomes, saver=f.profile(direct_deposit=False))
    waived = f.ranked(outcomes, saver=f.profile(direct_deposit=True))
    paid = Decimal(charged["ranking"][0]["values"]["earned"])
    free = Decimal(waived["ranking"][0]["values"]["earned"])
    # Twelve $10.00 fees, and the interest the fees would have earned.
    assert Decimal("120.00") < free - paid < Decimal("125.00")
    assert "less $120.00 in fees" in charged["ranking"][0]["facts"]["earned_note"]


def test_a_stated_apy_beyond_the_tolerance_is_flagged_and_ours_is_ranked():
    inflated = f.savings_terms(interest_rate="4.00", stated_apy="4.50")
    result = f.ranked([f.outcome("harbor", "Harbor Bank", inflated, house=True)])
    offer = result["ranking"][0]
    assert offer["values"]["apy"] == "4.08"
    assert offer["facts"]["apy_note"] == "the bank states 4.50%: not what its terms give"
    assert "more than the 0.05 points the regulation allows" in offer["facts"]["apy_flag"]


def test_a_logged_result_replays_to_the_same_ranking_and_words():
    outcomes = [f.outcome("harbor", "Harbor Bank", f.savings_terms(interest_rate="3.90"), house=True),
                f.outcome("zephyr", "Zephyr Bank", f.savings_terms(interest_rate="3.00", promotional_rate="6.00",
                                                                   promotional_months=3, stated_apy="3.79")),
                f.outcome("granite", "Granite Bank", f.cd_terms(12, "4.60"), f.cd_terms(60, "4.80", penalty_days=365))]
    logged = {**f.ranked(outcomes, saver=f.profile(horizon_months=18)), "time": f.NOW.isoformat()}
    again = f.json.loads(f.json.dumps(f.loggable(replay(f.line, logged))))
    for part in ("ranking", "excluded", "recommended", "house", "explanation"):
        assert again[part] == logged[part], part


def test_the_chart_plots_each_balance_as_the_difference_from_the_best_fit():
    outcomes = [f.outcome("harbor", "Harbor Bank", f.savings_terms(interest_rate="3.90"), house=True),
                f.outcome("zephyr", "Zephyr Bank", f.savings_terms(interest_rate="3.00", promotional_rate="6.00",
                                                                   promotional_months=3, stated_apy="3.79"))]
    result = f.ranked(outcomes, preset="most_interest")
    chart = f.line.balance_over_time(result)
    assert chart is not None and chart.months == 12
    best, other = chart.series
    assert set(best.monthly) == {"$0"}  # the best fit is the zero line
    assert other.monthly[0] == "$0" and other.monthly[3].startswith("+") and other.monthly[12].startswith("-")


def test_the_form_reads_access_any_time_as_no_horizon(app_context: Flask):
    data = MultiDict({"deposit": "2500", "horizon_months": "any", "zip_code": "94110", "state": "",
                      "insured_only": "yes", "keeps_minimum_balance": "no", "direct_deposit": "no"})
    form = SavingsProfileForm(formdata=data, meta={"csrf": False})
    assert form.validate(), form.errors
    assert form.to_profile() == {"state": "CA", "zip_code": "94110", "deposit": "2500.00", "horizon_months": None,
                                 "insured_only": True, "keeps_minimum_balance": False, "direct_deposit": False}
    refused = SavingsProfileForm(formdata=MultiDict({**data, "deposit": "50"}), meta={"csrf": False})
    assert not refused.validate()
    assert refused.errors["deposit"] == ["Enter an amount between $100 and $10,000,000."]


def test_an_implausible_rate_is_set_aside_never_ranked_first():
    broken = f.savings_terms(interest_rate="40.00", stated_apy="49.15")
    result = f.ranked([f.outcome("broken", "Broken Bank", broken), f.outcome("harbor", "Harbor Bank", f.savings_terms(), house=True)])
    assert _by_provider(result) == ["harbor"]
    assert result["excluded"][0]["reason"] == ("Implausible — not ranked: its interest rate of 40.00% is too high to be a "
                                               "real offer; its stated APY of 49.15% is too high to be a real offer.")


def test_most_interest_is_checked_by_candors_named_preset_property():
    """The property test of tests/app/ranking/test_named_presets.py runs for every registered line's
    named presets, with markets made from the line's own sample customers and offers."""
    from tests.app.ranking.test_named_presets import NAMED

    assert ("savings", "most_interest") in NAMED
    spec = f.line.sample_customers()
    assert spec.offer is not None


def test_easy_access_puts_first_an_account_with_the_freest_access_whatever_it_earns():
    cd = f.cd_terms(12, "5.50", penalty_days=90, stated_apy="5.65", service_score=950)
    plain = f.savings_terms(interest_rate="0.50", stated_apy="0.50", service_score=610)
    result = f.ranked([f.outcome("granite", "Granite Bank", cd), f.outcome("harbor", "Harbor Bank", plain, house=True)],
                      saver=f.profile(horizon_months=24), preset="easy_access")
    assert _by_provider(result) == ["harbor", "granite"]
    assert result["preferences"]["measure"] == {"criteria": ["access"], "tolerance": "0.5",
                                                "label": "access to your money", "per": ""}
    balanced = f.ranked([f.outcome("granite", "Granite Bank", cd), f.outcome("harbor", "Harbor Bank", plain, house=True)],
                        saver=f.profile(horizon_months=24))
    assert _by_provider(balanced) == ["granite", "harbor"]  # the weights alone would not keep the name's promise
