"""What an auto-insurance shopper may insist on, read from each offer's logged terms (the results
page sets aside offers without it; the ranking itself never changes)."""

from __future__ import annotations

from app.products.base import Requirement

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("rental_car", "Rental car while yours is repaired", lambda terms: terms.get("rental_reimbursement") is True),
    Requirement("roadside", "Roadside assistance", lambda terms: terms.get("roadside_assistance") is True),
    Requirement("uninsured_motorist", "Uninsured-motorist cover", lambda terms: terms.get("uninsured_motorist") is True),
    Requirement("twelve_months", "A 12-month policy", lambda terms: terms.get("term_months") == 12),
)
