"""The savings profile form: how much, for how long, where, and what the saver will do to waive a fee —
every field checked with a message that says what to do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Regexp

from app.money import CENT
from app.products.zip_codes import ZipAndState
from candor_savings.profile_schema import ANY_TIME, HORIZONS_MONTHS
from candor_savings.rules import MALFORMED, MAX_DEPOSIT, MIN_DEPOSIT, OUT_OF_RANGE, REQUIRED
from providers.us_states import US_STATES

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
HORIZON_CHOICES = [SelectChoice(ANY_TIME, "I need to be able to take it out at any time")] + [
    SelectChoice(str(months), f"{months} months" if months < 24 or months % 12 else f"{months // 12} years")
    for months in HORIZONS_MONTHS
]
PRESET_CHOICES = [
    SelectChoice("balanced", "Balanced: what you earn first, access and service count too"),
    SelectChoice("most_interest", "Most interest"),
    SelectChoice("easy_access", "Easy access"),
]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def horizon_from_choice(choice: str) -> int | None:
    return None if choice == ANY_TIME else int(choice)


class SavingsProfileForm(ZipAndState, FlaskForm):
    sections = (
        ("Your money", ("deposit", "horizon_months")),
        ("Where you live", ("state", "zip_code")),
        ("The account you want", ("insured_only", "keeps_minimum_balance", "direct_deposit")),
        ("What matters most to you", ("preset",)),
    )

    deposit = DecimalField(
        "How much you want to deposit (USD)",
        places=2,
        description="We compare what each account earns on this amount.",
        validators=[InputRequired(REQUIRED["deposit"]), NumberRange(MIN_DEPOSIT, MAX_DEPOSIT, OUT_OF_RANGE["deposit"])],
        render_kw={"inputmode": "decimal"},
    )
    horizon_months = SelectField(
        "How long you can leave the money",
        choices=HORIZON_CHOICES,
        default=ANY_TIME,
        description=("A CD pays more for leaving the money for its whole term, and charges a penalty when you take "
                     "it out early. We count that penalty when you need the money before the term ends."),
    )
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Choose a state")] + [SelectChoice(code) for code in US_STATES],
        description="Or leave it and we fill it in from the ZIP code.",
        validators=[InputRequired(REQUIRED["state"])],
    )
    zip_code = StringField(
        "ZIP code",
        filters=[_strip],
        validators=[DataRequired(REQUIRED["zip_code"]), Regexp(r"^[0-9]{5}$", message=MALFORMED["zip_code"])],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5},
    )
    insured_only = SelectField(
        "Only banks and credit unions insured by the FDIC or NCUA?",
        choices=YES_NO,
        default="yes",
        description="Insured deposits are protected up to $250,000 per depositor if the institution fails.",
    )
    keeps_minimum_balance = SelectField(
        "Will you keep the account's minimum balance?",
        choices=YES_NO,
        default="yes",
        description="Many accounts waive their monthly fee when the balance stays above a minimum.",
    )
    direct_deposit = SelectField(
        "Will you set up a direct deposit into it?",
        choices=YES_NO,
        default="no",
        description="Some accounts waive their fee, or pay more, with a direct deposit such as your pay.",
    )
    preset = SelectField("What matters most to you", choices=PRESET_CHOICES, default="balanced")

    def to_profile(self) -> dict[str, Any]:
        deposit: Decimal = self.deposit.data
        return {
            "state": self.state.data,
            "zip_code": self.zip_code.data,
            "deposit": str(deposit.quantize(CENT)),
            "horizon_months": horizon_from_choice(self.horizon_months.data),
            "insured_only": self.insured_only.data == "yes",
            "keeps_minimum_balance": self.keeps_minimum_balance.data == "yes",
            "direct_deposit": self.direct_deposit.data == "yes",
        }
