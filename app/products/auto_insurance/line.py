"""Auto insurance: like-with-like comparison of annualised premiums, cover checked against what
the customer asked for, then price, expected out-of-pocket cost, insurer strength and service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any


from app.formatting import plural
from app.money import format_money, to_cents
from app.products.auto_insurance.chart import PriceCoverChart, price_cover_chart
from app.products.auto_insurance.forms import AutoProfileForm
from app.products.auto_insurance.household import describe_discounts, extras_wanted, household_counts
from app.products.auto_insurance.household_summary import household_summary
from app.products.auto_insurance.profile_json import profile_from_json
from app.products.auto_insurance.requirements import REQUIREMENTS
from app.products.auto_insurance.plausible import PLAUSIBLE
from app.products.auto_insurance.schemas import (
    FINANCIAL_STRENGTH_GRADES,
    PROFILE_SCHEMA,
    TERMS_SCHEMA,
)
from app.products.base import (
    Assessment,
    Column,
    InvalidTerms,
    Preset,
    ProductLine,
    check_against_schema,
    weights,
)
from app.products.wording import Wording
from app.ranking.criteria import Criterion
from app.ranking.measure import Measure
from providers.json_schema import SchemaValidator

# Assumed yearly chance of a claim under each cover; they turn deductibles into an expected
# out-of-pocket cost and are shown on the methodology page.
COLLISION_CLAIM_FREQUENCY = Decimal("0.06")
COMPREHENSIVE_CLAIM_FREQUENCY = Decimal("0.03")
GRADE_POINTS = {grade: Decimal(len(FINANCIAL_STRENGTH_GRADES) - i) for i, grade in enumerate(FINANCIAL_STRENGTH_GRADES)}
EXTRAS = (
    ("rental_reimbursement", "rental car"),
    ("roadside_assistance", "roadside assistance"),
    ("uninsured_motorist", "uninsured motorist"),
)

_terms_validator = SchemaValidator(TERMS_SCHEMA)


def _grade_name(points: Decimal) -> str:
    for grade, value in GRADE_POINTS.items():
        if value == points:
            return grade
    return str(points)


def _limits(text: str) -> tuple[int, int, int]:
    per_person, per_accident, property_damage = (int(part) for part in text.split("/"))
    return per_person, per_accident, property_damage


def _dollars(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _money(value: Decimal) -> str:
    return format_money(value, "USD")


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        key="annual_premium",
        label="Price per year",
        direction="lower",
        unit="USD per year",
        worst=Decimal("4000"),
        best=Decimal("0"),
        description="The premium on a yearly basis: a 6-month premium is doubled so every offer is compared over the same year.",
        money=True,
        format=_money,
    ),
    Criterion(
        key="expected_out_of_pocket",
        label="Expected out-of-pocket cost per year",
        direction="lower",
        unit="USD per year",
        worst=Decimal("1000"),
        best=Decimal("0"),
        description=(
            "What you can expect to pay yourself in deductibles in a year: the collision deductible "
            f"times a {COLLISION_CLAIM_FREQUENCY * 100:.0f}% yearly chance of a collision claim, plus the "
            f"comprehensive deductible times a {COMPREHENSIVE_CLAIM_FREQUENCY * 100:.0f}% chance of a comprehensive claim."
        ),
        money=True,
        format=_money,
    ),
    Criterion(
        key="financial_strength",
        label="Insurer financial strength",
        direction="higher",
        unit="grade",
        worst=Decimal(1),
        best=Decimal(len(FINANCIAL_STRENGTH_GRADES)),
        description="The insurer's financial-strength grade (A++ best, C lowest): how sure it is to pay claims.",
        format=_grade_name,
    ),
    Criterion(
        key="claims_satisfaction",
        label="Claims satisfaction",
        direction="higher",
        unit="score out of 1,000",
        worst=Decimal(700),
        best=Decimal(900),
        description="How satisfied customers were with the way their claims were handled, out of 1,000.",
        format=lambda value: f"{value:.0f}/1,000",
    ),
    Criterion(
        key="complaint_index",
        label="Complaint index",
        direction="lower",
        unit="index (1.00 = industry average)",
        worst=Decimal("2.00"),
        best=Decimal("0.00"),
        description="Complaints to regulators relative to the insurer's size; 1.00 is the industry average, lower is better.",
        format=lambda value: f"{value:.2f}",
    ),
    Criterion(
        key="extras",
        label="Extras included",
        direction="higher",
        unit="of 3",
        worst=Decimal(0),
        best=Decimal(3),
        description="How many of rental car cover, roadside assistance and uninsured-motorist cover are included.",
        format=lambda value: f"{value:.0f} of 3",
    ),
)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "balanced",
        "Balanced",
        "Price matters most; cover, insurer strength and service count too.",
        weights(annual_premium="0.60", expected_out_of_pocket="0.15", financial_strength="0.08",
                 claims_satisfaction="0.07", complaint_index="0.05", extras="0.05"),
    ),
    Preset(
        "lowest_cost",
        "Lowest cost",
        "What you pay, in premium and expected deductibles, is nearly all that counts.",
        weights(annual_premium="0.75", expected_out_of_pocket="0.20", financial_strength="0.02",
                 claims_satisfaction="0.01", complaint_index="0.01", extras="0.01"),
        # What "cost" means here: the price and the deductibles you can expect to pay, a year.
        Measure(("annual_premium", "expected_out_of_pocket"), Decimal("1.00"),
                "cost a year (price plus expected deductibles)", "a year"),
    ),
    Preset(
        "best_cover",
        "Cover counts more",
        "Low deductibles and extras weigh as much as price.",
        weights(annual_premium="0.30", expected_out_of_pocket="0.25", financial_strength="0.10",
                 claims_satisfaction="0.05", complaint_index="0.05", extras="0.25"),
    ),
    Preset(
        "best_service",
        "Service counts more",
        "How the insurer treats customers and pays claims weighs as much as price.",
        weights(annual_premium="0.30", expected_out_of_pocket="0.10", financial_strength="0.20",
                 claims_satisfaction="0.25", complaint_index="0.15", extras="0.00"),
    ),
)


COLUMNS: tuple[Column, ...] = (
    Column("Price per year", "annual_premium", "term", numeric=True),
    Column("Liability cover", "liability_limits", "extras", detail_prefix="Extras: "),
    Column("Deductibles", "deductibles", "expected_out_of_pocket", detail_prefix="Expected a year: "),
    Column("Insurer strength", "financial_strength"),
    Column("Claims satisfaction", "claims_satisfaction", "complaint_index", detail_prefix="Complaint index "),
)


class AutoInsurance(ProductLine):
    key = "auto"
    name = "Auto insurance"
    version = "1"
    currency = "USD"
    period_label = "per year"
    summary = "Car insurance quotes from us and our competitors, compared on a yearly basis."
    profile_schema = PROFILE_SCHEMA
    terms_schema = TERMS_SCHEMA
    presets = PRESETS
    columns = COLUMNS
    requirements = REQUIREMENTS
    default_preset = "balanced"
    disclosure_version = "auto-disclosure-1"
    methodology_version = "auto-methodology-1"
    wording = Wording(provider="insurer", providers="insurers", offer="quote", offers="quotes",
                      try_again_with="lower liability limits or a higher deductible")
    form_lead = ("Answer a few questions about you and your car. It takes about a minute. We do not ask for "
                 "your name or contact details.")
    methodology_template = "auto/methodology.html"
    results_extra_template = "auto/results_extra.html"

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        return "Prices are per year: 6-month premiums are doubled so every offer is compared over the same year."

    def price_cover(self, result: Mapping[str, Any]) -> PriceCoverChart | None:
        return price_cover_chart(result)
    plausible = PLAUSIBLE

    def profile_form(self, **kwargs: Any) -> AutoProfileForm:
        return AutoProfileForm(**kwargs)

    def profile_from_form(self, form: AutoProfileForm) -> dict[str, Any]:  # type: ignore[override]
        return form.to_profile()

    def profile_from_json(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return profile_from_json(document)

    def summarise_profile(self, profile: Mapping[str, Any]) -> list[tuple[str, str]]:
        covers = [name for name, wanted in (("comprehensive", profile["comprehensive"]),
                                            ("collision", profile["collision"])) if wanted]
        return [
            ("Driver", f"born {date.fromisoformat(profile['driver_birth_date']):%Y}, "
                       f"licensed {plural(profile['years_licensed'], 'year')}"),
            ("Record (5 years)", f"{plural(profile['at_fault_accidents_5y'], 'at-fault accident')}, "
                                 f"{plural(profile['violations_5y'], 'violation')}"),
            ("Car", f"{profile['vehicle_year']} {profile['vehicle_make']} {profile['vehicle_model']}, "
                    f"worth {format_money(Decimal(profile['vehicle_value']), whole=True)}"),
            ("Use", f"{profile['vehicle_use']}, {profile['annual_mileage']:,} miles a year"),
            ("Where", f"{profile['state']} {profile['zip_code']}"),
            ("Cover asked for", f"liability {profile['liability_limits']}; "
                                + (" and ".join(covers) or "no comprehensive or collision")
                                + (f", ${int(profile['deductible']):,} deductible" if covers else "")),
            *household_summary(profile),
        ]

    def criteria(self, profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
        return CRITERIA

    def parse_terms(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        check_against_schema(_terms_validator, terms)
        premium = Decimal(terms["premium"])
        if premium <= 0:
            raise InvalidTerms("premium", f"a premium of {premium} is not a price")
        return {
            **terms,
            "premium": premium,
            "liability_limits": _limits(terms["liability_limits"]),
            "comprehensive_deductible": _dollars(terms["comprehensive_deductible"]),
            "collision_deductible": _dollars(terms["collision_deductible"]),
            "complaint_index": Decimal(terms["complaint_index"]),
        }

    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        annual_premium = to_cents(terms["premium"] * 12 / terms["term_months"])
        comprehensive = terms["comprehensive_deductible"]
        collision = terms["collision_deductible"]
        extras = [label for key, label in EXTRAS if terms[key]]
        facts = {
            "annual_premium": _money(annual_premium),
            "term": f"{_money(terms['premium'])} for {terms['term_months']} months" + _discounts_fact(terms, profile),
            "liability_limits": "/".join(str(part) for part in terms["liability_limits"]),
            "deductibles": _describe_deductibles(comprehensive, collision),
            "extras": ", ".join(extras) if extras else "none",
            "financial_strength": terms["financial_strength"],
            "claims_satisfaction": f"{terms['claims_satisfaction']}/1,000",
            "complaint_index": f"{terms['complaint_index']:.2f}",
        }
        reason = _cover_shortfall(terms, profile)
        if reason is not None:
            return Assessment.excluded(reason, facts)
        expected_out_of_pocket = to_cents(
            (collision or Decimal(0)) * COLLISION_CLAIM_FREQUENCY
            + (comprehensive or Decimal(0)) * COMPREHENSIVE_CLAIM_FREQUENCY
        )
        facts["expected_out_of_pocket"] = _money(expected_out_of_pocket)
        return Assessment.eligible(
            {
                "annual_premium": annual_premium,
                "expected_out_of_pocket": expected_out_of_pocket,
                "financial_strength": GRADE_POINTS[terms["financial_strength"]],
                "claims_satisfaction": Decimal(terms["claims_satisfaction"]),
                "complaint_index": terms["complaint_index"],
                "extras": Decimal(len(extras)),
            },
            facts,
        )


def _describe_deductibles(comprehensive: Decimal | None, collision: Decimal | None) -> str:
    parts = []
    parts.append(f"comprehensive {_money(comprehensive)}" if comprehensive is not None else "no comprehensive")
    parts.append(f"collision {_money(collision)}" if collision is not None else "no collision")
    return ", ".join(parts)


def _cover_shortfall(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> str | None:
    offered = terms["liability_limits"]
    asked = _limits(profile["liability_limits"])
    if any(have < want for have, want in zip(offered, asked)):
        return (f"Its liability limits ({'/'.join(map(str, offered))}) are lower than the "
                f"{profile['liability_limits']} you asked for.")
    preferred = Decimal(profile["deductible"])
    for cover, wanted in (("comprehensive", profile["comprehensive"]), ("collision", profile["collision"])):
        deductible = terms[f"{cover}_deductible"]
        if not wanted:
            continue
        if deductible is None:
            return f"It does not include {cover} cover, which you asked for."
        if deductible > preferred:
            return (f"Its {cover} deductible ({_money(deductible)}) is higher than the "
                    f"{_money(preferred)} you chose.")
    for key, label in extras_wanted(profile):
        if not terms[key]:
            return f"It does not include {label}, which you asked for."
    return _household_shortfall(terms, profile)


def _household_shortfall(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> str | None:
    """A household's offer must say it rates every driver and covers every car: a price for one
    driver in one car is not like for like (a profile of one of each asks nothing more)."""
    drivers, vehicles = household_counts(profile)
    if (drivers, vehicles) == (1, 1):
        return None
    if terms.get("drivers_rated") == drivers and terms.get("vehicles_covered") == vehicles:
        return None
    return (f"It does not say it rates all {plural(drivers, 'driver')} and covers all {plural(vehicles, 'car')} "
            "on your policy, so its price may be for fewer.")


def _discounts_fact(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> str:
    """Which claimed discounts the premium includes, said beside the price (nothing when none were
    claimed, as for every profile from before households)."""
    if not profile.get("discounts"):
        return ""
    if "discounts_applied" not in terms:
        return "; it did not say which discounts it applied"
    return f"; discounts applied: {describe_discounts(terms['discounts_applied'])}"
