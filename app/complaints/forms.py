"""The complaint forms. Each validates itself, field by field, with a message that says what to do."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.complaints.events import CATEGORIES, OUTCOMES
from app.complaints.service import CONTACT_MAX, DESCRIPTION_MAX, NOTE_MAX, ComplaintError, parse_redress
from app.complaints.report import DEFAULT_MONTHS, MONTH_CHOICES


def choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class RaiseForm(FlaskForm):
    category = RadioField("What is the complaint about?", choices=choices(CATEGORIES.items()),
                          validators=[InputRequired("Choose what the complaint is about.")])
    description = TextAreaField("What went wrong", validators=[
        InputRequired("Write what went wrong."),
        Length(max=DESCRIPTION_MAX, message=f"Keep it to {DESCRIPTION_MAX:,} characters.")])
    contact = StringField("How we can reach you (optional)", validators=[
        Optional(), Length(max=CONTACT_MAX, message=f"Keep it to {CONTACT_MAX} characters.")])


class AssignForm(FlaskForm):
    owner = SelectField("Owner", coerce=int, validate_choice=False,
                        validators=[InputRequired("Choose who owns the complaint.")])

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = choices(staff)

    def validate_owner(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError("Choose a member of the compliance team.")


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[InputRequired("Write the note."),
                                             Length(max=NOTE_MAX, message=f"Keep it to {NOTE_MAX:,} characters.")])


class ResolveForm(FlaskForm):
    outcome = RadioField("Outcome", choices=choices(OUTCOMES.items()),
                         validators=[InputRequired("Choose whether the complaint is upheld.")])
    redress = StringField("Redress paid (USD, optional)")
    summary = TextAreaField("What was decided and why", validators=[
        InputRequired("Write what was decided and why."),
        Length(max=NOTE_MAX, message=f"Keep it to {NOTE_MAX:,} characters.")])

    def validate_redress(self, field: StringField) -> None:
        try:
            amount = parse_redress(field.data)
        except ComplaintError as refused:
            raise ValidationError(refused.message) from refused
        if amount is not None and self.outcome.data != "upheld":
            raise ValidationError("Redress is paid only on an upheld complaint: choose Upheld, or leave it empty.")


STATUS_CHOICES = [("open", "Open"), ("overdue", "Overdue"), ("resolved", "Resolved"), ("all", "All")]
OWNER_CHOICES = [("", "Anyone"), ("mine", "Mine"), ("unassigned", "Unassigned")]


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Show", choices=choices(STATUS_CHOICES), default="open")
    owner = SelectField("Owner", choices=choices(OWNER_CHOICES), default="")


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    months = SelectField("Months", coerce=int, default=DEFAULT_MONTHS,
                         choices=choices((months, f"Last {months} months") for months in MONTH_CHOICES))
    product = SelectField("Product line", default="")

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product.choices = choices([("", "All product lines"), *products])
