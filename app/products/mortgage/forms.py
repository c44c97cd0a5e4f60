"""The mortgage profile form: the home, the buyer, the loan they want — every field checked with a
message that says what to do, and the rules that tie fields together checked next to the field
the shopper has to change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from app.money import CENT
from app.products.form_checks import refuse
from app.products.mortgage.rules import (
    MALFORMED,
    NO_AMOUNT,
    OUT_OF_RANGE,
    REQUIRED,
    computed_loan_amount,
    down_payment_problem,
    loan_amount_problem,
    loan_size_problem,
    occupancy_problem,
    years_expected_problem,
)
from app.products.mortgage.schemas import CREDIT_SCORE_BANDS, US_STATES
from app.products.zip_codes import ZipAndState

PRESET_CHOICES = [
    SelectChoice("balanced", "Balanced: what it costs you over the years you keep it, then the rest"),
    SelectChoice("lowest_cost", "Lowest cost over the years you keep it"),
    SelectChoice("lowest_payment", "Lowest monthly payment"),
    SelectChoice("best_service", "Service counts more"),
]
LOAN_TYPE_CHOICES = [
    SelectChoice("conventional", "Conventional"),
    SelectChoice("fha", "FHA"),
    SelectChoice("va", "VA"),
    SelectChoice("jumbo", "Jumbo"),
]
RATE_TYPE_CHOICES = [
    SelectChoice("fixed", "Fixed for the whole term"),
    SelectChoice("arm_5_6", "Adjustable 5/6: fixed 5 years, then every 6 months"),
    SelectChoice("arm_7_6", "Adjustable 7/6: fixed 7 years, then every 6 months"),
    SelectChoice("arm_10_6", "Adjustable 10/6: fixed 10 years, then every 6 months"),
]
OCCUPANCY_CHOICES = [
    SelectChoice("primary", "A home I will live in"),
    SelectChoice("second_home", "A second home"),
    SelectChoice("investment", "A property I will rent out"),
]
MAX_POINTS_CHOICES = [
    SelectChoice("0", "None"),
    SelectChoice("0.5", "Up to half a point"),
    SelectChoice("1", "Up to 1 point"),
    SelectChoice("1.5", "Up to 1.5 points"),
    SelectChoice("2", "Up to 2 points"),
    SelectChoice("3", "Up to 3 points"),
]
TERM_CHOICES = [SelectChoice(30, "30 years"), SelectChoice(20, "20 years"), SelectChoice(15, "15 years")]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _has_text(field: DecimalField) -> bool:
    return bool(field.raw_data and str(field.raw_data[0]).strip())


def _band_label(band: str) -> str:
    low, high = band.split("-")
    if high == "850":
        return f"{low} or higher"
    if low == "300":
        return f"Below {int(high) + 1}"
    return f"{low} to {high}"


class MortgageProfileForm(ZipAndState, FlaskForm):
    sections = (
        ("The home", ("state", "zip_code", "property_value", "down_payment", "loan_amount", "occupancy")),
        ("You", ("credit_score_band", "years_expected", "max_monthly_payment")),
        ("The loan you want", ("loan_type", "term_years", "rate_type", "max_points")),
        ("What matters most to you", ("preset",)),
    )

    state = SelectField(
        "State",
        choices=[SelectChoice("", "Choose a state")] + [SelectChoice(code) for code in US_STATES],
        description="Or leave it and we fill it in from the ZIP code.",
        validators=[InputRequired(REQUIRED["state"])],
    )
    zip_code = StringField(
        "ZIP code of the home",
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED["zip_code"]),
            Regexp(r"^[0-9]{5}$", message=MALFORMED["zip_code"]),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5},
    )
    property_value = DecimalField(
        "Price of the home (USD)",
        places=2,
        description="What you are paying, or what the home is worth if you are refinancing.",
        validators=[
            InputRequired(REQUIRED["property_value"]),
            NumberRange(Decimal(30000), Decimal(20000000), OUT_OF_RANGE["property_value"]),
        ],
        render_kw={"inputmode": "decimal"},
    )
    down_payment = DecimalField(
        "Down payment (USD)",
        places=2,
        description="What you pay yourself. Or leave this empty and enter the loan amount instead.",
        validators=[Optional(), NumberRange(Decimal(0), None, OUT_OF_RANGE["down_payment"])],
        render_kw={"inputmode": "decimal"},
    )
    loan_amount = DecimalField(
        "Loan amount (USD)",
        places=2,
        description="Leave this empty to borrow the price minus your down payment.",
        validators=[Optional(), NumberRange(Decimal(0), None, OUT_OF_RANGE["loan_amount"])],
        render_kw={"inputmode": "decimal"},
    )
    occupancy = SelectField("The home will be", choices=OCCUPANCY_CHOICES, default="primary")
    credit_score_band = SelectField(
        "Your credit score",
        choices=[SelectChoice(band, _band_label(band)) for band in CREDIT_SCORE_BANDS],
        default="740-759",
        description="Roughly is fine: lenders price by band. We never check your credit.",
    )
    years_expected = IntegerField(
        "How many years you expect to keep the loan",
        default=7,
        description=(
            "Until you expect to sell or refinance. Points and fees are paid once, at the start, so the "
            "best offer for a few years is often not the one with the lowest rate."
        ),
        validators=[
            InputRequired(REQUIRED["years_expected"]),
            NumberRange(1, 30, OUT_OF_RANGE["years_expected"]),
        ],
    )
    max_monthly_payment = DecimalField(
        "The most you want to pay a month (optional)",
        places=2,
        description="Principal and interest. Offers whose monthly payment is higher are not ranked.",
        validators=[
            Optional(),
            NumberRange(Decimal(100), Decimal(100000), OUT_OF_RANGE["max_monthly_payment"]),
        ],
        render_kw={"inputmode": "decimal"},
    )
    loan_type = SelectField(
        "Type of loan",
        choices=LOAN_TYPE_CHOICES,
        default="conventional",
        description=(
            "FHA loans are insured by the government and need a smaller down payment; VA loans are for "
            "service members, veterans and their families; jumbo loans are larger than the conforming "
            "loan limit. Offers of another type are not ranked against yours."
        ),
    )
    term_years = SelectField("Term", choices=TERM_CHOICES, default=30, coerce=int)
    rate_type = SelectField(
        "Fixed or adjustable rate",
        choices=RATE_TYPE_CHOICES,
        default="fixed",
        description=(
            "An adjustable rate starts lower and then follows an index, within limits (caps). We assume "
            "the index stays where it is today, as the law's APR does, and show how high the caps let it go."
        ),
    )
    max_points = SelectField(
        "Points you are willing to pay",
        choices=MAX_POINTS_CHOICES,
        default="1",
        description=(
            "A point is 1% of the loan, paid at closing to lower the rate. Offers with more points than "
            "you choose are not ranked."
        ),
    )
    preset = SelectField("What matters most to you", choices=PRESET_CHOICES, default="balanced")

    def validate_down_payment(self, field: DecimalField) -> None:
        price = self.property_value.data
        if field.data is not None and price is not None:
            refuse(down_payment_problem(field.data, price))

    def validate_loan_amount(self, field: DecimalField) -> None:
        price = self.property_value.data
        if field.data is not None and price is not None:
            refuse(loan_amount_problem(field.data, self.down_payment.data, price))

    def validate_occupancy(self, field: SelectField) -> None:
        refuse(occupancy_problem(self.loan_type.data, field.data))

    def validate_years_expected(self, field: IntegerField) -> None:
        term = self.term_years.data
        if field.data is not None and isinstance(term, int):
            refuse(years_expected_problem(field.data, term))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not (_has_text(self.down_payment) or _has_text(self.loan_amount)):
            # Both fields are optional one at a time, so their own validators stop at "empty".
            self.down_payment.errors = [*self.down_payment.errors, NO_AMOUNT]
            valid = False
        return valid and self._check_loan_size()

    def _check_loan_size(self) -> bool:
        """Rules on the loan that results from price and down payment, once each field is valid."""
        problem = loan_size_problem(self.property_value.data, self.computed_loan_amount(), self.loan_type.data)
        if problem is None:
            return True
        field = self.down_payment if self.down_payment.data is not None else self.loan_amount
        field.errors = [*field.errors, problem]
        return False

    def computed_loan_amount(self) -> Decimal:
        return computed_loan_amount(self.property_value.data, self.down_payment.data, self.loan_amount.data)

    def to_profile(self) -> dict[str, Any]:
        loan = self.computed_loan_amount()
        price = self.property_value.data.quantize(CENT)
        ceiling = self.max_monthly_payment.data
        return {
            "state": self.state.data,
            "zip_code": self.zip_code.data,
            "property_value": str(price),
            "down_payment": str(price - loan),
            "loan_amount": str(loan),
            "credit_score_band": self.credit_score_band.data,
            "loan_type": self.loan_type.data,
            "term_years": self.term_years.data,
            "rate_type": self.rate_type.data,
            "max_points": self.max_points.data,
            "occupancy": self.occupancy.data,
            "years_expected": self.years_expected.data,
            "max_monthly_payment": None if ceiling is None else str(ceiling.quantize(CENT)),
        }
