"""The government programmes' upfront charge on a loan: the FHA upfront mortgage insurance premium
and the VA funding fee (figures as the programmes publish them; docs/mortgage-methodology.md), and
whether an offer adds it to the loan.

Both are a share of the base loan (the profile's loan amount). Most buyers add them to the loan: the
loan grows by the charge, and the payment, APR and interest are worked out on the larger loan. A
lender says so in its terms (`upfront_fee_financed`: true); an offer that does not say is taken as
paid in cash at closing, as protocol version 1 quotes always were, so that an older logged
comparison replays unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.money import CENT

HUNDRED = Decimal(100)
FHA_UPFRONT_PREMIUM = Decimal("1.75")
# Percent of the base loan by the share of the home's value put down (first use).
VA_FUNDING_FEE = ((Decimal("0.10"), Decimal("1.25")), (Decimal("0.05"), Decimal("1.50")), (Decimal(0), Decimal("2.15")))
GUARANTEED_LOAN_TYPES = frozenset({"fha", "va"})


def va_funding_fee_rate(down_payment: Decimal, home_value: Decimal) -> Decimal:
    share = down_payment / home_value
    return next(rate for at_least, rate in VA_FUNDING_FEE if share >= at_least)


def upfront_guarantee(profile: Mapping[str, Any]) -> Decimal:
    """The FHA upfront premium or VA funding fee on the profile's base loan; 0 for other loans."""
    base_loan = Decimal(profile["loan_amount"])
    if profile["loan_type"] == "fha":
        rate = FHA_UPFRONT_PREMIUM
    elif profile["loan_type"] == "va":
        rate = va_funding_fee_rate(Decimal(profile["down_payment"]), Decimal(profile["property_value"]))
    else:
        return Decimal(0)
    return (base_loan * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def financed_guarantee(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Decimal:
    """The upfront charge this offer adds to the loan: the whole charge when its terms say it is
    financed and the loan is FHA or VA, else 0 (paid in cash at closing, or there is none)."""
    if not terms.get("upfront_fee_financed") or profile["loan_type"] not in GUARANTEED_LOAN_TYPES:
        return Decimal(0)
    return upfront_guarantee(profile)


def guarantee_finance_charge(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Decimal:
    """The upfront charge as a finance charge in the APR (Regulation Z 1026.4(b)(5): insurance against
    the borrower's default is one), whether financed or paid at closing; 0 for an offer that does not
    say how it is paid, whose APR leaves it out as it did before the field existed."""
    if terms.get("upfront_fee_financed") is None:
        return Decimal(0)
    return upfront_guarantee(profile)


def guarantee_words(loan_type: str) -> str:
    return "FHA upfront premium" if loan_type == "fha" else "VA funding fee"
