"""Forms of the admin area."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from app.auth.forms import NewPasswordMixin
from app.auth.models import ROLE_LABELS, ROLES
from app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from app.provider_registry import COMMISSION_MAX_LENGTH, TIMEOUT_MAX_S


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _roles_field() -> CheckboxesField:
    return CheckboxesField("Roles", choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
                           description="Advisors take calls; compliance reviews the log; admins manage users and providers.")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class NewUserForm(FlaskForm):
    username = StringField(
        "Username or e-mail",
        filters=[_strip],
        validators=[DataRequired("Enter a username or e-mail address."), Length(max=254, message="That is too long.")],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    roles = _roles_field()
    password = PasswordField(
        "First password",
        description=f"At least {MIN_LENGTH} characters. Give it to the person privately; they can change it under “Your account”.",
        validators=[DataRequired("Enter a first password."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "First password again",
        validators=[DataRequired("Enter the password again."), EqualTo("password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )


class RolesForm(FlaskForm):
    roles = _roles_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ProviderForm(FlaskForm):
    enabled = SelectField("Asked for quotes?", choices=[SelectChoice("yes", "Yes: ask this provider"), SelectChoice("no", "No: leave it out")],
                          validators=[InputRequired("Say whether this provider is asked.")])
    timeout_s = DecimalField(
        "Timeout (seconds)",
        places=2,
        description="How long we wait for this provider's answer; the whole comparison still ends at its deadline.",
        validators=[InputRequired("Enter a timeout in seconds, for example 3."),
                    NumberRange(Decimal("0.1"), TIMEOUT_MAX_S, f"The timeout must be between 0.1 and {TIMEOUT_MAX_S} seconds.")],
        render_kw={"inputmode": "decimal"},
    )
    commission = TextAreaField(
        "What this provider pays us",
        filters=[_strip],
        description="Shown to customers and read out by advisors, word for word. Leave empty if it pays nothing.",
        validators=[Length(max=COMMISSION_MAX_LENGTH, message=f"Keep it under {COMMISSION_MAX_LENGTH} characters.")],
        render_kw={"rows": 2},
    )
