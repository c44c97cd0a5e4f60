"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField(
        "Username or e-mail",
        filters=[_strip],
        validators=[DataRequired("Enter your username or e-mail address."), Length(max=254, message="That is too long for a username.")],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH, message="That is too long for a password.")],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordMixin:
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_LENGTH} characters. A few unrelated words make a good one.",
        validators=[DataRequired("Enter the new password."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired("Enter the new password again."),
                    EqualTo("new_password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
