"""Refinancing a home loan: every lender's offer measured against the loan the homeowner already has.
Offers are ranked on what refinancing with each saves over the years the homeowner expects to stay —
the current loan's payments and balance against the new loan's points, fees, closing costs, payments
and balance (saving.py) — with the break-even month beside it; and when no offer saves money, the
answer given first, and logged as the recommendation, is to keep the current loan (keep.py).

A line of its own rather than a journey inside the mortgage line: its profile (the loan one has),
its criteria (a saving against that loan, not a cost) and its answer "keep what you have" differ from
a purchase's, while its loan arithmetic is the mortgage line's, reused (amortization, APR, analysis,
facts, the rules on loan types). Registered through the `candor.products` entry point like the others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.money import format_money
from app.products.base import Assessment, ProductLine, SampleCustomers, check_against_schema
from app.products.mortgage import explain
from app.products.mortgage.analysis import ChargesExceedLoan
from app.products.mortgage.facts import describe_rate, mismatch_reason, unlike_payments
from app.products.mortgage.figures import money, percent, years
from app.products.mortgage.forms import LOAN_TYPE_CHOICES, RATE_TYPE_CHOICES, _band_label
from app.products.mortgage.line import MortgageLine
from app.products.mortgage.plausible import HIGHEST_CHARGE, PLAUSIBLE as MORTGAGE_PLAUSIBLE
from app.products.plausibility import PlausibleRange, figure
from app.products.refinance import chart, samples
from app.products.refinance.criteria import COLUMNS, PRESETS, criteria_for, scale_basis_note
from app.products.refinance.facts import refinance_facts
from app.products.refinance.forms import RefinanceProfileForm
from app.products.refinance.keep import keep_current_loan
from app.products.refinance.profile_json import profile_from_json
from app.products.refinance.saving import Refinance, current_loan, refinance
from app.products.refinance.schemas import PROFILE_SCHEMA, TERMS_SCHEMA
from app.products.wording import Wording
from app.ranking.criteria import Criterion
from providers.json_schema import SchemaValidator

_terms_validator = SchemaValidator(TERMS_SCHEMA)
_mortgage = MortgageLine()


def _choice_label(choices: Any, value: str) -> str:
    return next(choice.label for choice in choices if choice.value == value)


class RefinanceLine(ProductLine):
    key = "refinance"
    name = "Refinance"
    version = "1"
    currency = "USD"
    period_label = "over the years you stay"
    summary = ("Refinance offers from us and other lenders, ranked by what each would save you against keeping your "
               "current loan over the years you expect to stay — and we say so when keeping it is best.")
    profile_schema = PROFILE_SCHEMA
    terms_schema = TERMS_SCHEMA
    presets = PRESETS
    columns = COLUMNS
    default_preset = "balanced"
    disclosure_version = "refinance-disclosure-1"
    methodology_version = "refinance-methodology-1"
    wording = Wording(provider="lender", providers="lenders", offer="refinance offer", offers="refinance offers",
                      try_again_with="more points, another loan type or term, or less cash out",
                      gap_to_first="how much more ours would have to save you to rank first")
    plausible = (*MORTGAGE_PLAUSIBLE, PlausibleRange("closing costs", Decimal(0), HIGHEST_CHARGE,
                                                     figure("third_party_costs"), money))
    form_lead = ("Tell us about your home, the loan you have now and how long you will stay. It takes about a minute. "
                 "We do not ask for your name or contact details, and we never check your credit.")
    results_extra_template = "refinance/results_extra.html"
    methodology_template = "refinance/methodology.html"
    offer_name = staticmethod(explain.offer_name)

    def profile_form(self, **kwargs: Any) -> RefinanceProfileForm:
        return RefinanceProfileForm(**kwargs)

    def profile_from_form(self, form: RefinanceProfileForm) -> dict[str, Any]:  # type: ignore[override]
        return form.to_profile()

    def profile_from_json(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return profile_from_json(document)

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        stay = ("the years you told us you would stay" if profile is None
                else f"your {years(int(profile['years_expected']))}")
        return (f"Net saving is against keeping your current loan over {stay}: its payments and what you would still "
                "owe, less the new loan’s points, fees, closing costs, payments and what you would still owe on it.")

    def scale_basis_note(self) -> str:
        return scale_basis_note()

    def summarise_profile(self, profile: Mapping[str, Any]) -> list[tuple[str, str]]:
        current = current_loan(profile)
        loan_type = _choice_label(LOAN_TYPE_CHOICES, profile["loan_type"])
        rate_type = _choice_label(RATE_TYPE_CHOICES, profile["rate_type"])
        given = "" if profile["current_payment"] is not None else " (worked out by us)"
        cash_out = Decimal(profile["cash_out"])
        return [
            ("Home", f"{format_money(Decimal(profile['property_value']), whole=True)} in {profile['state']} "
                     f"{profile['zip_code']}"),
            ("Your loan now", f"{money(current.balance)} at {percent(current.rate)}, "
                              f"{plural(current.remaining_months, 'payment')} of {money(current.payment)} left{given}"),
            ("New loan", f"{money(Decimal(profile['loan_amount']))}, {loan_type}, {profile['term_years']} years, "
                         f"{rate_type[0].lower()}{rate_type[1:]}"),
            ("Cash out", "none" if cash_out == 0 else money(cash_out)),
            ("Credit score", _band_label(profile["credit_score_band"])),
            ("Years you expect to stay", str(profile["years_expected"])),
        ]

    def criteria(self, profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
        return criteria_for(profile)

    def parse_terms(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        check_against_schema(_terms_validator, terms)
        mortgage_terms = {key: value for key, value in terms.items() if key != "third_party_costs"}
        return {**_mortgage.parse_terms(mortgage_terms), "third_party_costs": Decimal(terms["third_party_costs"])}

    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        facts = {"rate": describe_rate(terms), "term": years(terms["term_years"]),
                 "rate_lock": plural(terms["rate_lock_days"], "day"), "service": f"{terms['service_score']}/1,000"}
        mismatch = mismatch_reason(terms, profile) or unlike_payments(terms)
        try:
            analysis = refinance(terms, profile)
        except ChargesExceedLoan:
            return Assessment.excluded("Its charges at closing are as much as the loan itself.", facts)
        facts.update(refinance_facts(terms, profile, analysis))
        if mismatch is not None:
            return Assessment.excluded(mismatch, facts)
        return Assessment.eligible({
            "net_saving": analysis.net_saving,
            "monthly_payment": analysis.new.payment_in_horizon,
            "apr": analysis.new.apr,
            "rate_lock_days": Decimal(terms["rate_lock_days"]),
            "service_score": Decimal(terms["service_score"]),
        }, facts)

    def status_quo(self, ranking: Sequence[Mapping[str, Any]],
                   profile: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        return keep_current_loan(ranking, profile, self.currency)

    def sample_customers(self) -> SampleCustomers:
        return samples.SAMPLE_CUSTOMERS

    def analyses(self, result: Mapping[str, Any]) -> list[Refinance]:
        """Each ranked offer of a logged result against the current loan, from its logged terms."""
        terms_by_quote = {(provider["provider"], quote["id"]): quote["terms"]
                          for provider in result["providers"] for quote in provider["quotes"]}
        return [refinance(self.parse_terms(terms_by_quote[(offer["provider"], offer["quote_id"])]), result["profile"])
                for offer in result["ranking"]]

    def saving_over_time(self, result: Mapping[str, Any]) -> chart.SavingChart | None:
        """The chart of the top offers' net saving month by month against keeping the loan (the zero
        line), with each break-even month, from the logged terms and profile (results_extra.html)."""
        if result.get("profile") is None or not result.get("ranking"):
            return None
        return chart.saving_chart(result, self.analyses(result))
