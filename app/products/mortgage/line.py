"""Mortgages: like-with-like offers (loan type, term, fixed or adjustable), the APR computed by
Candor itself under Regulation Z, and above all what each offer costs over the years the buyer
expects to keep it — where points and fees make the lowest rate the wrong choice for someone who
will move in four years."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


from app.formatting import plural
from app.money import format_money
from app.products.base import (
    Assessment,
    Column,
    Criterion,
    InvalidTerms,
    Preset,
    ProductLine,
    check_against_schema,
    weights,
)
from app.products.mortgage import chart, explain
from app.products.mortgage.amortization import MONTHS_PER_YEAR, amortise, cost_over, monthly_payment
from app.products.mortgage.analysis import PAYMENT_TOLERANCE, ChargesExceedLoan, LoanAnalysis, analyse
from app.products.mortgage.forms import (
    LOAN_TYPE_CHOICES,
    RATE_TYPE_CHOICES,
    MortgageProfileForm,
    _band_label,
)
from app.products.mortgage.requirements import REQUIREMENTS
from app.products.mortgage.plausible import PLAUSIBLE
from app.products.mortgage.schemas import FIXED_YEARS, PROFILE_SCHEMA, TERMS_SCHEMA
from app.products.wording import Wording
from app.ranking.engine import Constraint
from app.ranking.measure import Measure
from providers.json_schema import SchemaValidator

# The money scales are read for each buyer from two reference loans of their own amount, term and
# horizon, so a scale never depends on which other offers are in the list: full marks for what a
# 4.5% loan without charges would cost, none for an 8.5% loan with 3% of the loan paid at closing.
BEST_REFERENCE_RATE = Decimal("4.500")
WORST_REFERENCE_RATE = Decimal("8.500")
WORST_REFERENCE_CHARGES = Decimal("0.03")
# Without a buyer (the methodology page, the preference controls) the scales are the example
# profile's, and the methodology says so.
EXAMPLE_PROFILE = PROFILE_SCHEMA["examples"][0]

_terms_validator = SchemaValidator(TERMS_SCHEMA)


@dataclass(frozen=True)
class CostOverTime:
    notes: list[str]
    chart: chart.CostChart | None
_LOAN_TYPE_WORDS = {"conventional": "a conventional", "fha": "an FHA", "va": "a VA", "jumbo": "a jumbo"}
_OCCUPANCY_WORDS = {"primary": "you will live in it", "second_home": "a second home",
                    "investment": "a property to rent out"}
_RATE_TYPE_WORDS = {
    "fixed": "a fixed rate",
    "arm_5_6": "a 5/6 adjustable rate",
    "arm_7_6": "a 7/6 adjustable rate",
    "arm_10_6": "a 10/6 adjustable rate",
}


def _money(value: Decimal) -> str:
    return format_money(value, "USD")


def _percent(value: Decimal) -> str:
    return f"{value:.3f}%"


def _years(count: int) -> str:
    return plural(count, "year")


def _points(value: Decimal) -> str:
    return plural(Decimal(f"{value.normalize():f}"), "point")


def _scale_basis(profile: Mapping[str, Any]) -> tuple[Decimal, int, int]:
    """Loan amount, term in months and horizon in months the scales are read for."""
    basis = profile if "loan_amount" in profile else EXAMPLE_PROFILE
    term_months = int(basis["term_years"]) * MONTHS_PER_YEAR
    horizon = min(int(basis["years_expected"]) * MONTHS_PER_YEAR, term_months)
    return Decimal(basis["loan_amount"]), term_months, horizon


def scale_basis_note() -> str:
    loan, term_months, horizon = _scale_basis(EXAMPLE_PROFILE)
    return (f"The money scales in the table below are for a {_money(loan)}, {term_months // MONTHS_PER_YEAR}-year loan kept "
            f"{_years(horizon // MONTHS_PER_YEAR)}; for you they are worked out the same way from your own loan, "
            "term and the years you expect to keep it.")


def criteria_for(profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
    loan, term_months, horizon = _scale_basis(profile)
    years = horizon // MONTHS_PER_YEAR
    worst_charges = (loan * WORST_REFERENCE_CHARGES).quantize(Decimal("0.01"))
    worst_cost = cost_over(amortise(loan, WORST_REFERENCE_RATE, term_months), worst_charges, horizon)
    best_cost = cost_over(amortise(loan, BEST_REFERENCE_RATE, term_months), Decimal(0), horizon)
    return (
        Criterion(
            key="horizon_cost",
            # The label is the same for everyone (preference controls show it); the unit carries the
            # buyer's own period, which the explanations put after an amount: "$3,105.33 over your 4 years".
            label="Cost while you keep the loan",
            direction="lower",
            unit=f"USD over your {_years(years)}",
            worst=worst_cost,
            best=best_cost,
            description=(
                "Points, lender fees and other finance charges paid at closing, plus the interest you pay "
                "while you keep the loan. The principal you repay is not a cost: it is yours again when you "
                f"sell or refinance. Full marks for what a {BEST_REFERENCE_RATE}% loan without charges would "
                f"cost, none for a {WORST_REFERENCE_RATE}% loan with {WORST_REFERENCE_CHARGES * 100:.0f}% of "
                "the loan paid at closing."
            ),
            money=True,
            format=_money,
        ),
        Criterion(
            key="monthly_payment",
            label="Monthly payment",
            direction="lower",
            unit="USD per month",
            worst=monthly_payment(loan, WORST_REFERENCE_RATE, term_months),
            best=monthly_payment(loan, BEST_REFERENCE_RATE, term_months),
            description=(
                "Principal and interest each month: the highest it is scheduled to be while you keep the loan "
                "(an adjustable rate can change it). Scale: a 4.5% loan's payment to an 8.5% loan's."
            ),
            money=True,
            format=_money,
        ),
        Criterion(
            key="apr",
            label="APR",
            direction="lower",
            unit="percent a year",
            worst=Decimal("9.000"),
            best=Decimal("4.000"),
            description=(
                "The APR we compute ourselves from the offer's rate, points, fees and payments, by the "
                "actuarial method of Regulation Z, Appendix J — over the whole term, so it favours paying "
                "points more than a short stay would."
            ),
            format=_percent,
        ),
        Criterion(
            key="rate_lock_days",
            label="Rate lock",
            direction="higher",
            unit="days",
            worst=Decimal(15),
            best=Decimal(90),
            description="How long the lender holds the quoted rate while your purchase closes.",
            format=lambda value: plural(round(value), "day"),
        ),
        Criterion(
            key="service_score",
            label="Borrower satisfaction",
            direction="higher",
            unit="score out of 1,000",
            worst=Decimal(600),
            best=Decimal(900),
            description="An independent survey of borrowers' satisfaction with the lender, out of 1,000.",
            format=lambda value: f"{value:.0f}/1,000",
        ),
    )


PRESETS: tuple[Preset, ...] = (
    Preset(
        "balanced",
        "Balanced",
        "What the loan costs you over the years you keep it matters most; the monthly payment, APR, rate lock and service count too.",
        weights(horizon_cost="0.70", monthly_payment="0.10", apr="0.05", rate_lock_days="0.05", service_score="0.10"),
    ),
    Preset(
        "lowest_cost",
        "Lowest cost",
        "What the loan costs you over the years you keep it is nearly all that counts.",
        weights(horizon_cost="0.85", monthly_payment="0.05", apr="0.04", rate_lock_days="0.03", service_score="0.03"),
        Measure(("horizon_cost",), Decimal("25.00"), "cost while you keep the loan",
                "over the years you keep the loan"),
    ),
    Preset(
        "lowest_payment",
        "Lowest monthly payment",
        "The monthly payment weighs most; the cost over the years you keep the loan still counts.",
        weights(horizon_cost="0.30", monthly_payment="0.55", apr="0.05", rate_lock_days="0.05", service_score="0.05"),
        Measure(("monthly_payment",), Decimal("1.00"), "monthly payment", "a month"),
    ),
    Preset(
        "best_service",
        "Service counts more",
        "How the lender treats borrowers, and how long it holds your rate, weigh nearly as much as cost.",
        weights(horizon_cost="0.45", monthly_payment="0.05", apr="0.05", rate_lock_days="0.15", service_score="0.30"),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column("Monthly payment", "monthly_payment", "payment_note", numeric=True),
    Column("Cost while you keep it", "horizon_cost", "horizon_note", numeric=True),
    Column("Rate", "rate", "apr_note", detail_prefix="APR "),
    Column("Points and fees", "upfront", "upfront_note", numeric=True),
    Column("Rate lock", "rate_lock", "service", detail_prefix="Borrower satisfaction "),
)


class MortgageLine(ProductLine):
    key = "mortgage"
    name = "Mortgage"
    version = "1"
    currency = "USD"
    period_label = "per month"
    summary = ("Home loan offers from us and other lenders, ranked by what each would cost you over the "
               "years you expect to keep it.")
    profile_schema = PROFILE_SCHEMA
    terms_schema = TERMS_SCHEMA
    presets = PRESETS
    columns = COLUMNS
    requirements = REQUIREMENTS
    default_preset = "balanced"
    disclosure_version = "mortgage-disclosure-1"
    methodology_version = "mortgage-methodology-1"
    wording = Wording(provider="lender", providers="lenders", offer="loan offer", offers="loan offers",
                      try_again_with="more points, another loan type or term, or a higher monthly limit")
    plausible = PLAUSIBLE
    withheld_from_providers = frozenset({"max_monthly_payment"})
    form_lead = ("Tell us about the home and the loan you want. It takes about a minute. We do not ask for "
                 "your name or contact details, and we never check your credit.")
    results_extra_template = "mortgage/results_extra.html"
    methodology_template = "mortgage/methodology.html"
    offer_name = staticmethod(explain.offer_name)

    def profile_form(self, **kwargs: Any) -> MortgageProfileForm:
        return MortgageProfileForm(**kwargs)

    def profile_from_form(self, form: MortgageProfileForm) -> dict[str, Any]:  # type: ignore[override]
        return form.to_profile()

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        years = ("the years you told us you would keep the loan" if profile is None
                 else f"your {_years(min(int(profile['years_expected']), int(profile['term_years'])))}")
        return (f"Payments are per month; costs are over {years}: points and fees plus the interest you "
                "would pay in that time. We work out every payment and APR ourselves from the lenders’ terms.")

    def scale_basis_note(self) -> str:
        return scale_basis_note()

    def summarise_profile(self, profile: Mapping[str, Any]) -> list[tuple[str, str]]:
        loan_type = _choice_label(LOAN_TYPE_CHOICES, profile["loan_type"]).split(" (")[0]
        rate_type = _choice_label(RATE_TYPE_CHOICES, profile["rate_type"])
        ceiling = profile.get("max_monthly_payment")
        summary = [
            ("Home", f"{format_money(Decimal(profile['property_value']), whole=True)} in {profile['state']} "
                     f"{profile['zip_code']} ({_OCCUPANCY_WORDS[profile['occupancy']]})"),
            ("Loan", f"{format_money(Decimal(profile['loan_amount']), whole=True)} after a "
                     f"{format_money(Decimal(profile['down_payment']), whole=True)} down payment"),
            ("Kind of loan", f"{loan_type}, {profile['term_years']} years, {rate_type[0].lower()}{rate_type[1:]}"),
            ("Credit score", _band_label(profile["credit_score_band"])),
            ("Points you would pay", "none" if Decimal(profile["max_points"]) == 0
                                     else f"up to {_points(Decimal(profile['max_points']))}"),
            ("Years you expect to keep it", str(profile["years_expected"])),
        ]
        if ceiling is not None:
            summary.append(("Most you would pay a month", _money(Decimal(ceiling))))
        return summary

    def criteria(self, profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
        return criteria_for(profile)

    def constraints(self, profile: Mapping[str, Any]) -> tuple[Constraint, ...]:
        """The buyer's payment ceiling; the engine excludes offers above it with this reason."""
        ceiling = profile.get("max_monthly_payment")
        if ceiling is None:
            return ()
        limit = Decimal(ceiling)
        return (Constraint("monthly_payment", limit, f"Its monthly payment of {{value}} is more than the {_money(limit)} you set."),)

    def parse_terms(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        check_against_schema(_terms_validator, terms)
        # Figures out of a real offer's range are set aside by `plausible` (plausible.py), not here.
        note_rate = Decimal(terms["note_rate"])
        if note_rate <= 0:
            raise InvalidTerms("note_rate", f"a rate of {note_rate}% is not an interest rate")
        points = Decimal(terms["points"])
        lender_fees = Decimal(terms["lender_fees"])
        other = Decimal(terms.get("other_prepaid_finance_charges") or "0")
        adjustment = terms.get("adjustment")
        if terms["rate_type"] == "fixed" and adjustment is not None:
            raise InvalidTerms("adjustment", "a fixed rate has no adjustment terms")
        if terms["rate_type"] != "fixed" and adjustment is None:
            raise InvalidTerms("adjustment", "an adjustable rate needs its index, margin and caps")
        typed_adjustment = None
        if adjustment is not None:
            typed_adjustment = {key: (value if key == "index" else Decimal(value)) for key, value in adjustment.items()}
        optional = {key: None if terms.get(key) is None else Decimal(terms[key])
                    for key in ("loan_amount", "monthly_payment", "apr")}
        return {
            **terms,
            "note_rate": note_rate,
            "points": points,
            "lender_fees": lender_fees,
            "other_prepaid_finance_charges": other,
            "adjustment": typed_adjustment,
            **optional,
        }

    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        facts = {
            "rate": _describe_rate(terms),
            "term": _years(terms["term_years"]),
            "upfront": _money(Decimal(0)),
            "rate_lock": plural(terms["rate_lock_days"], "day"),
            "service": f"{terms['service_score']}/1,000",
        }
        mismatch = _mismatch(terms, profile)
        try:
            analysis = analyse(terms, profile)
        except ChargesExceedLoan:
            return Assessment.excluded("Its charges at closing are as much as the loan itself.", facts)
        facts.update(_facts(terms, profile, analysis))
        if mismatch is not None:
            return Assessment.excluded(mismatch, facts)
        values = {
            "horizon_cost": analysis.horizon_cost,
            "monthly_payment": analysis.payment_in_horizon,
            "apr": analysis.apr,
            "rate_lock_days": Decimal(terms["rate_lock_days"]),
            "service_score": Decimal(terms["service_score"]),
        }
        return Assessment.eligible(values, facts)

    def cost_over_time(self, result: Mapping[str, Any]) -> CostOverTime:
        """The break-even sentences and the cumulative-cost chart for a logged result, worked out
        from its logged terms and profile (its results_extra.html shows them)."""
        if result.get("profile") is None:  # erased: the figures it would need are gone
            return CostOverTime([], None)
        analysed = self.analyser(result)
        return CostOverTime(explain.break_even_notes(result, analysed), chart.cost_chart(result, analysed))

    def analyser(self, result: Mapping[str, Any]) -> explain.Analyser:
        """Analyses ranked offers of a logged result from their logged terms, each once."""
        terms_by_quote = {(provider["provider"], quote["id"]): quote["terms"]
                          for provider in result["providers"] for quote in provider["quotes"]}
        done: dict[tuple[str, str], LoanAnalysis] = {}

        def analysed(offer: Mapping[str, Any]) -> LoanAnalysis:
            key = (offer["provider"], offer["quote_id"])
            if key not in done:
                done[key] = analyse(self.parse_terms(terms_by_quote[key]), result["profile"])
            return done[key]

        return analysed


def _choice_label(choices: Any, value: str) -> str:
    return next(choice.label for choice in choices if choice.value == value)


def _describe_rate(terms: Mapping[str, Any]) -> str:
    if terms["rate_type"] == "fixed":
        return f"{_percent(terms['note_rate'])} fixed"
    return f"{_percent(terms['note_rate'])} for {FIXED_YEARS[terms['rate_type']]} years, then adjusts"


def _mismatch(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> str | None:
    """Why the offer is not the loan the buyer asked for, or None when it is."""
    if terms["loan_type"] != profile["loan_type"]:
        return (f"It is {_LOAN_TYPE_WORDS[terms['loan_type']]} loan; you asked for "
                f"{_LOAN_TYPE_WORDS[profile['loan_type']]} loan.")
    if terms["term_years"] != profile["term_years"]:
        return f"It is a {terms['term_years']}-year loan; you asked for {profile['term_years']} years."
    if terms["rate_type"] != profile["rate_type"]:
        return f"It has {_RATE_TYPE_WORDS[terms['rate_type']]}; you asked for {_RATE_TYPE_WORDS[profile['rate_type']]}."
    asked = Decimal(profile["loan_amount"])
    if terms["loan_amount"] is not None and terms["loan_amount"] != asked:
        return f"It is for a loan of {_money(terms['loan_amount'])}; you asked for {_money(asked)}."
    willing = Decimal(profile["max_points"])
    if terms["points"] > willing:
        limit = "no points" if willing == 0 else f"at most {_points(willing)}"
        return f"It charges {_points(terms['points'])}; you are willing to pay {limit}."
    return None


def _facts(terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: LoanAnalysis) -> dict[str, str]:
    years = analysis.horizon_months // MONTHS_PER_YEAR
    facts = {
        "loan_amount": _money(analysis.loan_amount),
        "monthly_payment": _money(analysis.schedule.first_payment),
        "payment_note": _payment_note(terms, analysis),
        "horizon_cost": _money(analysis.horizon_cost),
        "horizon_note": f"over your {_years(years)}; you would still owe {_money(analysis.balance_left)}",
        "balance_left": _money(analysis.balance_left),
        "apr": _percent(analysis.apr),
        "apr_note": _apr_note(terms, analysis),
        "upfront": _money(analysis.upfront),
        "upfront_note": _upfront_note(terms, analysis),
        "points": "no points" if terms["points"] == 0 else _points(terms["points"]),
        "amount_financed": _money(analysis.amount_financed),
    }
    quoted_apr = terms["apr"]
    if quoted_apr is not None and abs(quoted_apr - analysis.apr) > analysis.apr_tolerance():
        facts["apr_disagrees"] = (
            f"Their quoted APR ({_percent(quoted_apr)}) disagrees with ours ({_percent(analysis.apr)}) by more "
            f"than the {analysis.apr_tolerance()} percentage point the law allows."
        )
    quoted_payment = terms["monthly_payment"]
    if quoted_payment is not None and abs(quoted_payment - analysis.schedule.first_payment) > PAYMENT_TOLERANCE:
        facts["payment_disagrees"] = (
            f"Their quoted monthly payment ({_money(quoted_payment)}) disagrees with ours "
            f"({_money(analysis.schedule.first_payment)})."
        )
    return facts


def _payment_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    quoted = terms["monthly_payment"]
    theirs = ""
    if quoted is not None and abs(quoted - analysis.schedule.first_payment) > PAYMENT_TOLERANCE:
        theirs = f"; they quote {_money(quoted)}"
    if analysis.worst_case is None:
        return "principal and interest" + theirs
    fixed_years = FIXED_YEARS[terms["rate_type"]]
    changes = analysis.schedule.rate_changes()
    expected = changes[-1].payment if changes else analysis.schedule.first_payment
    highest = max(month.payment for month in analysis.worst_case.months)
    return (f"for {fixed_years} years, then {_money(expected)} if rates stay as they are, "
            f"at most {_money(highest)}" + theirs)


def _apr_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    ours = _percent(analysis.apr)
    quoted = terms["apr"]
    if quoted is None:
        return f"{ours} (the lender did not quote one)"
    if abs(quoted - analysis.apr) > analysis.apr_tolerance():
        return f"{ours}; they quote {_percent(quoted)}: their quoted APR disagrees with ours"
    return f"{ours} (they quote {_percent(quoted)})"


def _upfront_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    parts = []
    if terms["points"] > 0:
        parts.append(f"{_points(terms['points'])} ({_money(analysis.points_amount)})")
    parts.append(f"{_money(terms['lender_fees'])} lender fees")
    if terms["other_prepaid_finance_charges"] > 0:
        parts.append(f"{_money(terms['other_prepaid_finance_charges'])} other charges")
    return " + ".join(parts)
