from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from app.products.auto_insurance import AutoInsurance
from app.products.base import InvalidTerms
from tests.factories import auto_profile, auto_terms

line = AutoInsurance()


def assess(terms: dict, profile: dict | None = None):
    return line.assess(line.parse_terms(terms), profile or auto_profile())


def test_twelve_month_premium_is_the_annual_price():
    assessment = assess(auto_terms(term_months=12, premium="1212.50"))
    assert assessment.exclusion is None
    assert assessment.values["annual_premium"] == Decimal("1212.50")
    assert assessment.facts["annual_premium"] == "$1,212.50"


def test_six_month_premium_is_put_on_an_annual_basis():
    assessment = assess(auto_terms(term_months=6, premium="606.25"))
    assert assessment.values["annual_premium"] == Decimal("1212.50")
    assert assessment.facts["term"] == "$606.25 for 6 months"


def test_odd_cents_are_rounded_to_the_cent_not_left_as_a_float_artefact():
    assessment = assess(auto_terms(term_months=6, premium="333.33"))
    assert assessment.values["annual_premium"] == Decimal("666.66")
    assert isinstance(assessment.values["annual_premium"], Decimal)


def test_expected_out_of_pocket_uses_the_documented_claim_frequencies():
    assessment = assess(auto_terms(comprehensive_deductible="500", collision_deductible="250"))
    # 6% x $250 collision + 3% x $500 comprehensive
    assert assessment.values["expected_out_of_pocket"] == Decimal("30.00")


@pytest.mark.parametrize(
    ("offered", "asked"),
    [("50/100/50", "100/300/100"), ("100/300/50", "100/300/100"), ("250/500/100", "250/500/250")],
)
def test_lower_liability_limits_than_asked_are_excluded_with_the_reason(offered, asked):
    assessment = assess(auto_terms(liability_limits=offered), auto_profile(liability_limits=asked))
    assert assessment.values is None
    assert offered in assessment.exclusion and asked in assessment.exclusion


def test_higher_limits_than_asked_are_fine():
    assessment = assess(auto_terms(liability_limits="250/500/250"), auto_profile(liability_limits="100/300/100"))
    assert assessment.exclusion is None


def test_missing_cover_the_customer_asked_for_is_excluded():
    assessment = assess(auto_terms(collision_deductible=None), auto_profile(collision=True))
    assert assessment.exclusion == "It does not include collision cover, which you asked for."


def test_cover_the_customer_did_not_ask_for_may_be_missing():
    assessment = assess(auto_terms(collision_deductible=None, comprehensive_deductible=None),
                        auto_profile(collision=False, comprehensive=False))
    assert assessment.exclusion is None
    assert assessment.values["expected_out_of_pocket"] == Decimal("0.00")


def test_a_higher_deductible_than_chosen_is_less_cover_and_excluded():
    assessment = assess(auto_terms(comprehensive_deductible="1000"), auto_profile(deductible="500"))
    assert "comprehensive deductible ($1,000.00) is higher than the $500.00 you chose" in assessment.exclusion


def test_a_lower_deductible_than_chosen_is_more_cover_and_ranked():
    assessment = assess(auto_terms(comprehensive_deductible="250", collision_deductible="250"),
                        auto_profile(deductible="500"))
    assert assessment.exclusion is None


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"premium": "-5.00"}, "premium"),
        ({"premium": 1212.5}, "premium"),
        ({"premium": "0"}, "premium"),
        ({"term_months": 3}, "term_months"),
        ({"financial_strength": "AAA"}, "financial_strength"),
        ({"claims_satisfaction": 1200}, "claims_satisfaction"),
        ({"complaint_index": "-1"}, "complaint_index"),
        ({"surprise": True}, "terms"),
    ],
)
def test_invalid_terms_name_the_field(changes, field_name):
    with pytest.raises(InvalidTerms) as raised:
        line.parse_terms(auto_terms(**changes))
    assert raised.value.field_name == field_name


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"premium": "999999.00"}, "its price per year of $999,999.00 is too high to be a real offer"),
        ({"premium": "0.01"}, "its price per year of $0.01 is too low to be a real offer"),
        ({"premium": "40.00", "term_months": 6}, "its price per year of $80.00 is too low"),
        ({"complaint_index": "45.00"}, "its complaint index of 45.00 is too high"),
        ({"collision_deductible": "250000"}, "its collision deductible of $250,000.00 is too high"),
    ],
)
def test_implausible_figures_are_set_aside_naming_the_figure(changes, words):
    """Out of a real offer's range (published on the methodology page): parsed, never ranked."""
    reason = line.implausible(line.parse_terms(auto_terms(**changes)))
    assert reason is not None and reason.startswith("Implausible — not ranked: ") and words in reason
    assert line.implausible(line.parse_terms(auto_terms())) is None


def test_a_missing_field_is_named():
    terms = auto_terms()
    del terms["collision_deductible"]
    with pytest.raises(InvalidTerms) as raised:
        line.parse_terms(terms)
    assert raised.value.field_name == "collision_deductible"


def test_presets_weigh_only_known_criteria_and_sum_to_one():
    keys = {criterion.key for criterion in line.criteria(auto_profile())}
    for preset in line.presets:
        assert set(preset.weights) <= keys
        assert sum(preset.weights.values()) == Decimal(1)


def test_profile_summary_has_no_contact_details_and_reads_plainly():
    summary = dict(line.summarise_profile(auto_profile()))
    assert summary["Car"] == "2019 Toyota Corolla, worth $16,500"
    assert "100/300/100" in summary["Cover asked for"]


def test_the_schema_examples_are_valid():
    Draft202012Validator(line.profile_schema).validate(line.profile_schema["examples"][0])
    line.parse_terms(line.terms_schema["examples"][0])
    assert not {"name", "email", "phone"} & set(line.profile_schema["properties"])
