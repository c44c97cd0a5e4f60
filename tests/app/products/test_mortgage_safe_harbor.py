"""Regulation Z's anti-steering safe harbor (12 CFR 1026.36(e)(3)): for each type of transaction,
the loan with the lowest rate, the lowest rate without risky features, and the lowest points and
origination fees — chosen by the rule's own tie-breaks, the same every time."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from app.products.base import InvalidTerms
from app.products.mortgage import MortgageLine
from app.products.mortgage.safe_harbor import (
    LoanOption,
    creditors_sentence,
    features_text,
    safe_harbor_options,
    transaction_type,
)
from tests.factories import mortgage_profile, mortgage_terms

ASKED = ["a", "b", "c", "d"]
line = MortgageLine()


def loan(provider: str, rate: str, fees: str, *features: str, rank: int = 1, kind: str = "fixed",
         quote_id: str | None = None) -> LoanOption:
    return LoanOption(provider=provider, quote_id=quote_id or f"{provider}-{rate}-{fees}", rank=rank,
                      transaction_type=kind, note_rate=Decimal(rate), points_and_fees=Decimal(fees),
                      features=tuple(features))


def chosen(group: dict, key: str) -> str | None:
    option = group["options"][key]
    return None if option is None else option["quote_id"]


def test_the_three_options_are_the_lowest_rate_the_lowest_plain_rate_and_the_lowest_fees() -> None:
    risky = loan("a", "5.750", "1995.00", "prepayment_penalty", rank=4, quote_id="risky")
    plain_low = loan("b", "6.000", "8000.00", rank=2, quote_id="plain-low")
    cheap = loan("c", "6.625", "0.00", rank=1, quote_id="cheap")
    middle = loan("d", "6.250", "1295.00", rank=3, quote_id="middle")
    [group] = safe_harbor_options([cheap, plain_low, middle, risky], ASKED)
    assert group["transaction_type"] == "fixed" and group["offers"] == 4
    assert chosen(group, "lowest_rate") == "risky"
    assert chosen(group, "lowest_rate_without_risky_features") == "plain-low"
    assert chosen(group, "lowest_points_and_fees") == "cheap"
    assert group["creditors"] == ["a", "b", "c", "d"] and group["enough_creditors"] is True
    assert group["options"]["lowest_rate"] == {"provider": "a", "quote_id": "risky", "rank": 4}


@pytest.mark.parametrize("feature", ["negative_amortization", "prepayment_penalty", "interest_only",
                                     "balloon_within_7_years", "demand_feature", "shared_equity",
                                     "shared_appreciation"])
def test_every_risky_feature_the_rule_names_keeps_a_loan_out_of_the_second_option(feature: str) -> None:
    [group] = safe_harbor_options([loan("a", "5.5", "100", feature, quote_id="risky"),
                                   loan("b", "6.5", "100", quote_id="plain")], ASKED)
    assert chosen(group, "lowest_rate") == "risky"
    assert chosen(group, "lowest_rate_without_risky_features") == "plain"


def test_when_every_loan_has_a_risky_feature_there_is_no_second_option() -> None:
    [group] = safe_harbor_options([loan("a", "5.5", "100", "shared_equity"), loan("b", "6", "0", "demand_feature")],
                                  ASKED)
    assert group["options"]["lowest_rate_without_risky_features"] is None
    assert chosen(group, "lowest_rate") is not None and chosen(group, "lowest_points_and_fees") is not None


def test_equal_fees_go_to_the_lower_rate_and_equal_rates_to_the_lower_fees() -> None:
    # 1026.36(e)(3)(i)(C): on equal points and fees, the one with the lowest interest rate.
    [group] = safe_harbor_options([loan("a", "6.5", "0", rank=1, quote_id="dearer"),
                                   loan("b", "6.25", "0", rank=2, quote_id="cheaper")], ASKED)
    assert chosen(group, "lowest_points_and_fees") == "cheaper"
    [group] = safe_harbor_options([loan("a", "6.0", "900", rank=1, quote_id="more-fees"),
                                   loan("b", "6.0", "500", rank=2, quote_id="less-fees")], ASKED)
    assert chosen(group, "lowest_rate") == "less-fees"


def test_an_exact_tie_goes_to_the_better_ranked_offer_whatever_the_order() -> None:
    offers = [loan("a", "6.0", "500", rank=2, quote_id="second"), loan("b", "6.0", "500", rank=1, quote_id="first"),
              loan("c", "7.0", "900", rank=3, quote_id="third")]
    answers = {tuple(chosen(group, key) for key in group["options"])
               for order in itertools.permutations(offers) for group in safe_harbor_options(list(order), ASKED)}
    assert answers == {("first", "first", "first")}


def test_fixed_and_adjustable_rates_are_separate_types_of_transaction() -> None:
    offers = [loan("a", "6.0", "500", kind="fixed", quote_id="fixed"),
              loan("b", "5.5", "500", kind="adjustable", quote_id="arm")]
    groups = safe_harbor_options(offers, ASKED)
    assert [group["transaction_type"] for group in groups] == ["fixed", "adjustable"]
    assert [chosen(group, "lowest_rate") for group in groups] == ["fixed", "arm"]
    assert transaction_type("fixed") == "fixed"
    assert {transaction_type(kind) for kind in ("arm_5_6", "arm_7_6", "arm_10_6")} == {"adjustable"}


def test_no_offers_no_groups() -> None:
    assert safe_harbor_options([], ASKED) == []


def test_fewer_than_three_creditors_is_said_with_how_many_were_asked() -> None:
    [group] = safe_harbor_options([loan("a", "6", "0"), loan("a", "5.5", "2000", quote_id="a2"),
                                   loan("b", "6.5", "0")], ASKED)
    assert group["creditors"] == ["a", "b"] and group["enough_creditors"] is False
    assert creditors_sentence(group) == (
        "Only 2 lenders of the 4 we asked made an offer of this kind, fewer than the three the rule asks for: "
        "these options are the best of what they offered.")
    [one] = safe_harbor_options([loan("a", "6", "0")], ASKED)
    assert creditors_sentence(one).startswith("Only 1 lender of the 4 we asked") and "what it offered" in creditors_sentence(one)
    [enough] = safe_harbor_options([loan(p, "6", "0", quote_id=p) for p in "abc"], ASKED)
    assert creditors_sentence(enough) == "Chosen among 3 offers from 3 lenders."


def test_features_in_words() -> None:
    assert features_text(()) == "none"
    assert features_text(("prepayment_penalty",)) == "a prepayment penalty"
    assert features_text(("interest_only", "shared_equity", "demand_feature")) == \
        "interest-only payments, shared equity and a demand feature"


# --- the terms' risky features, as a lender states them ------------------------------------------

def test_features_are_optional_and_leaving_them_out_means_none() -> None:
    terms = mortgage_terms()
    del terms["features"]
    assert line.parse_terms(terms)["features"] == ()
    assert line.parse_terms(mortgage_terms(features=[]))["features"] == ()
    stated = line.parse_terms(mortgage_terms(features=["prepayment_penalty", "shared_equity"]))
    assert stated["features"] == ("prepayment_penalty", "shared_equity")
    assessed = line.assess(stated, mortgage_profile())
    assert assessed.values is not None
    assert assessed.facts["features"] == "a prepayment penalty and shared equity"
    assert line.assess(line.parse_terms(terms), mortgage_profile()).facts["features"] == "none"


@pytest.mark.parametrize(("features", "field_name"), [
    (["a_free_toaster"], "features.0"),
    (["prepayment_penalty", "prepayment_penalty"], "features"),
    ("prepayment_penalty", "features"),
    ([1], "features.0"),
])
def test_unknown_or_repeated_features_are_refused_naming_the_field(features, field_name: str) -> None:
    with pytest.raises(InvalidTerms) as refused:
        line.parse_terms(mortgage_terms(features=features))
    assert refused.value.field_name == field_name


@pytest.mark.parametrize(("feature", "words"), [
    ("interest_only", "It has interest-only payments"),
    ("negative_amortization", "It has negative amortization"),
    ("balloon_within_7_years", "It has a balloon payment in the first 7 years"),
])
def test_a_loan_whose_payments_do_not_repay_it_is_shown_not_ranked(feature: str, words: str) -> None:
    assessed = line.assess(line.parse_terms(mortgage_terms(features=[feature])), mortgage_profile())
    assert assessed.values is None
    assert assessed.exclusion == (f"{words}, so its payments do not repay the loan month by month; we cannot work "
                                  "out its cost like for like with the others.")
