"""What each sandbox bank offers, as offer terms (terms.py). Honest banks state the APY Regulation DD
gives for their terms (apy.py); Bluebird states its teaser's APY as if the teaser lasted all year,
which Candor's check flags.

    bank                      publishes          what it teaches
    Harbor Savings Bank       quote protocol     ours: tiered savings (Method A), a 12-month CD
    Bluebird Bank             quote protocol     a 5.75% teaser for 3 months, then 2.50%: the highest
                                                 rate on the page is not the most interest in a year
    Keystone Federal CU       quote protocol     NCUA-insured certificates: a steep penalty (a year's
                                                 interest), a 5-year one, and one locked to maturity
    Maple Street Bank         HTML rate table    money market tiers by portion (Method B), two CDs
    Granite Direct            CSV rate sheet     online savings, an 18-month CD, and a 3-year CD that
                                                 pays its interest out each year (Part I.E)
    Summit Cash               quote protocol     the highest rate — and no deposit insurance
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from candor_savings.apy import account_apy
from candor_savings.terms import parse_terms


def account(name: str, account_type: str, rate: str, **terms: Any) -> dict[str, Any]:
    """Complete offer terms: the usual defaults, the given terms, and (unless given) the stated APY
    computed as Regulation DD says, for the account and each tier."""
    document: dict[str, Any] = {
        "product_name": name, "account_type": account_type, "term_months": None, "interest_rate": rate,
        "tiers": [], "tiering_method": None, "compounding": "daily", "crediting": "monthly",
        "interest_paid_out": False, "stated_apy": "0.00", "minimum_opening_deposit": "0.00",
        "minimum_balance_for_apy": "0.00", "monthly_fee": "0.00", "fee_waivers": {},
        "early_withdrawal": None, "early_withdrawal_penalty_days": None, "promotional_rate": None,
        "promotional_months": None, "insurer": "FDIC", "certificate_number": None, "service_score": 800,
    }
    stated = terms.pop("stated_apy", None)
    document.update(terms)
    parsed = parse_terms(document)
    floor = max(parsed.minimum_opening_deposit, Decimal(1))
    document["stated_apy"] = stated or format(account_apy(parsed, floor).rounded, "f")
    for tier in document["tiers"]:
        tier.setdefault("stated_apy", format(account_apy(parsed, Decimal(tier["balance_from"])).rounded, "f"))
    return document


def cd(name: str, rate: str, months: int, penalty_days: int | None, **terms: Any) -> dict[str, Any]:
    return account(name, "cd", rate, term_months=months, early_withdrawal_penalty_days=penalty_days,
                   early_withdrawal="penalty" if penalty_days is not None else "not_allowed", **terms)


def harbor(insured: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        account("Harbor Everyday Savings", "savings", "4.00", tiers=[{"balance_from": "25000.00", "interest_rate": "4.25"}],
                tiering_method="whole_balance", minimum_opening_deposit="100.00", monthly_fee="5.00",
                fee_waivers={"minimum_balance": "500.00", "direct_deposit": True}, **insured),
        cd("Harbor 12-month CD", "4.40", 12, 90, minimum_opening_deposit="500.00", **insured),
    ]


def bluebird(insured: dict[str, Any]) -> list[dict[str, Any]]:
    # The teaser's own APY, stated for the whole account: 5.75% compounded daily is 5.92%.
    return [account("Bluebird Bonus Savings", "savings", "2.50", promotional_rate="5.75", promotional_months=3,
                    stated_apy="5.92", **insured)]


def keystone(insured: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        cd("Keystone 12-month Share Certificate", "4.65", 12, 365, minimum_opening_deposit="1000.00", **insured),
        cd("Keystone 60-month Share Certificate", "4.85", 60, 730, minimum_opening_deposit="1000.00", **insured),
        cd("Keystone 9-month Locked Certificate", "4.70", 9, None, minimum_opening_deposit="1000.00", **insured),
    ]


def maple(insured: dict[str, Any]) -> list[dict[str, Any]]:
    # The bank's fee waiver is bank-wide, as its page's small print says (its CDs have no fee to waive).
    waivers = {"fee_waivers": {"minimum_balance": "2500.00", "direct_deposit": False}}
    return [
        account("Maple Money Market", "money_market", "3.50", tiering_method="portion",
                tiers=[{"balance_from": "10000.00", "interest_rate": "4.00"},
                       {"balance_from": "50000.00", "interest_rate": "4.40"}],
                minimum_opening_deposit="1000.00", monthly_fee="10.00", **waivers, **insured),
        cd("Maple 6-month CD", "4.30", 6, 90, minimum_opening_deposit="500.00", **waivers, **insured),
        cd("Maple 24-month CD", "4.10", 24, 180, minimum_opening_deposit="500.00", **waivers, **insured),
    ]


def granite(insured: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        account("Granite Online Savings", "savings", "4.35", **insured),
        cd("Granite 18-month CD", "4.50", 18, 180, **insured),
        cd("Granite 3-year Income CD", "4.60", 36, 365, compounding="none", crediting="annually",
           interest_paid_out=True, **insured),
    ]


def summit(uninsured: dict[str, Any]) -> list[dict[str, Any]]:
    return [account("Summit Cash Reserve", "savings", "5.05", **uninsured)]
