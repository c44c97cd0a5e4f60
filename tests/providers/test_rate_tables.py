"""From published rates to offers: reading cells, checking the settings, matching rows, pricing."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from providers.base import QuoteQuery
from providers.errors import LayoutChanged, ProviderConfigError, ProviderDeclined
from providers.cells import CellError, parse_value
from providers.rate_mapping import parse_mapping
from providers.rate_tables import offers_from_rows, same

TODAY = date(2026, 11, 23)
VALID_UNTIL = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "how", "value"),
    [
        ("  Full   cover ", "text", "Full cover"),
        ("1,250", "integer", 1250),
        ("-3", "integer", -3),
        ("$1,234.50", "money", Decimal("1234.50")),
        ("USD 980", "money", Decimal("980")),
        ("-$12.00", "money", Decimal("-12.00")),
        ("6.125%", "percent", Decimal("6.125")),
        ("4.5 %", "percent", Decimal("4.5")),
        ("4.5\u00a0%", "percent", Decimal("4.5")),
        ("1,234,567.5", "decimal", Decimal("1234567.5")),
        ("+45%", "percent", Decimal("45")),
        ("\u22128%", "percent", Decimal("-8")),
        ("0.875", "decimal", Decimal("0.875")),
        ("Included", "boolean", True),
        ("—", "boolean", False),
        (Decimal("1.5"), "money", Decimal("1.5")),
        (12, "integer", 12),
    ],
)
def test_cells_are_read_exactly(text: Any, how: str, value: Any) -> None:
    parsed = parse_value(text, how)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    ("text", "how"),
    [("call us", "money"), ("1.5", "integer"), ("12 %%", "percent"), ("maybe", "boolean"), (1.5, "money"),
     (True, "integer"), ("$--4", "money"), ("4,5", "decimal"), ("4,5 %", "percent"), ("6,125%", "percent"),
     ("$975,24", "money"), ("1,25", "integer"), ("N/A", "percent"), ("=1+1", "decimal"), ("=1+1", "text"),
     ('=HYPERLINK("https://elsewhere.example/","Apply")', "text"), ("@SUM(A1)", "text")],
)
def test_cells_that_do_not_parse_are_named(text: Any, how: str) -> None:
    with pytest.raises(CellError):
        parse_value(text, how)


def test_equal_across_types_but_never_true_for_one() -> None:
    assert same("500", 500) and same("Business", "business") and same(Decimal("1.0"), "1")
    assert not same(True, 1) and not same(1, True) and same(False, False)
    assert same("1000", ["1000", "2000"]) and not same("250", ["1000", "2000"])


BANDED: dict[str, Any] = {
    "columns": {
        "age_from": {"header": "From", "parse": "integer"},
        "age_to": {"header": "To", "parse": "integer"},
        "liability": {"header": "Liability", "parse": "money"},
        "full": {"header": "Full", "parse": "money"},
    },
    "derive": {"driver_age": {"age_of": "driver_birth_date"}},
    "match": [{"value": "driver_age", "from": "age_from", "to": "age_to"}],
    "pricing": {
        "base": "full",
        "into": "premium",
        "factors": [
            {"percent": "45", "value": "at_fault_accidents_5y", "per_unit": True},
            {"percent": "30", "value": "continuous_cover", "when": False},
            {"percent": "-8", "value": "vehicle_use", "when": "pleasure"},
            {"percent": "12", "value": "annual_mileage", "above": "15000"},
        ],
    },
    "variants": [{"when": {"comprehensive": False, "collision": False}, "base": "liability",
                  "terms": {"deductible": {"none": True}}}],
    "terms": {"term_months": 12, "deductible": "500", "band_to": {"row": "age_to"}, "state": {"profile": "state"}},
}
ROWS = [
    {"age_from": 16, "age_to": 24, "liability": Decimal("900.00"), "full": Decimal("2000.00")},
    {"age_from": 25, "age_to": 64, "liability": Decimal("500.00"), "full": Decimal("1000.00")},
]
PROFILE = {"driver_birth_date": "1980-01-01", "at_fault_accidents_5y": 0, "continuous_cover": True,
           "vehicle_use": "commute", "annual_mileage": 9000, "comprehensive": True, "collision": True, "state": "CA"}


def offers(settings: dict[str, Any] = BANDED, rows: list[dict[str, Any]] = ROWS, **profile: Any) -> list[Any]:
    mapping = parse_mapping("lighthouse", settings, html=False)
    return offers_from_rows(mapping, rows, QuoteQuery("auto", {**PROFILE, **profile}, "r"), provider_key="lighthouse",
                            source_digest="abc", valid_until=VALID_UNTIL, today=TODAY)


def test_the_matching_row_gives_one_offer_with_literal_row_and_profile_terms() -> None:
    [quote] = offers()
    assert quote.terms == {"term_months": 12, "deductible": "500", "band_to": 64, "state": "CA", "premium": "1000.00"}
    assert quote.currency == "USD" and quote.valid_until == VALID_UNTIL and quote.id.startswith("lighthouse-")


def test_surcharges_multiply_and_round_once() -> None:
    # 1000 × (1 + 0.45 × 2) × 1.30 × 0.92 × 1.12 = 2545.0880 → 2545.09
    [quote] = offers(at_fault_accidents_5y=2, continuous_cover=False, vehicle_use="pleasure", annual_mileage=20000)
    assert quote.terms["premium"] == "2545.09"


def test_a_variant_changes_the_price_column_and_the_terms() -> None:
    [quote] = offers(comprehensive=False, collision=False)
    assert quote.terms["premium"] == "500.00" and quote.terms["deductible"] is None


def test_no_matching_row_is_a_decline() -> None:
    with pytest.raises(ProviderDeclined, match="do not cover this profile"):
        offers(driver_birth_date="1940-01-01")


def test_ids_are_stable_and_differ_by_offer() -> None:
    assert offers()[0].id == offers()[0].id
    assert offers()[0].id != offers(at_fault_accidents_5y=1)[0].id


def test_every_matching_row_is_an_offer_up_to_the_limit() -> None:
    lender = {
        "columns": {"term": {"parse": "integer"}, "rate": {"parse": "percent"}, "points": {"parse": "decimal"}},
        "match": [{"value": "term_years", "equals": "term"}, {"value": "max_points", "from": "points"}],
        "terms": {"note_rate": {"row": "rate"}, "points": {"row": "points"}},
        "max_offers": 2,
    }
    rows = [{"term": 30, "rate": Decimal("6.5"), "points": Decimal("0")},
            {"term": 30, "rate": Decimal("6.25"), "points": Decimal("1")},
            {"term": 30, "rate": Decimal("6.0"), "points": Decimal("2")},
            {"term": 15, "rate": Decimal("5.75"), "points": Decimal("0")}]
    found = offers(lender, rows, term_years=30, max_points="2")
    assert [q.terms for q in found] == [{"note_rate": "6.5", "points": "0"}, {"note_rate": "6.25", "points": "1"}]
    assert [q.terms["points"] for q in offers(lender, rows, term_years=30, max_points="0")] == ["0"]


def test_a_surcharge_missing_from_the_page_is_a_changed_layout() -> None:
    settings = {**BANDED, "pricing": {**BANDED["pricing"], "factors": [
        {"label": "Each accident", "value": "at_fault_accidents_5y", "per_unit": True}],
        "surcharges": {"table": "#s", "rows": "tr", "label": {"selector": "th"}, "percent": {"selector": "td"}}}}
    mapping = parse_mapping("lighthouse", settings, html=True)
    with pytest.raises(LayoutChanged, match="changed its rate page") as caught:
        offers_from_rows(mapping, ROWS, QuoteQuery("auto", PROFILE, "r"), provider_key="l", source_digest="x",
                         valid_until=VALID_UNTIL, today=TODAY, surcharges={"something else": Decimal("5")})
    assert "Each accident" in (caught.value.detail or "")


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"columns": {}}, "columns"),
        ({"columns": {"x": {"parse": "float"}}}, "columns.x.parse"),
        ({"columns": {"x": {"header": "X", "colour": "red"}}}, "columns.x"),
        ({"match": [{"value": "driver_age", "from": "nope"}]}, "match[0].from"),
        ({"match": [{"value": "driver_age"}]}, "match[0]"),
        ({"pricing": {"base": "liability", "into": "premium", "factors": [{"percent": 4.5, "value": "x", "per_unit": True}]}},
         "pricing.factors[0].percent"),
        ({"pricing": {"base": "age_from", "into": "premium"}}, "pricing.base"),
        ({"pricing": {"base": "full", "into": "premium", "factors": [{"percent": "4", "value": "x"}]}}, "pricing.factors[0]"),
        ({"terms": {"complaint_index": 0.82}}, "terms.complaint_index"),
        ({"terms": {"x": {"column": "y"}}}, "terms.x"),
        ({"derive": {"age": {"years_since": "x"}}}, "derive.age"),
        ({"currency": "dollars"}, "currency"),
        ({"variants": [{"base": "nope"}]}, "variants[0].base"),
        ({"match": {"value": "driver_age"}}, "match"),
        ({"match": ["driver_age"]}, "match[0]"),
        ({"variants": "full"}, "variants"),
        ({"pricing": {"base": "full", "into": "premium", "factors": {"percent": "4"}}}, "pricing.factors"),
    ],
)
def test_bad_settings_name_the_provider_and_the_setting(change: dict[str, Any], setting: str) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        parse_mapping("lighthouse", {**BANDED, **change}, html=False)
    assert caught.value.provider_key == "lighthouse" and caught.value.setting == setting


def test_html_columns_need_a_selector_or_a_header() -> None:
    with pytest.raises(ProviderConfigError, match="exactly one of 'selector'"):
        parse_mapping("lighthouse", {**BANDED, "columns": {"x": {"parse": "money"}}}, html=True)
