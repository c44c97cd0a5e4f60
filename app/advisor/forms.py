"""The outcome of a call and the lookup by reference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.advisor.service import DECLINED, NOTE_MAX_LENGTH, keeps_what_they_have, needs_reason, offer_value
from app.audit.override_reasons import REASON_CODES


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class OutcomeForm(FlaskForm):
    shown_index = IntegerField(widget=HiddenField.widget, validators=[InputRequired("Reload the page and try again.")])
    choice = RadioField("What did the caller choose?", choices=[],
                        validators=[InputRequired("Choose the offer the caller took, or “declined all”.")])
    reason = SelectField("Reason, when not the top pick", default="",
                         choices=[SelectChoice("", "Choose a reason")] + [SelectChoice(code, label) for code, label in REASON_CODES])
    note = TextAreaField(
        "Note",
        filters=[_strip],
        description="Needed when the caller did not take the top pick. Do not write the caller’s name or contact details.",
        validators=[Length(max=NOTE_MAX_LENGTH, message=f"Keep the note under {NOTE_MAX_LENGTH} characters.")],
        render_kw={"rows": 3},
    )

    def __init__(self, result: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result = result
        keeps = keeps_what_they_have(result)
        self.choice.choices = [
            SelectChoice(offer_value(offer), f"{offer['rank']}. {offer['provider_name']}"
                                             + (" (our offer)" if offer["house"] else "")
                                             + (" — top pick" if offer["rank"] == 1 and not keeps else ""))
            for offer in result["ranking"]
        ] + [SelectChoice(DECLINED, f"Declined all offers{' — kept what they have, the top pick' if keeps else ''}")]
        if self.shown_index.data is None:
            self.shown_index.data = result["index"]

    def validate_reason(self, field: SelectField) -> None:
        if self.choice.data and needs_reason(self.result, self.choice.data) and not field.data:
            raise ValidationError("The caller did not take the top pick: choose the reason.")

    def validate_note(self, field: TextAreaField) -> None:
        if self.choice.data and needs_reason(self.result, self.choice.data) and not field.data:
            raise ValidationError("The caller did not take the top pick: write a short note on why.")


class LookupForm(FlaskForm):
    """Posted, not sent in the address: what an advisor types might be anything, even a name."""

    reference = StringField(
        "Reference",
        filters=[_strip],
        validators=[InputRequired("Enter a reference, for example CND-7K2M-Q9XA."),
                    Length(max=40, message="A reference looks like CND-7K2M-Q9XA.")],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
                   "placeholder": "CND-…"},
    )
