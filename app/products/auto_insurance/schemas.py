"""JSON Schemas (draft 2020-12) of the auto-insurance profile and offer terms. They are the
contract with providers (Candor Quote Protocol v1) and are served at /api/v1/products."""

from __future__ import annotations

from typing import Any

from app.products.auto_insurance.household import DISCOUNTS, MAX_DRIVERS, MAX_VEHICLES
from providers.us_states import US_STATES

LIABILITY_LIMITS = ("25/50/25", "50/100/50", "100/300/100", "250/500/250")
DEDUCTIBLES = ("250", "500", "1000", "2000")
VEHICLE_USES = ("commute", "pleasure", "business")
FINANCIAL_STRENGTH_GRADES = ("A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C")

_DECIMAL_AMOUNT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
VIN_PATTERN = "^[A-HJ-NPR-Z0-9]{17}$"
DISCOUNT_KEYS = [key for key, _ in DISCOUNTS]

DRIVER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["birth_date", "years_licensed", "at_fault_accidents_5y", "violations_5y", "vehicle"],
    "properties": {
        "birth_date": {"type": "string", "format": "date"},
        "years_licensed": {"type": "integer", "minimum": 0, "maximum": 85},
        "at_fault_accidents_5y": {"type": "integer", "minimum": 0, "maximum": 20},
        "violations_5y": {"type": "integer", "minimum": 0, "maximum": 30},
        "vehicle": {"type": "integer", "minimum": 1, "maximum": MAX_VEHICLES,
                    "description": "The vehicle this driver usually drives: its number in `vehicles`, counting from 1."},
    },
}
VEHICLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["year", "make", "model", "annual_mileage", "use"],
    "properties": {
        "year": {"type": "integer", "minimum": 1950, "maximum": 2100},
        "make": {"type": "string", "minLength": 1, "maxLength": 40},
        "model": {"type": "string", "minLength": 1, "maxLength": 60},
        "trim": {"type": ["string", "null"], "maxLength": 60},
        "vin": {"type": ["string", "null"], "pattern": VIN_PATTERN,
                "description": "17 characters; its check digit is valid (49 CFR 565.15). Null: not given."},
        "value": {"type": "string", "pattern": _DECIMAL_AMOUNT,
                  "description": "USD. Always sent to providers; a caller may leave it out after the first car, and Candor estimates it."},
        "value_estimated": {"type": "boolean",
                            "description": "True: the shopper gave no value and this is Candor's estimate from the model year."},
        "annual_mileage": {"type": "integer", "minimum": 0, "maximum": 150000},
        "use": {"type": "string", "enum": list(VEHICLE_USES)},
    },
}

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
        "uninsured_motorist": {"type": "boolean", "description": "The shopper wants uninsured-motorist cover."},
        "rental_reimbursement": {"type": "boolean", "description": "The shopper wants a rental car while theirs is repaired."},
        "roadside_assistance": {"type": "boolean", "description": "The shopper wants roadside assistance."},
        "discounts": {"type": "array", "items": {"type": "string", "enum": DISCOUNT_KEYS}, "uniqueItems": True,
                      "maxItems": len(DISCOUNT_KEYS), "description": "Discounts the shopper says they qualify for."},
        "drivers": {"type": "array", "items": DRIVER_SCHEMA, "minItems": 1, "maxItems": MAX_DRIVERS,
                    "description": "Every driver on the policy; the first is the primary driver, the same as the single driver fields."},
        "vehicles": {"type": "array", "items": VEHICLE_SCHEMA, "minItems": 1, "maxItems": MAX_VEHICLES,
                     "description": "Every vehicle on the policy; the first is the primary vehicle, the same as the single vehicle fields."},
    },
    # The first example is a profile as protocol 1.0 knew it, still valid (one driver, one car; the
    # household fields are optional); the second is complete, every field given.
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
        },
        {
            "zip_code": "75201",
            "state": "TX",
            "driver_birth_date": "1979-09-30",
            "years_licensed": 26,
            "at_fault_accidents_5y": 0,
            "violations_5y": 0,
            "vehicle_year": 2021,
            "vehicle_make": "Honda",
            "vehicle_model": "CR-V",
            "vehicle_value": "24000.00",
            "annual_mileage": 14000,
            "vehicle_use": "commute",
            "continuous_cover": True,
            "liability_limits": "250/500/250",
            "comprehensive": True,
            "collision": True,
            "deductible": "1000",
            "uninsured_motorist": True,
            "rental_reimbursement": True,
            "roadside_assistance": False,
            "discounts": ["multi_policy", "good_student"],
            "drivers": [
                {"birth_date": "1979-09-30", "years_licensed": 26, "at_fault_accidents_5y": 0, "violations_5y": 0, "vehicle": 1},
                {"birth_date": "1981-02-14", "years_licensed": 22, "at_fault_accidents_5y": 1, "violations_5y": 0, "vehicle": 1},
                {"birth_date": "2008-06-01", "years_licensed": 1, "at_fault_accidents_5y": 0, "violations_5y": 1, "vehicle": 2},
            ],
            "vehicles": [
                {"year": 2021, "make": "Honda", "model": "CR-V", "trim": "EX", "vin": None, "value": "24000.00",
                 "value_estimated": False, "annual_mileage": 14000, "use": "commute"},
                {"year": 2012, "make": "Toyota", "model": "Corolla", "trim": None, "vin": "2T1BU4EEXCC123453",
                 "value": "7000.00", "value_estimated": True, "annual_mileage": 6000, "use": "pleasure"},
            ],
        },
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
        "discounts_applied": {"type": "array", "items": {"type": "string", "enum": DISCOUNT_KEYS}, "uniqueItems": True,
                              "maxItems": len(DISCOUNT_KEYS),
                              "description": "Which of the discounts the shopper claimed this premium includes."},
        "drivers_rated": {"type": "integer", "minimum": 1, "maximum": MAX_DRIVERS,
                          "description": "How many of the profile's drivers this premium rates (a household's: all of them)."},
        "vehicles_covered": {"type": "integer", "minimum": 1, "maximum": MAX_VEHICLES,
                             "description": "How many of the profile's vehicles this policy covers (a household's: all of them)."},
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
            "discounts_applied": ["multi_policy"],
            "drivers_rated": 3,
            "vehicles_covered": 2,
        }
    ],
}
