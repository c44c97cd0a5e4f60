"""The facts shown for a savings offer (what it earns, its APY, the account, access, insurance, each
with its note) and why an offer cannot be ranked for this saver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from candor_savings.analysis import SavingsAnalysis, horizon_months
from candor_savings.figures import account_name, money, months, percent
from candor_savings.terms import SavingsTerms

INSURERS = {"FDIC": "FDIC-insured", "NCUA": "NCUA-insured"}


def exclusion(terms: SavingsTerms, profile: Mapping[str, Any], analysis: SavingsAnalysis | None) -> str | None:
    """Why the offer cannot be ranked for this saver, in the saver's words; None when it can."""
    if profile["insured_only"] and not terms.insured:
        return "It is not insured by the FDIC or the NCUA, and you asked for insured accounts only."
    deposit = analysis.projection.deposit if analysis is not None else None
    if deposit is not None and deposit < terms.minimum_opening_deposit:
        return f"It needs at least {money(terms.minimum_opening_deposit)} to open; you would deposit {money(deposit)}."
    if terms.access != "any_time" and profile["horizon_months"] is None:
        return (f"It is a {account_name('cd', terms.term_months)}: the money is tied up for its term, and you said you "
                "need to be able to take it out at any time.")
    if analysis is not None and not analysis.projection.available_at_horizon:
        return (f"It allows no withdrawal before it matures in {months(terms.term_months or 0)}; you need the money "
                f"after {months(horizon_months(profile))}.")
    return None


def _earned_note(analysis: SavingsAnalysis, horizon: int) -> str:
    projection = analysis.projection
    parts = [f"over your {months(horizon)}: {money(projection.interest)} interest"]
    if projection.fees:
        parts.append(f"less {money(projection.fees)} in fees")
    if projection.penalty:
        parts.append(f"less a {money(projection.penalty)} early-withdrawal penalty")
    if projection.matures_in_horizon and horizon > (analysis.terms.term_months or 0):
        parts.append(f"nothing counted after it matures in {months(analysis.terms.term_months or 0)}")
    return ", ".join(parts)


def _rate_note(terms: SavingsTerms) -> str:
    rate = f"{percent(terms.interest_rate)} a year"
    if terms.tiers:
        rate += f", more from {money(terms.tiers[0].balance_from)}"
    if terms.promotional_rate is not None and terms.promotional_months is not None:
        return f"{percent(terms.promotional_rate)} for {months(terms.promotional_months)}, then {rate}"
    return rate


def _access(terms: SavingsTerms) -> tuple[str, str]:
    if terms.access == "any_time":
        return "Any time", "no penalty"
    if terms.access == "locked":
        return "Locked", f"until it matures in {months(terms.term_months or 0)}"
    return "With a penalty", f"{terms.early_withdrawal_penalty_days} days’ interest if taken out early"


def _apy_note(analysis: SavingsAnalysis) -> str:
    flagged = [check for check in analysis.apy_checks if check.flagged]
    if flagged:
        return f"the bank states {percent(flagged[0].stated)}: not what its terms give"
    return f"the bank states {percent(analysis.terms.stated_apy)}"


def offer_facts(terms: SavingsTerms, profile: Mapping[str, Any], analysis: SavingsAnalysis) -> dict[str, str]:
    access, access_note = _access(terms)
    facts = {
        "earned": money(analysis.earned),
        "earned_note": _earned_note(analysis, horizon_months(profile)),
        "apy": percent(analysis.apy.rounded),
        "apy_note": _apy_note(analysis),
        "account": account_name(terms.account_type, terms.term_months),
        "rate_note": _rate_note(terms),
        "access": access,
        "access_note": access_note,
        "insurance": INSURERS.get(terms.insurer, "Not insured"),
        "service": f"{terms.service_score}/1,000",
        "final_balance": money(analysis.projection.final_value),
    }
    flagged = [check.describe() for check in analysis.apy_checks if check.flagged]
    if flagged:
        facts["apy_flag"] = " ".join(flagged)
    return facts


def basic_facts(terms: SavingsTerms) -> dict[str, str]:
    """What is shown for an offer that is not ranked, before any figure is worked out."""
    access, access_note = _access(terms)
    return {"account": account_name(terms.account_type, terms.term_months), "rate_note": _rate_note(terms),
            "access": access, "access_note": access_note, "insurance": INSURERS.get(terms.insurer, "Not insured"),
            "service": f"{terms.service_score}/1,000"}
