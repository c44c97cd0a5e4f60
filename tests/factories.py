"""Factory helpers for tests: valid inputs to start from, changed only where a test says so."""

from __future__ import annotations

from typing import Any

from app.products.auto_insurance.schemas import PROFILE_SCHEMA, TERMS_SCHEMA
from app.products.mortgage.schemas import PROFILE_SCHEMA as MORTGAGE_PROFILE_SCHEMA
from app.products.mortgage.schemas import TERMS_SCHEMA as MORTGAGE_TERMS_SCHEMA


def auto_profile(**changes: Any) -> dict[str, Any]:
    return {**PROFILE_SCHEMA["examples"][0], **changes}


def auto_terms(**changes: Any) -> dict[str, Any]:
    return {**TERMS_SCHEMA["examples"][0], **changes}


def auto_form(**changes: Any) -> dict[str, str]:
    """The shopper's form as the browser posts it."""
    form = {
        "driver_birth_date": "1988-04-12",
        "years_licensed": "15",
        "at_fault_accidents_5y": "0",
        "violations_5y": "1",
        "continuous_cover": "yes",
        "zip_code": "94110",
        "state": "CA",
        "vehicle_year": "2019",
        "vehicle_make": "Toyota",
        "vehicle_model": "Corolla",
        "vehicle_value": "16500",
        "annual_mileage": "11000",
        "vehicle_use": "commute",
        "liability_limits": "100/300/100",
        "comprehensive": "yes",
        "collision": "yes",
        "deductible": "500",
        "uninsured_motorist": "no",
        "rental_reimbursement": "no",
        "roadside_assistance": "no",
        "preset": "balanced",
    }
    form.update({key: str(value) for key, value in changes.items()})
    return form


def mortgage_profile(**changes: Any) -> dict[str, Any]:
    return {**MORTGAGE_PROFILE_SCHEMA["examples"][0], **changes}


def mortgage_terms(**changes: Any) -> dict[str, Any]:
    return {**MORTGAGE_TERMS_SCHEMA["examples"][0], **changes}


def mortgage_form(**changes: Any) -> dict[str, str]:
    """The shopper's mortgage form as the browser posts it (empty strings for empty fields)."""
    form = {
        "state": "CO",
        "zip_code": "80203",
        "property_value": "500000",
        "down_payment": "100000",
        "loan_amount": "",
        "occupancy": "primary",
        "credit_score_band": "740-759",
        "years_expected": "7",
        "max_monthly_payment": "",
        "loan_type": "conventional",
        "term_years": "30",
        "rate_type": "fixed",
        "max_points": "1",
        "preset": "balanced",
    }
    form.update({key: str(value) for key, value in changes.items()})
    return form
