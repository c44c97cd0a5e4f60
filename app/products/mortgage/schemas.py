"""JSON Schemas (draft 2020-12) of the mortgage profile and offer terms. They are the contract with
lenders (Candor Quote Protocol v1) and are served at /api/v1/products."""

from __future__ import annotations

from typing import Any

from providers.us_states import US_STATES

LOAN_TYPES = ("conventional", "fha", "va", "jumbo")
RATE_TYPES = ("fixed", "arm_5_6", "arm_7_6", "arm_10_6")
TERMS_YEARS = (15, 20, 30)
OCCUPANCIES = ("primary", "second_home", "investment")
CREDIT_SCORE_BANDS = (
    "760-850", "740-759", "720-739", "700-719", "680-699", "660-679", "640-659", "620-639", "580-619", "300-579",
)
MAX_POINTS_CHOICES = ("0", "0.5", "1", "1.5", "2", "3")
FIXED_YEARS = {"arm_5_6": 5, "arm_7_6": 7, "arm_10_6": 10}
ADJUSTMENT_INTERVAL_MONTHS = 6
# The loan features Regulation Z § 1026.36(e)(3)(i)(B) names: the anti-steering safe harbor's second
# option is the lowest rate without any of them. Balloon means a balloon payment in the first 7 years.
RISKY_FEATURES = (
    "negative_amortization", "prepayment_penalty", "interest_only", "balloon_within_7_years",
    "demand_feature", "shared_equity", "shared_appreciation",
)

_DECIMAL_AMOUNT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
_RATE = r"^[0-9]{1,2}(\.[0-9]{1,3})?$"
_POINTS = r"^[0-9](\.[0-9]{1,3})?$"
_CAP = r"^[0-9]{1,2}(\.[0-9]{1,3})?$"

# The Loan Estimate's closing-cost sections (Regulation Z 1026.37(f) and (g)) a lender may itemise, each
# with the items it may name: a fixed vocabulary, so that every name the shopper reads is ours, never a
# lender's text, and a recorded offer stays within its bound. Section A is the origination charges
# itemised (they must add up to lender_fees); B and C the services the buyer cannot and can shop for;
# E taxes and government fees; F prepaids; G the initial escrow payment; H other costs (1026.37(g)(4)): what
# the buyer pays at closing that is not for the loan (owner's title insurance, a home inspection…).
CLOSING_COST_ITEMS: dict[str, tuple[str, ...]] = {
    "origination": ("origination_fee", "underwriting_fee", "application_fee", "processing_fee"),
    "cannot_shop": ("appraisal", "credit_report", "flood_determination", "tax_service", "other"),
    "can_shop": ("title_insurance", "settlement_agent", "title_search", "survey", "pest_inspection", "other"),
    "taxes": ("recording_fees", "transfer_taxes"),
    "prepaids": ("homeowners_insurance", "prepaid_interest", "property_taxes"),
    "escrow": ("homeowners_insurance", "property_taxes", "mortgage_insurance"),
    "other": ("owners_title_insurance", "home_inspection", "hoa_capital_contribution", "home_warranty",
              "real_estate_commission", "other"),
}
MAX_CLOSING_COST_ITEMS = 10
"""Items one offer may itemise in all (parse_terms refuses more): the recorded offer stays within its
bytes (app/comparison/bounds.py)."""

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/mortgage/profile.json",
    "title": "Mortgage profile",
    "description": (
        "What a lender needs to quote a home loan. It never contains a name, e-mail address or phone "
        "number. Amounts are USD; loan_amount = property_value - down_payment."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": [
        "state", "zip_code", "property_value", "down_payment", "loan_amount", "credit_score_band",
        "loan_type", "term_years", "rate_type", "max_points", "occupancy", "years_expected",
        "max_monthly_payment",
    ],
    "properties": {
        "state": {"type": "string", "enum": list(US_STATES), "description": "Where the property is."},
        "zip_code": {"type": "string", "pattern": "^[0-9]{5}$"},
        "property_value": {"type": "string", "pattern": _DECIMAL_AMOUNT, "description": "Price or appraised value."},
        "down_payment": {"type": "string", "pattern": _DECIMAL_AMOUNT},
        "loan_amount": {"type": "string", "pattern": _DECIMAL_AMOUNT},
        "credit_score_band": {"type": "string", "enum": list(CREDIT_SCORE_BANDS)},
        "loan_type": {"type": "string", "enum": list(LOAN_TYPES)},
        "term_years": {"type": "integer", "enum": list(TERMS_YEARS)},
        "rate_type": {
            "type": "string",
            "enum": list(RATE_TYPES),
            "description": "fixed, or an adjustable rate fixed for 5, 7 or 10 years and then reset every 6 months.",
        },
        "max_points": {
            "type": "string",
            "enum": list(MAX_POINTS_CHOICES),
            "description": "The most discount points (percent of the loan, paid at closing) the buyer will pay.",
        },
        "occupancy": {"type": "string", "enum": list(OCCUPANCIES)},
        "years_expected": {
            "type": "integer",
            "minimum": 1,
            "maximum": 30,
            "description": "How many years the buyer expects to keep the loan before selling or refinancing.",
        },
        "max_monthly_payment": {
            "type": ["string", "null"],
            "pattern": _DECIMAL_AMOUNT,
            "description": "The most principal and interest the buyer will pay a month; null when they set no limit.",
        },
    },
    "examples": [
        {
            "state": "CO",
            "zip_code": "80203",
            "property_value": "500000.00",
            "down_payment": "100000.00",
            "loan_amount": "400000.00",
            "credit_score_band": "740-759",
            "loan_type": "conventional",
            "term_years": 30,
            "rate_type": "fixed",
            "max_points": "2",
            "occupancy": "primary",
            "years_expected": 7,
            "max_monthly_payment": None,
        }
    ],
}

ADJUSTMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["index", "index_value", "margin", "initial_cap", "periodic_cap", "lifetime_cap"],
    "description": (
        "How an adjustable rate resets after its fixed years, every 6 months, to index + margin within "
        "the caps (percentage points); the rate never falls below the margin."
    ),
    "properties": {
        "index": {"type": "string", "enum": ["SOFR-30-day-average"]},
        "index_value": {"type": "string", "pattern": _RATE, "description": "The index today, percent."},
        "margin": {"type": "string", "pattern": _RATE},
        "initial_cap": {"type": "string", "pattern": _CAP},
        "periodic_cap": {"type": "string", "pattern": _CAP},
        "lifetime_cap": {"type": "string", "pattern": _CAP},
    },
}

CLOSING_COSTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "description": (
        "Optional: the lender's own estimate of the closing costs, in the Loan Estimate's sections (Regulation Z "
        "1026.37(f) and (g)), each an object of the section's items and their amounts in USD. A section left out "
        f"is estimated by Candor from named assumptions the shopper can change. At most {MAX_CLOSING_COST_ITEMS} "
        "items in all; `origination` itemises lender_fees and must add up to it (else it is ignored). `other` is "
        "section H (owner's title insurance, home inspection…): left out, Candor counts only what the shopper "
        "enters. Points, other_prepaid_finance_charges, lender_credits and any FHA upfront premium or VA funding "
        "fee are not items: Candor adds them itself."
    ),
    "properties": {
        section: {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {item: {"type": "string", "pattern": _DECIMAL_AMOUNT} for item in items},
        }
        for section, items in CLOSING_COST_ITEMS.items()
    },
}

TERMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/mortgage/terms.json",
    "title": "Mortgage offer terms",
    "description": (
        "One loan offer. Candor computes the monthly payment and the APR itself from these terms; a quoted "
        "monthly_payment or apr is shown beside ours and flagged when it disagrees."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": [
        "loan_type", "term_years", "rate_type", "note_rate", "points", "lender_fees", "rate_lock_days",
        "service_score",
    ],
    "properties": {
        "loan_type": {"type": "string", "enum": list(LOAN_TYPES)},
        "term_years": {"type": "integer", "enum": list(TERMS_YEARS)},
        "rate_type": {"type": "string", "enum": list(RATE_TYPES)},
        "note_rate": {"type": "string", "pattern": _RATE, "description": "Interest rate, percent a year."},
        "points": {"type": "string", "pattern": _POINTS, "description": "Discount points, percent of the loan."},
        "lender_fees": {
            "type": "string",
            "pattern": _DECIMAL_AMOUNT,
            "description": "Origination, underwriting and other lender charges, USD.",
        },
        "other_prepaid_finance_charges": {
            "type": "string",
            "pattern": _DECIMAL_AMOUNT,
            "description": "Other finance charges paid at closing (e.g. a broker fee), USD; 0 when absent.",
        },
        "rate_lock_days": {"type": "integer", "minimum": 0, "maximum": 365},
        "service_score": {
            "type": "integer",
            "minimum": 0,
            "maximum": 1000,
            "description": "Independent borrower-satisfaction score, out of 1,000.",
        },
        "loan_amount": {"type": ["string", "null"], "pattern": _DECIMAL_AMOUNT, "description": "USD, when quoted."},
        "monthly_payment": {
            "type": ["string", "null"],
            "pattern": _DECIMAL_AMOUNT,
            "description": "The lender's own monthly principal and interest, when quoted.",
        },
        "apr": {"type": ["string", "null"], "pattern": _RATE, "description": "The lender's own APR, percent."},
        "adjustment": {"oneOf": [{"type": "null"}, ADJUSTMENT_SCHEMA]},
        "features": {
            "type": "array",
            "items": {"type": "string", "enum": list(RISKY_FEATURES)},
            "uniqueItems": True,
            "maxItems": len(RISKY_FEATURES),
            "description": (
                "The loan's risky features (Regulation Z 1026.36(e)(3)(i)(B)): negative amortization, a "
                "prepayment penalty, interest-only payments, a balloon payment in the first 7 years, a demand "
                "feature, shared equity or shared appreciation. Left out or empty: the loan has none of them "
                "(a fully amortising loan, as protocol version 1 quotes always were)."
            ),
        },
        "closing_costs": {"oneOf": [{"type": "null"}, CLOSING_COSTS_SCHEMA]},
        "lender_credits": {
            "type": ["string", "null"],
            "pattern": _DECIMAL_AMOUNT,
            "description": (
                "Optional: what the lender pays toward the closing costs, USD (the Loan Estimate's \"Lender "
                "Credits\", usually for a higher rate); 0 or left out when none. It comes off the total closing "
                "costs and the cost over the years the shopper keeps the loan. More than the closing costs, or "
                "more than 100000, is implausible and the offer is not ranked."
            ),
        },
        "upfront_fee_financed": {
            "type": ["boolean", "null"],
            "description": (
                "FHA and VA loans: true when the FHA upfront mortgage insurance premium or VA funding fee is added "
                "to the loan (most are), false when it is paid in cash at closing. Candor works it out at the "
                "programme's rate; financed, the loan_amount is the base loan plus it, and the payment and APR are "
                "on that. Left out or null: taken as paid at closing, as protocol version 1 quotes always were. "
                "Ignored for other loan types."
            ),
        },
    },
    "examples": [
        {
            "loan_type": "conventional",
            "term_years": 30,
            "rate_type": "fixed",
            "note_rate": "6.125",
            "points": "1.000",
            "lender_fees": "1495.00",
            "other_prepaid_finance_charges": "0.00",
            "rate_lock_days": 45,
            "service_score": 812,
            "loan_amount": "400000.00",
            "monthly_payment": "2430.44",
            "apr": "6.255",
            "adjustment": None,
            "features": [],
            "closing_costs": {
                "cannot_shop": {"appraisal": "575.00", "credit_report": "45.00"},
                "can_shop": {"title_insurance": "1850.00", "settlement_agent": "695.00"},
            },
            "lender_credits": "0.00",
            "upfront_fee_financed": None,
        }
    ],
}
