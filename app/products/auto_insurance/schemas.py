"""JSON Schemas (draft 2020-12) of the auto-insurance profile and offer terms. They are the
contract with providers (Candor Quote Protocol v1) and are served at /api/v1/products."""

from __future__ import annotations

from typing import Any

from providers.us_states import US_STATES

LIABILITY_LIMITS = ("25/50/25", "50/100/50", "100/300/100", "250/500/250")
DEDUCTIBLES = ("250", "500", "1000", "2000")
VEHICLE_USES = ("commute", "pleasure", "business")
FINANCIAL_STRENGTH_GRADES = ("A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C")

_DECIMAL_AMOUNT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/auto/profile.json",
    "title": "Auto insurance profile",
    "description": "What a provider needs to quote. It never contains a name, e-mail address or phone number.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "zip_code", "state", "driver_birth_date", "years_licensed", "at_fault_accidents_5y",
        "violations_5y", "vehicle_year", "vehicle_make", "vehicle_model", "vehicle_value",
        "annual_mileage", "vehicle_use", "continuous_cover", "liability_limits",
        "comprehensive", "collision", "deductible",
    ],
    "properties": {
        "zip_code": {"type": "string", "pattern": "^[0-9]{5}$"},
        "state": {"type": "string", "enum": list(US_STATES)},
        "driver_birth_date": {"type": "string", "format": "date"},
        "years_licensed": {"type": "integer", "minimum": 0, "maximum": 85},
        "at_fault_accidents_5y": {"type": "integer", "minimum": 0, "maximum": 20},
        "violations_5y": {"type": "integer", "minimum": 0, "maximum": 30},
        "vehicle_year": {"type": "integer", "minimum": 1950, "maximum": 2100},
        "vehicle_make": {"type": "string", "minLength": 1, "maxLength": 40},
        "vehicle_model": {"type": "string", "minLength": 1, "maxLength": 60},
        "vehicle_value": {"type": "string", "pattern": _DECIMAL_AMOUNT, "description": "USD"},
        "annual_mileage": {"type": "integer", "minimum": 0, "maximum": 150000},
        "vehicle_use": {"type": "string", "enum": list(VEHICLE_USES)},
        "continuous_cover": {"type": "boolean"},
        "liability_limits": {
            "type": "string",
            "enum": list(LIABILITY_LIMITS),
            "description": "Bodily injury per person / per accident / property damage, in thousands of USD.",
        },
        "comprehensive": {"type": "boolean"},
        "collision": {"type": "boolean"},
        "deductible": {"type": "string", "enum": list(DEDUCTIBLES), "description": "USD"},
    },
    "examples": [
        {
            "zip_code": "94110",
            "state": "CA",
            "driver_birth_date": "1988-04-12",
            "years_licensed": 15,
            "at_fault_accidents_5y": 0,
            "violations_5y": 1,
            "vehicle_year": 2019,
            "vehicle_make": "Toyota",
            "vehicle_model": "Corolla",
            "vehicle_value": "16500.00",
            "annual_mileage": 11000,
            "vehicle_use": "commute",
            "continuous_cover": True,
            "liability_limits": "100/300/100",
            "comprehensive": True,
            "collision": True,
            "deductible": "500",
        }
    ],
}

TERMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/auto/terms.json",
    "title": "Auto insurance offer terms",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "term_months", "premium", "liability_limits", "comprehensive_deductible",
        "collision_deductible", "rental_reimbursement", "roadside_assistance",
        "uninsured_motorist", "financial_strength", "claims_satisfaction", "complaint_index",
    ],
    "properties": {
        "term_months": {"type": "integer", "enum": [6, 12]},
        "premium": {"type": "string", "pattern": _DECIMAL_AMOUNT, "description": "USD for the whole term"},
        "liability_limits": {"type": "string", "pattern": "^[0-9]{1,4}/[0-9]{1,4}/[0-9]{1,4}$"},
        "comprehensive_deductible": {"type": ["string", "null"], "pattern": _DECIMAL_AMOUNT},
        "collision_deductible": {"type": ["string", "null"], "pattern": _DECIMAL_AMOUNT},
        "rental_reimbursement": {"type": "boolean"},
        "roadside_assistance": {"type": "boolean"},
        "uninsured_motorist": {"type": "boolean"},
        "financial_strength": {"type": "string", "enum": list(FINANCIAL_STRENGTH_GRADES)},
        "claims_satisfaction": {"type": "integer", "minimum": 0, "maximum": 1000},
        "complaint_index": {"type": "string", "pattern": r"^[0-9]{1,2}(\.[0-9]{1,2})?$"},
    },
    "examples": [
        {
            "term_months": 12,
            "premium": "1212.50",
            "liability_limits": "100/300/100",
            "comprehensive_deductible": "500",
            "collision_deductible": "500",
            "rental_reimbursement": True,
            "roadside_assistance": False,
            "uninsured_motorist": True,
            "financial_strength": "A+",
            "claims_satisfaction": 861,
            "complaint_index": "0.82",
        }
    ],
}
