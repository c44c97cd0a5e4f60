"""Signing in and out, and the page that shows a member of staff where they can go."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from app.actors import Actor
from app.auth import safe_next, session_fields
from app.auth.access import public, signed_in
from app.auth.areas import areas_for
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.models import User
from app.auth.passwords import WeakPassword, verify_password
from app.auth.service import CONSOLE_CHANNEL, LoginRefused, authenticate, log_logout, reset_password
from app.db import db
from app.security import rate_limited

bp = Blueprint("auth", __name__)

REFUSAL_STATUS = {"throttled": 429, "disabled": 403}


def _home(user: User) -> str:
    areas = areas_for(user)
    return areas[0][1] if len(areas) == 1 else url_for("auth.account")


@bp.route("/login", methods=["GET", "POST"])
@public
@rate_limited("CANDOR_LOGIN_RATE_LIMIT", methods=("POST",))
def login() -> Any:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and not form.is_submitted():
        return redirect(next_url or _home(current_user))
    if not form.is_submitted():
        return render_template("auth/login.html", form=form, next_url=next_url)
    if not form.validate():
        return render_template("auth/login.html", form=form, next_url=next_url), 400
    try:
        user = authenticate(db.session, form.username.data, form.password.data, address=request.remote_addr)
        db.session.commit()
    except LoginRefused as refused:
        db.session.commit()  # the failed attempt is recorded
        status = REFUSAL_STATUS.get(refused.reason, 401)
        response = current_app.make_response(
            (render_template("auth/login.html", form=form, next_url=next_url, refusal=refused.message), status))
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except SQLAlchemyError as error:
        db.session.rollback()
        # Only the error's kind: its text would carry the statement's parameters, the name typed among them.
        current_app.logger.error("A sign-in could not be recorded (%s); it was refused.", type(error).__name__)
        return render_template("auth/login.html", form=form, next_url=next_url,
                               refusal="We could not sign you in just now. Please try again in a moment."), 503
    # A fresh session on sign-in, so nothing planted in the cookie before carries over.
    session.clear()
    login_user(user)
    session.update(session_fields(user))
    return redirect(next_url or _home(user), code=303)


@bp.post("/logout")
@signed_in
def logout() -> Any:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    try:
        log_logout(db.session, user)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("A sign-out could not be recorded; the session was ended anyway.")
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/account")
@signed_in
def account() -> Any:
    return render_template("auth/account.html", areas=areas_for(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> Any:
    form = ChangePasswordForm()
    if not form.is_submitted():
        return render_template("auth/password.html", form=form)
    if not form.validate():
        return render_template("auth/password.html", form=form), 400
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    if not verify_password(user.password_hash, form.current_password.data):
        form.current_password.errors = ["That is not your current password."]
        return render_template("auth/password.html", form=form), 400
    try:
        reset_password(db.session, user, form.new_password.data, actor=Actor("user", str(user.id)),
                       channel=CONSOLE_CHANNEL)
    except WeakPassword as weak:
        db.session.rollback()
        form.new_password.errors = [str(weak)]
        return render_template("auth/password.html", form=form), 400
    db.session.commit()
    # The new password ended every session, this one too; start this one again.
    session.clear()
    login_user(user)
    session.update(session_fields(user))
    flash("Your password is changed. Any other sessions you had open have ended.", "info")
    return redirect(url_for("auth.account"), code=303)
