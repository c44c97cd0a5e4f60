"""How the sandbox's lenders price a buyer's loan: the market's base rate and the usual
adjustments, each lender's rate card (spread, points menu, fees), and the payment and APR a lender's
own system would quote — in binary floating point with numpy-financial, as such a system might, so
that Candor's own Decimal figures are checked against an independent computation, not a copy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import numpy_financial as npf

from .lender_request import CREDIT_SCORE_BANDS, LOAN_TYPES, TERMS_YEARS, MortgageProfile

if TYPE_CHECKING:
    from .lenders import LenderSpec

CENT = Decimal("0.01")
EIGHTH = Decimal("0.125")

# The market every lender prices from: a 30-year fixed conventional loan, 0 points, for a buyer with
# a 740-759 score putting 20% down on the home they live in — then the usual adjustments.
MARKET_BASE_RATE = Decimal("6.500")
CREDIT_ADJUSTMENT = {
    "760-850": Decimal("-0.125"), "740-759": Decimal("0"), "720-739": Decimal("0.125"),
    "700-719": Decimal("0.250"), "680-699": Decimal("0.375"), "660-679": Decimal("0.625"),
    "640-659": Decimal("0.875"), "620-639": Decimal("1.125"), "580-619": Decimal("1.500"),
    "300-579": Decimal("2.000"),
}
TERM_ADJUSTMENT = {30: Decimal("0"), 20: Decimal("-0.250"), 15: Decimal("-0.625")}
LOAN_TYPE_ADJUSTMENT = {"conventional": Decimal("0"), "fha": Decimal("-0.250"), "va": Decimal("-0.375"),
                        "jumbo": Decimal("0.250")}
RATE_TYPE_ADJUSTMENT = {"fixed": Decimal("0"), "arm_5_6": Decimal("-0.750"), "arm_7_6": Decimal("-0.500"),
                        "arm_10_6": Decimal("-0.250")}
OCCUPANCY_ADJUSTMENT = {"primary": Decimal("0"), "second_home": Decimal("0.375"), "investment": Decimal("0.750")}
LOAN_TO_VALUE_ADJUSTMENT = ((Decimal("0.95"), Decimal("0.375")), (Decimal("0.90"), Decimal("0.250")),
                            (Decimal("0.80"), Decimal("0.125")))
# The government programmes' upfront charge, percent of the base loan, which these lenders add to the loan
# (as most buyers do): FHA's upfront mortgage insurance premium; VA's funding fee by the share put down.
FHA_UPFRONT_PREMIUM = Decimal("1.75")
VA_FUNDING_FEE_BY_DOWN = ((Decimal("0.10"), Decimal("1.25")), (Decimal("0.05"), Decimal("1.50")),
                          (Decimal("0"), Decimal("2.15")))
# The lowest credit score band each loan type is made for (FHA goes lowest).
LOWEST_BAND = {"conventional": "620-639", "fha": "300-579", "va": "580-619", "jumbo": "700-719"}
# Adjustable rates: the 30-day average SOFR today, and the caps usual for x/6 SOFR ARMs.
SOFR_INDEX = Decimal("4.300")
ARM_CAPS = {"arm_5_6": ("2", "1", "5"), "arm_7_6": ("5", "1", "5"), "arm_10_6": ("5", "1", "5")}
PUBLISHED_LOAN_AMOUNT = Decimal("400000")


@dataclass(frozen=True)
class PointsOption:
    points: Decimal
    rate_reduction: Decimal
    """How much lower than the lender's 0-point rate this option's rate is."""


@dataclass(frozen=True)
class RateCard:
    """How one lender prices: its spread over the market, its menu of points, its fees."""

    spread: Decimal
    options: tuple[PointsOption, ...]
    lender_fees: Decimal
    rate_lock_days: int
    arm_margin: Decimal = Decimal("2.750")
    lender_credit_rate: Decimal = Decimal(0)
    """Percent of the loan the lender pays toward the closing costs (its quotes' `lender_credits`)."""

    def rate(self, *, credit: str, term_years: int, loan_type: str, rate_type: str, occupancy: str,
             loan_to_value: Decimal, option: PointsOption) -> Decimal:
        rate = (MARKET_BASE_RATE + self.spread + CREDIT_ADJUSTMENT[credit] + TERM_ADJUSTMENT[term_years]
                + LOAN_TYPE_ADJUSTMENT[loan_type] + RATE_TYPE_ADJUSTMENT[rate_type] + OCCUPANCY_ADJUSTMENT[occupancy]
                + _ltv_adjustment(loan_type, loan_to_value) - option.rate_reduction)
        # Mortgage rates are quoted in eighths of a percent.
        return (rate / EIGHTH).quantize(Decimal(1), rounding=ROUND_HALF_UP) * EIGHTH


@dataclass(frozen=True)
class ClosingCostCard:
    """The closing costs a lender estimates itself on its quotes (the terms' `closing_costs`, in the
    Loan Estimate's sections): fixed fees by section, and title insurance as a share of the loan. Its
    origination items add up to its rate card's lender fees."""

    fixed: tuple[tuple[str, str, str], ...]
    """(section, item, USD) for each fixed fee."""
    title_insurance_rate: Decimal | None = None
    """Percent of the loan, for the lender's title insurance policy (services you can shop for)."""

    def itemise(self, loan_amount: Decimal) -> dict[str, dict[str, str]]:
        sections: dict[str, dict[str, str]] = {}
        for section, item, amount in self.fixed:
            sections.setdefault(section, {})[item] = f"{Decimal(amount):.2f}"
        if self.title_insurance_rate is not None:
            title = (loan_amount * self.title_insurance_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            sections.setdefault("can_shop", {})["title_insurance"] = f"{title:.2f}"
        return sections


def points_options(*pairs: tuple[str, str]) -> tuple[PointsOption, ...]:
    return tuple(PointsOption(Decimal(points), Decimal(reduction)) for points, reduction in pairs)


def _ltv_adjustment(loan_type: str, loan_to_value: Decimal) -> Decimal:
    if loan_type in ("fha", "va"):
        return Decimal(0)  # priced by the government guarantee, not the down payment
    for above, adjustment in LOAN_TO_VALUE_ADJUSTMENT:
        if loan_to_value > above:
            return adjustment
    return Decimal(0)


def upfront_guarantee(profile: MortgageProfile) -> Decimal:
    """The FHA upfront premium or VA funding fee on the buyer's base loan; 0 for other loans."""
    if profile.loan_type == "fha":
        rate = FHA_UPFRONT_PREMIUM
    elif profile.loan_type == "va":
        down = 1 - profile.loan_to_value
        rate = next(rate for at_least, rate in VA_FUNDING_FEE_BY_DOWN if down >= at_least)
    else:
        return Decimal(0)
    return (profile.loan_amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def quote_terms(spec: LenderSpec, profile: MortgageProfile, *, finance_guarantee: bool = True) -> list[dict[str, Any]]:
    """One offer for each points option the buyer is willing to pay, priced for this buyer. An FHA or VA
    loan has the programme's upfront charge added to it (unless `finance_guarantee` is False, for a
    product whose terms cannot say so): the quoted loan, payment and APR are on the larger loan."""
    card = spec.rate_card
    guarantee = upfront_guarantee(profile) if finance_guarantee else Decimal(0)
    loan_amount = profile.loan_amount + guarantee
    credit = (loan_amount * card.lender_credit_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    offers = []
    for option in card.options:
        if option.points > profile.max_points:
            continue
        note_rate = card.rate(credit=profile.credit_score_band, term_years=profile.term_years,
                              loan_type=profile.loan_type, rate_type=profile.rate_type,
                              occupancy=profile.occupancy, loan_to_value=profile.loan_to_value, option=option)
        payment = float_payment(loan_amount, note_rate, profile.term_years * 12)
        points_amount = (loan_amount * option.points / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        fixed = profile.rate_type == "fixed"
        if spec.quotes_note_rate_as_apr:
            apr: str | None = f"{note_rate:.3f}"
        elif fixed:
            # The guarantee is a finance charge: the amount financed is the base loan less the charges
            # (net of the credit that pays them).
            charges = points_amount + card.lender_fees
            apr = float_apr(profile.loan_amount - (charges - min(credit, charges)), payment, profile.term_years * 12)
        else:
            apr = None  # a composite APR needs the whole schedule; this lender leaves it to the disclosure
        offers.append({
            "loan_type": profile.loan_type,
            "term_years": profile.term_years,
            "rate_type": profile.rate_type,
            "note_rate": f"{note_rate:.3f}",
            "points": f"{option.points:.3f}",
            "lender_fees": f"{card.lender_fees:.2f}",
            "other_prepaid_finance_charges": "0.00",
            "rate_lock_days": card.rate_lock_days,
            "service_score": spec.service_score,
            "loan_amount": f"{loan_amount:.2f}",
            "monthly_payment": f"{payment:.2f}",
            "apr": apr,
            "adjustment": None if fixed else arm_adjustment(card, profile.rate_type),
            **({"features": list(spec.features)} if spec.features else {}),
            **({"closing_costs": spec.closing_costs.itemise(profile.loan_amount)} if spec.closing_costs else {}),
            **({"upfront_fee_financed": True} if guarantee else {}),
            **({"lender_credits": f"{credit:.2f}"} if credit else {}),
        })
    return offers


def arm_adjustment(card: RateCard, rate_type: str) -> dict[str, str]:
    initial, periodic, lifetime = ARM_CAPS[rate_type]
    return {"index": "SOFR-30-day-average", "index_value": f"{SOFR_INDEX:.3f}", "margin": f"{card.arm_margin:.3f}",
            "initial_cap": initial, "periodic_cap": periodic, "lifetime_cap": lifetime}


def float_payment(loan_amount: Decimal, note_rate: Decimal, months: int) -> Decimal:
    """The lender's monthly principal and interest, as numpy-financial computes it, to the cent."""
    payment = npf.pmt(float(note_rate) / 1200, months, -float(loan_amount))
    return Decimal(repr(float(payment))).quantize(CENT, rounding=ROUND_HALF_UP)


def float_apr(amount_financed: Decimal, payment: Decimal, months: int) -> str:
    """The lender's APR for a level-payment loan: numpy-financial's rate, times 12, to 3 decimals."""
    monthly = npf.rate(months, float(payment), -float(amount_financed), 0)
    return f"{Decimal(repr(float(monthly))) * 1200:.3f}"


def published_rows(spec: LenderSpec) -> list[dict[str, Any]]:
    """The lender's fixed-rate table for a primary home with 20% down: one row per loan type, term,
    credit score band and points option it offers. APRs are for a loan of PUBLISHED_LOAN_AMOUNT."""
    card = spec.rate_card
    rows = []
    for loan_type in LOAN_TYPES:
        for term_years in TERMS_YEARS:
            for band in CREDIT_SCORE_BANDS:
                if CREDIT_SCORE_BANDS.index(band) > CREDIT_SCORE_BANDS.index(LOWEST_BAND[loan_type]):
                    continue
                for option in card.options:
                    rate = card.rate(credit=band, term_years=term_years, loan_type=loan_type, rate_type="fixed",
                                     occupancy="primary", loan_to_value=Decimal("0.80"), option=option)
                    payment = float_payment(PUBLISHED_LOAN_AMOUNT, rate, term_years * 12)
                    points_amount = PUBLISHED_LOAN_AMOUNT * option.points / 100
                    low, high = band.split("-")
                    rows.append({
                        "loan_type": loan_type, "term_years": term_years, "rate_type": "fixed",
                        "score_from": int(low), "score_to": int(high), "points": option.points,
                        "rate": rate, "lender_fees": card.lender_fees, "rate_lock_days": card.rate_lock_days,
                        "apr": float_apr(PUBLISHED_LOAN_AMOUNT - points_amount - card.lender_fees, payment,
                                         term_years * 12),
                    })
    return rows
