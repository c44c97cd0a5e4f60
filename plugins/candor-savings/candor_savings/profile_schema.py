"""The JSON Schema (draft 2020-12) of the savings profile: the contract with banks (Candor Quote
Protocol v1), served at /api/v1/products. The offer terms' schema is terms.py's TERMS_SCHEMA."""

from __future__ import annotations

from typing import Any

from providers.us_states import US_STATES

# How long the shopper can leave the money, in months; null (JSON) or "any" (the form) when they
# need to be able to take it out at any time.
HORIZONS_MONTHS = (3, 6, 12, 18, 24, 36, 60)
ANY_TIME = "any"
DEFAULT_HORIZON_MONTHS = 12
"""The horizon earnings are counted over for a shopper who needs access any time."""
_DEPOSIT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/savings/profile.json",
    "title": "Savings profile",
    "description": (
        "What a bank or credit union needs to quote a savings account, money market account or CD. It never "
        "contains a name, e-mail address or phone number. Amounts are USD."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["state", "zip_code", "deposit", "horizon_months", "insured_only", "keeps_minimum_balance",
                 "direct_deposit"],
    "properties": {
        "state": {"type": "string", "enum": list(US_STATES), "description": "Where the saver lives."},
        "zip_code": {"type": "string", "pattern": "^[0-9]{5}$"},
        "deposit": {"type": "string", "pattern": _DEPOSIT, "description": "The amount to deposit, USD."},
        "horizon_months": {
            # Either branch names its own type, so the compiled schema check can take the enum of numbers.
            "anyOf": [{"type": "integer", "enum": list(HORIZONS_MONTHS)}, {"type": "null"}],
            "description": ("How many months the money can be left untouched; null when the saver needs access "
                            "at any time (then earnings are compared over 12 months and a CD is not ranked)."),
        },
        "insured_only": {"type": "boolean",
                         "description": "Only institutions insured by the FDIC (banks) or the NCUA (credit unions)."},
        "keeps_minimum_balance": {"type": "boolean",
                                  "description": "Whether the saver will keep the account's minimum balance to waive its fee."},
        "direct_deposit": {"type": "boolean",
                           "description": "Whether the saver will set up a direct deposit into the account (a common fee waiver)."},
    },
    "examples": [
        {
            "state": "CA",
            "zip_code": "94110",
            "deposit": "10000.00",
            "horizon_months": 12,
            "insured_only": True,
            "keeps_minimum_balance": True,
            "direct_deposit": False,
        }
    ],
}
