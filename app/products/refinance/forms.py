"""The refinance profile form: the home, the loan the homeowner has now, how long they will stay and
the loan they would move to — every field checked with a message that says what to do next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from app.money import CENT
from app.products.form_checks import refuse
from app.products.mortgage.forms import (
    LOAN_TYPE_CHOICES,
    MAX_POINTS_CHOICES,
    OCCUPANCY_CHOICES,
    RATE_TYPE_CHOICES,
    TERM_CHOICES,
    _band_label,
)
from app.products.mortgage.rules import occupancy_problem
from app.products.mortgage.schemas import CREDIT_SCORE_BANDS
from app.products.refinance import rules
from app.products.refinance.rules import MALFORMED, OUT_OF_RANGE, REQUIRED
from app.products.zip_codes import ZipAndState
from providers.us_states import US_STATES

PRESET_CHOICES = [
    SelectChoice("balanced", "Balanced: what you save while you stay, then the rest"),
    SelectChoice("biggest_saving", "Biggest saving while you stay"),
    SelectChoice("lowest_payment", "Lowest monthly payment"),
]
_MONEY_INPUT = {"inputmode": "decimal"}
# Answers that go into the profile as they are chosen.
_CHOSEN = ("credit_score_band", "loan_type", "term_years", "rate_type", "max_points", "occupancy", "years_expected")


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RefinanceProfileForm(ZipAndState, FlaskForm):
    sections = (
        ("Your home", ("state", "zip_code", "property_value", "occupancy")),
        ("The loan you have now", ("current_balance", "current_rate", "remaining_months", "current_payment")),
        ("You", ("credit_score_band", "years_expected")),
        ("The new loan", ("loan_type", "term_years", "rate_type", "max_points", "cash_out")),
        ("What matters most to you", ("preset",)),
    )

    state = SelectField("State", choices=[SelectChoice("", "Choose a state")] + [SelectChoice(c) for c in US_STATES],
                        description="Or leave it and we fill it in from the ZIP code.",
                        validators=[InputRequired(REQUIRED["state"])])
    zip_code = StringField("ZIP code of the home", filters=[_trimmed],
                           validators=[DataRequired(REQUIRED["zip_code"]), Regexp(r"^[0-9]{5}$", message=MALFORMED["zip_code"])],
                           render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5})
    property_value = DecimalField("What the home is worth (USD)", places=2,
                                  description="Your best estimate; the lender's appraisal will say.",
                                  validators=[InputRequired(REQUIRED["property_value"]),
                                              NumberRange(rules.MIN_VALUE, rules.MAX_VALUE, OUT_OF_RANGE["property_value"])],
                                  render_kw=_MONEY_INPUT)
    occupancy = SelectField("The home is", choices=OCCUPANCY_CHOICES, default="primary")
    current_balance = DecimalField("What you still owe (USD)", places=2,
                                   description="Your loan statement shows the principal balance.",
                                   validators=[InputRequired(REQUIRED["current_balance"]),
                                               NumberRange(rules.MIN_BALANCE, rules.MAX_LOAN, OUT_OF_RANGE["current_balance"])],
                                   render_kw=_MONEY_INPUT)
    current_rate = DecimalField("Its interest rate (% a year)", places=3,
                                description="The note rate on your statement, not the APR.",
                                validators=[InputRequired(REQUIRED["current_rate"]),
                                            NumberRange(rules.LOWEST_RATE, rules.HIGHEST_RATE, OUT_OF_RANGE["current_rate"])],
                                render_kw=_MONEY_INPUT)
    remaining_months = IntegerField("Monthly payments left", description="For example 336 for 28 years.",
                                    validators=[InputRequired(REQUIRED["remaining_months"]),
                                                NumberRange(1, rules.MAX_REMAINING_MONTHS, OUT_OF_RANGE["remaining_months"])],
                                    render_kw={"inputmode": "numeric"})
    current_payment = DecimalField("Its monthly payment, if you know it (USD)", places=2,
                                   description=("Principal and interest only, without taxes or insurance. Leave it "
                                                "empty and we work it out from the balance, rate and payments left."),
                                   validators=[Optional(), NumberRange(Decimal(1), rules.MAX_LOAN, OUT_OF_RANGE["current_payment"])],
                                   render_kw=_MONEY_INPUT)
    credit_score_band = SelectField("Your credit score", default="740-759",
                                    choices=[SelectChoice(band, _band_label(band)) for band in CREDIT_SCORE_BANDS],
                                    description="Roughly is fine: lenders price by band. We never check your credit.")
    years_expected = IntegerField("How many years you expect to stay", default=5,
                                  description=("Points, fees and closing costs are paid once, at the start; a refinance "
                                               "pays only if you stay long enough for the lower interest to cover them."),
                                  validators=[InputRequired(REQUIRED["years_expected"]),
                                              NumberRange(1, 30, OUT_OF_RANGE["years_expected"])])
    loan_type = SelectField("Type of new loan", choices=LOAN_TYPE_CHOICES, default="conventional")
    term_years = SelectField("New loan's term", choices=TERM_CHOICES, default=30, coerce=int)
    rate_type = SelectField("Fixed or adjustable rate", choices=RATE_TYPE_CHOICES, default="fixed")
    max_points = SelectField("Points you are willing to pay", choices=MAX_POINTS_CHOICES, default="1",
                             description="A point is 1% of the new loan, paid at closing to lower the rate.")
    cash_out = DecimalField("Cash to take out (USD)", places=2, default=Decimal(0),
                            description="0 to refinance only what you owe. Cash out is added to the new loan.",
                            validators=[InputRequired(OUT_OF_RANGE["cash_out"]),
                                        NumberRange(Decimal(0), rules.MAX_LOAN, OUT_OF_RANGE["cash_out"])],
                            render_kw=_MONEY_INPUT)
    preset = SelectField("What matters most to you", choices=PRESET_CHOICES, default="balanced")

    def validate_occupancy(self, field: SelectField) -> None:
        refuse(occupancy_problem(self.loan_type.data, field.data))

    def validate_cash_out(self, field: DecimalField) -> None:
        if None not in (field.data, self.current_balance.data, self.property_value.data):
            refuse(rules.loan_problem(self.current_balance.data, field.data, self.property_value.data))

    def validate_current_payment(self, field: DecimalField) -> None:
        if None not in (field.data, self.current_balance.data, self.current_rate.data):
            refuse(rules.payment_problem(field.data, self.current_balance.data, self.current_rate.data))

    def to_profile(self) -> dict[str, Any]:
        balance: Decimal = self.current_balance.data.quantize(CENT)
        cash_out: Decimal = self.cash_out.data.quantize(CENT)
        payment = self.current_payment.data
        return {
            "state": self.state.data,
            "zip_code": self.zip_code.data,
            "property_value": str(self.property_value.data.quantize(CENT)),
            "current_balance": str(balance),
            "current_rate": f"{self.current_rate.data:.3f}",
            "remaining_months": self.remaining_months.data,
            "current_payment": None if payment is None else str(payment.quantize(CENT)),
            "cash_out": str(cash_out),
            "loan_amount": str(rules.new_loan_amount(balance, cash_out)),
            **{name: self[name].data for name in _CHOSEN},
        }
