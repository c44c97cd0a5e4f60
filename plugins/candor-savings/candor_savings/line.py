"""Savings accounts, money market accounts and CDs: a product line whose shopper earns rather than
pays. Offers are ranked on what they earn over the months the saver can leave the money — worked out
day by day from the bank's terms, net of fees and of a CD's penalty when the money is needed before
it matures — and on the APY Candor computes itself under Regulation DD, access, insurance and service.
Installed as a plug-in (the `candor.products` entry point); it changes no file of Candor's core."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.products.base import Assessment, InvalidTerms, ProductLine, SampleCustomers
from app.products.wording import Wording
from app.ranking.criteria import Criterion
from candor_savings import chart, samples
from candor_savings.analysis import analyse, horizon_months
from candor_savings.criteria import ACCESS_LEVELS, COLUMNS, PRESETS, criteria_for, scale_basis_note
from candor_savings.facts import basic_facts, exclusion, offer_facts
from candor_savings.figures import account_name, money, months
from candor_savings.forms import SavingsProfileForm
from candor_savings.plausible import PLAUSIBLE
from candor_savings.profile_json import profile_from_json
from candor_savings.profile_schema import PROFILE_SCHEMA
from candor_savings.terms import TERMS_SCHEMA, InvalidSavingsTerms, parse_terms


class SavingsLine(ProductLine):
    key = "savings"
    name = "Savings"
    version = "1"
    currency = "USD"
    period_label = "over the months you leave the money"
    summary = ("Savings accounts, money market accounts and CDs from us and other banks, ranked by what each "
               "would earn you over the months you can leave the money.")
    profile_schema = PROFILE_SCHEMA
    terms_schema = TERMS_SCHEMA
    presets = PRESETS
    columns = COLUMNS
    default_preset = "balanced"
    disclosure_version = "savings-disclosure-1"
    methodology_version = "savings-methodology-1"
    wording = Wording(provider="bank", providers="banks", offer="account offer", offers="account offers",
                      try_again_with="a longer time you can leave the money, or without insisting on insurance",
                      gap_to_first="how much more ours would have to earn to rank first")
    plausible = PLAUSIBLE
    form_lead = ("Tell us how much you want to save and for how long. It takes about a minute. We do not ask for your "
                 "name or contact details.")
    results_extra_template = "savings/results_extra.html"
    methodology_template = "savings/methodology.html"

    def profile_form(self, **kwargs: Any) -> SavingsProfileForm:
        return SavingsProfileForm(**kwargs)

    def profile_from_form(self, form: SavingsProfileForm) -> dict[str, Any]:  # type: ignore[override]
        return form.to_profile()

    def profile_from_json(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return profile_from_json(document)

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        horizon = ("the months you told us you can leave the money" if profile is None
                   else f"your {months(horizon_months(profile))}")
        return (f"Earnings are over {horizon}: interest less fees and any early-withdrawal penalty, all worked out "
                "by us from the banks’ terms.")

    def scale_basis_note(self) -> str:
        return scale_basis_note()

    def summarise_profile(self, profile: Mapping[str, Any]) -> list[tuple[str, str]]:
        horizon = profile["horizon_months"]
        return [
            ("Deposit", money(Decimal(profile["deposit"]))),
            ("How long you can leave it", "you need access at any time (compared over 12 months)" if horizon is None
             else months(horizon)),
            ("Where you live", f"{profile['state']} {profile['zip_code']}"),
            ("Insured accounts only", "yes" if profile["insured_only"] else "no"),
            ("You will keep the minimum balance", "yes" if profile["keeps_minimum_balance"] else "no"),
            ("You will set up a direct deposit", "yes" if profile["direct_deposit"] else "no"),
        ]

    def criteria(self, profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
        return criteria_for(profile)

    def parse_terms(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return {"offer": parse_terms(terms)}
        except InvalidSavingsTerms as invalid:
            raise InvalidTerms(invalid.field_name, invalid.problem) from invalid

    def offer_name(self, terms: Mapping[str, Any]) -> str | None:
        account_type, term = terms.get("account_type"), terms.get("term_months")
        if account_type not in ("savings", "money_market", "cd") or (account_type == "cd" and not isinstance(term, int)):
            return None
        return account_name(account_type, term)

    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        offer = terms["offer"]
        early = exclusion(offer, profile, None)
        if early is not None:
            return Assessment.excluded(early, basic_facts(offer))
        analysis = analyse(offer, profile)
        facts = offer_facts(offer, profile, analysis)
        reason = exclusion(offer, profile, analysis)
        if reason is not None:
            return Assessment.excluded(reason, facts)
        values = {
            "earned": analysis.earned,
            "apy": analysis.apy.rounded,
            "access": ACCESS_LEVELS[offer.access],
            "insured": Decimal(1 if offer.insured else 0),
            "service_score": Decimal(offer.service_score),
        }
        return Assessment.eligible(values, facts)

    def sample_customers(self) -> SampleCustomers:
        return samples.SAMPLE_CUSTOMERS

    def balance_over_time(self, result: Mapping[str, Any]) -> chart.BalanceChart | None:
        """The chart of each ranked offer's balance, month by month, as the difference from the best
        fit's, worked out from the logged terms and profile (results_extra.html shows it)."""
        if result.get("profile") is None or not result.get("ranking"):
            return None
        terms_by_quote = {(provider["provider"], quote["id"]): quote["terms"]
                          for provider in result["providers"] for quote in provider["quotes"]}
        analyses = [analyse(parse_terms(terms_by_quote[(offer["provider"], offer["quote_id"])]), result["profile"])
                    for offer in result["ranking"]]
        return chart.balance_chart(result, analyses)
