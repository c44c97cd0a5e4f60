"""The savings terms schema and parse_terms: the example is complete and valid, every field is typed,
and every contradiction is refused naming its field."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from candor_savings.terms import TERMS_SCHEMA, InvalidSavingsTerms, SavingsTerms, Tier, parse_terms
from providers.json_schema import SchemaValidator

EXAMPLE: dict[str, Any] = TERMS_SCHEMA["examples"][0]


def cd(**changes: Any) -> dict[str, Any]:
    terms = {**copy.deepcopy(EXAMPLE), "product_name": "12-month CD", "account_type": "cd", "term_months": 12,
             "tiers": [], "tiering_method": None, "crediting": "at_maturity", "monthly_fee": "0.00",
             "fee_waivers": {}, "early_withdrawal": "penalty", "early_withdrawal_penalty_days": 90}
    return {**terms, **changes}


def test_the_schema_is_valid_draft_2020_12_and_its_example_is_complete() -> None:
    Draft202012Validator.check_schema(TERMS_SCHEMA)
    assert list(Draft202012Validator(TERMS_SCHEMA).iter_errors(EXAMPLE)) == []
    assert set(EXAMPLE) == set(TERMS_SCHEMA["properties"]), "the example shows every field"


def test_the_schema_is_checked_at_compiled_speed() -> None:
    """Every offer in every comparison is checked against it (providers/json_schema.py)."""
    assert SchemaValidator(TERMS_SCHEMA).compiled is not None


def test_the_example_parses_to_typed_frozen_terms() -> None:
    terms = parse_terms(EXAMPLE)
    assert isinstance(terms, SavingsTerms)
    assert terms.interest_rate == Decimal("4.00") and isinstance(terms.interest_rate, Decimal)
    assert terms.tiers == (Tier(Decimal("25000.00"), Decimal("4.25"), Decimal("4.34")),)
    assert terms.fee_waivers.minimum_balance == Decimal("500.00") and terms.fee_waivers.direct_deposit
    assert terms.access == "any_time" and terms.insured and not terms.is_time_account
    with pytest.raises(AttributeError):
        terms.interest_rate = Decimal(9)  # type: ignore[misc]


def test_a_minimal_offer_takes_the_defaults() -> None:
    minimal = {name: EXAMPLE[name] for name in TERMS_SCHEMA["required"]}
    terms = parse_terms({**minimal, "certificate_number": "57123"})
    assert terms.tiers == () and terms.monthly_fee == Decimal("5.00")
    assert terms.minimum_balance_for_apy == Decimal(0) and terms.fee_waivers.minimum_balance is None
    assert terms.promotional_rate is None and not terms.interest_paid_out


def test_a_cd_knows_its_access() -> None:
    assert parse_terms(cd()).access == "penalty"
    assert parse_terms(cd(early_withdrawal_penalty_days=0)).access == "any_time"
    assert parse_terms(cd(early_withdrawal="not_allowed", early_withdrawal_penalty_days=None)).access == "locked"


def test_the_rate_for_a_balance_follows_the_tiers() -> None:
    terms = parse_terms({**EXAMPLE, "tiers": [{"balance_from": "10000.00", "interest_rate": "4.10"},
                                              {"balance_from": "50000.00", "interest_rate": "4.30"}]})
    assert [terms.rate_for_balance(Decimal(amount)) for amount in ("9999.99", "10000", "49999.99", "50000")] == [
        Decimal("4.00"), Decimal("4.10"), Decimal("4.10"), Decimal("4.30")]


BAD_TERMS = [
    ({"interest_rate": 4.1}, "interest_rate"),
    ({"interest_rate": "4,10"}, "interest_rate"),
    ({"stated_apy": "four"}, "stated_apy"),
    ({"account_type": "checking"}, "account_type"),
    ({"monthly_fee": "-5.00"}, "monthly_fee"),
    ({"service_score": 1001}, "service_score"),
    ({"surprise": True}, "terms"),
    ({"term_months": 12}, "term_months"),
    ({"early_withdrawal_penalty_days": 90}, "early_withdrawal_penalty_days"),
    ({"tiers": []}, "tiering_method"),
    ({"tiering_method": None}, "tiering_method"),
    ({"tiers": [{"balance_from": "0.00", "interest_rate": "4.10"}]}, "tiers.0.balance_from"),
    ({"tiers": [{"balance_from": "900.00", "interest_rate": "4.10"}, {"balance_from": "500.00", "interest_rate": "4.2"}]},
     "tiers.1.balance_from"),
    ({"promotional_rate": "5.00"}, "promotional_months"),
    ({"promotional_months": 3}, "promotional_months"),
    ({"insurer": "none"}, "certificate_number"),
    ({"certificate_number": None}, "certificate_number"),
    ({"crediting": "at_maturity"}, "crediting"),
    ({"interest_paid_out": True}, "interest_paid_out"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_TERMS, ids=[field for _, field in BAD_TERMS])
def test_bad_terms_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSavingsTerms) as refused:
        parse_terms({**EXAMPLE, **changes})
    assert refused.value.field_name == field
    assert refused.value.problem


BAD_CDS = [
    ({"term_months": None}, "term_months"),
    ({"early_withdrawal": None}, "early_withdrawal"),
    ({"early_withdrawal_penalty_days": None}, "early_withdrawal_penalty_days"),
    ({"early_withdrawal": "not_allowed"}, "early_withdrawal_penalty_days"),
    ({"promotional_rate": "5.00", "promotional_months": 12}, "promotional_months"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_CDS, ids=[field for _, field in BAD_CDS])
def test_bad_cd_terms_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSavingsTerms) as refused:
        parse_terms(cd(**changes))
    assert refused.value.field_name == field


def test_a_missing_required_field_is_named() -> None:
    terms = dict(EXAMPLE)
    del terms["stated_apy"]
    with pytest.raises(InvalidSavingsTerms) as refused:
        parse_terms(terms)
    assert refused.value.field_name == "stated_apy"
