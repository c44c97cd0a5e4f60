"""The review form, made from the configured checklist, and the report's period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.quality.report import DAY_CHOICES, DEFAULT_DAYS
from app.quality.review import ANSWERS, COMMENT_MAX, OUTCOME_LABELS
from app.quality.settings import Question

QUESTION_PREFIX = "q_"


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def review_form(checklist: Sequence[Question], **kwargs: Any) -> FlaskForm:
    """A form with one yes / no / does-not-apply question per checklist item, then the outcome and a comment."""
    fields: dict[str, Any] = {
        QUESTION_PREFIX + question.key: RadioField(question.text, choices=_choices(ANSWERS.items()),
                                                   validators=[InputRequired("Answer this question.")])
        for question in checklist}
    fields["outcome"] = RadioField("Outcome", choices=_choices(OUTCOME_LABELS.items()),
                                   validators=[InputRequired("Choose pass, fail or needs coaching.")])
    fields["comment"] = TextAreaField("Comment for coaching (optional)", validators=[
        Optional(), Length(max=COMMENT_MAX, message=f"Keep the comment to {COMMENT_MAX:,} characters.")])
    return type("ReviewForm", (FlaskForm,), fields)(**kwargs)  # type: ignore[no-any-return]


def answers_of(form: FlaskForm, checklist: Sequence[Question]) -> dict[str, str]:
    return {question.key: form[QUESTION_PREFIX + question.key].data for question in checklist}


class QueueForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Show", default="awaiting", choices=_choices(
        [("awaiting", "Awaiting review"), ("reviewed", "Reviewed"), ("all", "All drawn calls")]))


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    days = SelectField("Period", coerce=int, default=DEFAULT_DAYS,
                       choices=_choices((days, f"Last {days} days") for days in DAY_CHOICES))
