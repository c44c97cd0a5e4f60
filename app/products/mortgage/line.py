"""Mortgages: like-with-like offers (loan type, term, fixed or adjustable), the APR computed by
Candor itself under Regulation Z, and above all what each offer costs over the years the buyer
expects to keep it — where points and fees make the lowest rate the wrong choice for someone who
will move in four years."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


from app.formatting import plural
from app.money import format_money
from app.products.base import Assessment, InvalidTerms, ProductLine, check_against_schema
from app.products.mortgage import apor_store, chart, explain, rates_offered
from app.products.mortgage.analysis import ChargesExceedLoan, LoanAnalysis, analyse
from app.products.mortgage.closing_costs import credits_beyond_closing_costs, typed_closing_costs
from app.products.mortgage.criteria import COLUMNS, PRESETS, criteria_for, scale_basis_note
from app.products.mortgage.facts import describe_rate, mismatch_reason, offer_facts, unlike_payments
from app.products.mortgage.findings import mortgage_findings
from app.products.mortgage.findings_words import findings_view
from app.products.mortgage.full_cost import FullCost, closing_costs_finding, full_cost
from app.products.mortgage.monthly_cost import ASSUMPTIONS_VERSION, logged_assumptions
from app.products.mortgage.figures import money as _money, points as _points, years as _years
from app.products.mortgage.forms import (
    LOAN_TYPE_CHOICES,
    RATE_TYPE_CHOICES,
    MortgageProfileForm,
    _band_label,
)
from app.products.mortgage.profile_json import profile_from_json
from app.products.mortgage.requirements import REQUIREMENTS
from app.products.mortgage.plausible import PLAUSIBLE
from app.products.mortgage.safe_harbor import features_text
from app.products.mortgage.schemas import PROFILE_SCHEMA, TERMS_SCHEMA
from app.products.wording import Wording
from app.ranking.criteria import Criterion
from app.ranking.engine import Constraint
from providers.json_schema import SchemaValidator

_terms_validator = SchemaValidator(TERMS_SCHEMA)


@dataclass(frozen=True)
class CostOverTime:
    notes: list[str]
    chart: chart.CostChart | None


_OCCUPANCY_WORDS = {"primary": "you will live in it", "second_home": "a second home",
                    "investment": "a property to rent out"}


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
    findings_template = "mortgage/findings.html"
    offer_name = staticmethod(explain.offer_name)
    findings_view = staticmethod(findings_view)

    def profile_form(self, **kwargs: Any) -> MortgageProfileForm:
        return MortgageProfileForm(**kwargs)

    def profile_from_form(self, form: MortgageProfileForm) -> dict[str, Any]:  # type: ignore[override]
        return form.to_profile()

    def profile_from_json(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return profile_from_json(document)

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        years = ("the years you told us you would keep the loan" if profile is None
                 else f"your {_years(min(int(profile['years_expected']), int(profile['term_years'])))}")
        return f"Payments are per month; costs are the points, fees and interest over {years}."

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
            "features": tuple(terms.get("features") or ()),
            "closing_costs": typed_closing_costs(terms.get("closing_costs")),
            "lender_credits": Decimal(terms.get("lender_credits") or "0"),
            "upfront_fee_financed": terms.get("upfront_fee_financed"),
            **optional,
        }

    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        facts = {
            "rate": describe_rate(terms),
            "term": _years(terms["term_years"]),
            "upfront": _money(Decimal(0)),
            "rate_lock": plural(terms["rate_lock_days"], "day"),
            "service": f"{terms['service_score']}/1,000",
            "features": features_text(terms["features"]),
        }
        mismatch = mismatch_reason(terms, profile) or unlike_payments(terms)
        try:
            analysis = analyse(terms, profile)
        except ChargesExceedLoan:
            return Assessment.excluded("Its charges at closing are as much as the loan itself.", facts)
        facts.update(offer_facts(terms, profile, analysis))
        if mismatch is not None:
            return Assessment.excluded(mismatch, facts)
        beyond = credits_beyond_closing_costs(terms, profile, analysis)
        if beyond is not None:
            return Assessment.excluded(beyond, facts)
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

    def reference_data(self, now: datetime) -> dict[str, Any]:
        """The week's average prime offer rates (or why there are none) for the higher-priced test, and
        the assumptions the closing costs and full monthly cost start from (monthly_cost.Assumptions)."""
        return {"apor": apor_store.current_reference(now), "assumptions": ASSUMPTIONS_VERSION}

    def findings(self, result: Mapping[str, Any], reference: Mapping[str, Any]) -> dict[str, Any] | None:
        """The safe harbor's loan options and the higher-priced flags (findings.py), and the top
        offers' closing costs as the results page shows them (full_cost.py) — these only for entries
        that logged their assumptions, so that entries from before replay as they were logged."""
        if result.get("profile") is None or "apor" not in reference:
            return None
        terms_of = self.typed_terms(result)
        found = mortgage_findings(result, reference, terms_of)
        if "assumptions" in reference:
            found["closing_costs"] = closing_costs_finding(result, logged_assumptions(reference["assumptions"]),
                                                           self.analyser(result, terms_of), terms_of)
        return found

    def market_cell(self, profile: Mapping[str, Any]) -> str:
        """Loan type, term, rate type, credit-score band, loan-amount band and state (rates_offered.py)."""
        return rates_offered.market_cell(profile)

    def offered_rates(self, result: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
        """Each ranked offer's note rate, from its logged terms."""
        terms_of = self.typed_terms(result)
        return [(position, terms_of(offer)["note_rate"]) for position, offer in enumerate(result["ranking"])]

    def rates_view(self, result: Mapping[str, Any]) -> rates_offered.RatesView | None:
        """Where the offers' rates sit among those offered for loans like these (the results page's
        _rates_offered.html), from the logged distribution; None when the entry logged none."""
        if result.get("profile") is None or "rate_distribution" not in result["explanation"]:
            return None
        return rates_offered.rates_view(result, explain.offer_labels(result["ranking"]), self.offered_rates(result))

    def full_cost(self, result: Mapping[str, Any], values: Mapping[str, str]) -> FullCost | None:
        """The top offers' full monthly cost (PITI), closing costs and cash to close under the buyer's
        assumptions (the results page's query parameters): full_cost.py; never ranked on."""
        if result.get("profile") is None:
            return None
        terms_of = self.typed_terms(result)
        return full_cost(result, values, self.analyser(result, terms_of), terms_of)

    def typed_terms(self, result: Mapping[str, Any]) -> explain.TermsReader:
        """Reads the typed terms of offers of a logged result from their logged terms, each once."""
        terms_by_quote = {(provider["provider"], quote["id"]): quote["terms"]
                          for provider in result["providers"] for quote in provider["quotes"]}
        done: dict[tuple[str, str], dict[str, Any]] = {}

        def terms_of(offer: Mapping[str, Any]) -> dict[str, Any]:
            key = (offer["provider"], offer["quote_id"])
            if key not in done:
                done[key] = self.parse_terms(terms_by_quote[key])
            return done[key]

        return terms_of

    def analyser(self, result: Mapping[str, Any], terms_of: explain.TermsReader | None = None) -> explain.Analyser:
        """Analyses ranked offers of a logged result from their logged terms, each once."""
        terms_of = terms_of or self.typed_terms(result)
        done: dict[tuple[str, str], LoanAnalysis] = {}

        def analysed(offer: Mapping[str, Any]) -> LoanAnalysis:
            key = (offer["provider"], offer["quote_id"])
            if key not in done:
                done[key] = analyse(terms_of(offer), result["profile"])
            return done[key]

        return analysed


def _choice_label(choices: Any, value: str) -> str:
    return next(choice.label for choice in choices if choice.value == value)
