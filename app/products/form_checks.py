"""A line's rule (a plain function answering None or what is wrong) as a WTForms field check."""

from __future__ import annotations

from wtforms.validators import ValidationError


def refuse(problem: str | None) -> None:
    """Raises the form's ValidationError with the rule's words when the rule found a problem."""
    if problem is not None:
        raise ValidationError(problem)
