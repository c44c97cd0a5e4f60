"""A buyer's quote request as the sandbox's lenders read it (Candor Quote Protocol v1): the mortgage
profile, checked field by field with the errors a real lender's API would give."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from providers.us_states import US_STATES

from .insurer_app import read_envelope
from .profile import FieldError, ProfileError

PRODUCT = "mortgage"
US_STATE_CODES = frozenset(US_STATES)
LOAN_TYPES = ("conventional", "fha", "va", "jumbo")
RATE_TYPES = ("fixed", "arm_5_6", "arm_7_6", "arm_10_6")
TERMS_YEARS = (15, 20, 30)
OCCUPANCIES = ("primary", "second_home", "investment")
CREDIT_SCORE_BANDS = (
    "760-850", "740-759", "720-739", "700-719", "680-699", "660-679", "640-659", "620-639", "580-619", "300-579",
)
MAX_POINTS = ("0", "0.5", "1", "1.5", "2", "3")


@dataclass(frozen=True)
class MortgageProfile:
    state: str
    zip_code: str
    property_value: Decimal
    loan_amount: Decimal
    credit_score_band: str
    loan_type: str
    term_years: int
    rate_type: str
    max_points: Decimal
    occupancy: str
    years_expected: int

    @property
    def loan_to_value(self) -> Decimal:
        return self.loan_amount / self.property_value


_ZIP = re.compile(r"\d{5}")
_MONEY = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")


def parse_mortgage_request(body: bytes, product: str = PRODUCT) -> MortgageProfile:
    """A quote request's loan, for `product` (a refinance asks with the same loan fields)."""
    envelope = read_envelope(body, (product,))
    errors = envelope.errors
    raw = envelope.profile
    if not isinstance(raw, dict):
        raise ProfileError([*errors, FieldError("/profile", "must be an object")])

    def fail(name: str, detail: str) -> None:
        errors.append(FieldError(f"/profile/{name}", detail))

    def choice(name: str, choices: Iterable[Any], description: str) -> Any:
        value = raw.get(name)
        if isinstance(value, bool) or value not in tuple(choices):
            fail(name, f"must be {description}")
            return None
        return value

    def money(name: str) -> Decimal | None:
        value = raw.get(name)
        if not isinstance(value, str) or not _MONEY.fullmatch(value):
            fail(name, 'must be a decimal amount in USD such as "400000.00"')
            return None
        return Decimal(value)

    state = choice("state", US_STATE_CODES, "a 2-letter US state code")
    zip_code = raw.get("zip_code")
    if not isinstance(zip_code, str) or not _ZIP.fullmatch(zip_code):
        fail("zip_code", "must be a 5-digit ZIP code")
    value, loan = money("property_value"), money("loan_amount")
    band = choice("credit_score_band", CREDIT_SCORE_BANDS, "one of " + ", ".join(CREDIT_SCORE_BANDS))
    loan_type = choice("loan_type", LOAN_TYPES, "one of " + ", ".join(LOAN_TYPES))
    term = choice("term_years", TERMS_YEARS, "15, 20 or 30")
    rate_type = choice("rate_type", RATE_TYPES, "one of " + ", ".join(RATE_TYPES))
    max_points = choice("max_points", MAX_POINTS, "one of " + ", ".join(MAX_POINTS))
    occupancy = choice("occupancy", OCCUPANCIES, "one of " + ", ".join(OCCUPANCIES))
    years = raw.get("years_expected")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 30:
        fail("years_expected", "must be a whole number of years from 1 to 30")
    if value is not None and loan is not None and not Decimal(0) < loan <= value:
        fail("loan_amount", "must be more than 0 and at most the property value")
    if errors:
        raise ProfileError(errors)
    assert value is not None and loan is not None
    return MortgageProfile(state=state, zip_code=zip_code, property_value=value, loan_amount=loan,
                           credit_score_band=band, loan_type=loan_type, term_years=term, rate_type=rate_type,
                           max_points=Decimal(max_points), occupancy=occupancy, years_expected=years)
