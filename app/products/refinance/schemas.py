"""JSON Schemas (draft 2020-12) of the refinance profile and offer terms: the contract with lenders
(Candor Quote Protocol v1), served at /api/v1/products. A refinance offer is a mortgage offer (the
mortgage line's terms) that also states the third-party closing costs a refinance has to pay."""

from __future__ import annotations

import copy
from typing import Any

from app.products.mortgage.schemas import (
    CREDIT_SCORE_BANDS,
    LOAN_TYPES,
    MAX_POINTS_CHOICES,
    OCCUPANCIES,
    RATE_TYPES,
    TERMS_SCHEMA as MORTGAGE_TERMS_SCHEMA,
    TERMS_YEARS,
)
from providers.us_states import US_STATES

_DECIMAL_AMOUNT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
_RATE = r"^[0-9]{1,2}(\.[0-9]{1,3})?$"
MAX_REMAINING_MONTHS = 480

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/refinance/profile.json",
    "title": "Refinance profile",
    "description": (
        "What a lender needs to quote a refinance of a home loan, and what the homeowner's current loan is. "
        "It never contains a name, e-mail address or phone number. Amounts are USD; "
        "loan_amount = current_balance + cash_out."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": [
        "state", "zip_code", "property_value", "current_balance", "current_rate", "remaining_months",
        "current_payment", "cash_out", "loan_amount", "credit_score_band", "loan_type", "term_years", "rate_type",
        "max_points", "occupancy", "years_expected",
    ],
    "properties": {
        "state": {"type": "string", "enum": list(US_STATES), "description": "Where the property is."},
        "zip_code": {"type": "string", "pattern": "^[0-9]{5}$"},
        "property_value": {"type": "string", "pattern": _DECIMAL_AMOUNT, "description": "What the home is worth."},
        "current_balance": {"type": "string", "pattern": _DECIMAL_AMOUNT,
                            "description": "What is still owed on the current loan."},
        "current_rate": {"type": "string", "pattern": _RATE,
                         "description": "The current loan's interest rate, percent a year (fixed)."},
        "remaining_months": {"type": "integer", "minimum": 1, "maximum": MAX_REMAINING_MONTHS,
                             "description": "Monthly payments left on the current loan."},
        "current_payment": {
            "type": ["string", "null"],
            "pattern": _DECIMAL_AMOUNT,
            "description": ("The current loan's monthly principal and interest (no escrow); null when the "
                            "homeowner does not know it: it is then worked out from balance, rate and months left."),
        },
        "cash_out": {"type": "string", "pattern": _DECIMAL_AMOUNT,
                     "description": "Cash taken out on top of the balance; \"0.00\" for a rate-and-term refinance."},
        "loan_amount": {"type": "string", "pattern": _DECIMAL_AMOUNT,
                        "description": ("The new loan: current_balance + cash_out. Candor works it out; a value "
                                        "sent to the API is replaced by it.")},
        "credit_score_band": {"type": "string", "enum": list(CREDIT_SCORE_BANDS)},
        "loan_type": {"type": "string", "enum": list(LOAN_TYPES)},
        "term_years": {"type": "integer", "enum": list(TERMS_YEARS)},
        "rate_type": {"type": "string", "enum": list(RATE_TYPES)},
        "max_points": {"type": "string", "enum": list(MAX_POINTS_CHOICES)},
        "occupancy": {"type": "string", "enum": list(OCCUPANCIES)},
        "years_expected": {
            "type": "integer", "minimum": 1, "maximum": 30,
            "description": "How many years the homeowner expects to stay (and keep whichever loan they have).",
        },
    },
    "examples": [
        {
            "state": "CO",
            "zip_code": "80203",
            "property_value": "450000.00",
            "current_balance": "300000.00",
            "current_rate": "7.750",
            "remaining_months": 336,
            "current_payment": None,
            "cash_out": "0.00",
            "loan_amount": "300000.00",
            "credit_score_band": "740-759",
            "loan_type": "conventional",
            "term_years": 30,
            "rate_type": "fixed",
            "max_points": "1",
            "occupancy": "primary",
            "years_expected": 5,
        }
    ],
}


def _terms_schema() -> dict[str, Any]:
    schema = copy.deepcopy(MORTGAGE_TERMS_SCHEMA)
    schema["$id"] = "https://candor.example/schemas/refinance/terms.json"
    schema["title"] = "Refinance offer terms"
    schema["description"] = (
        "One refinance offer: a mortgage offer's terms, and the third-party closing costs (appraisal, title, "
        "recording) the lender estimates. Candor computes the payment, the APR and the net saving itself."
    )
    schema["required"] = [*schema["required"], "third_party_costs"]
    schema["properties"]["third_party_costs"] = {
        "type": "string",
        "pattern": _DECIMAL_AMOUNT,
        "description": "Third-party closing costs paid at closing (appraisal, title, recording), USD.",
    }
    schema["examples"] = [{**schema["examples"][0], "loan_amount": "300000.00", "monthly_payment": "1822.83",
                           "third_party_costs": "2650.00"}]
    return schema


TERMS_SCHEMA: dict[str, Any] = _terms_schema()
