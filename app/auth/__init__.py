"""Staff accounts: Flask-Login bound to the app, sessions that end when they should, and the pages
shown when access is refused."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, logout_user

from app.auth import passwords
from app.auth.access import problem
from app.auth.areas import current_staff_areas
from app.auth.models import User
from app.db import db

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# Writing the session on every request would re-send the cookie every time; a minute is
# precise enough for an idle timeout counted in minutes.
LAST_SEEN_RESOLUTION_S = 60

login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session holds "<user id>:<session version>"; a disabled user, or one whose version has
    moved on (disabled, password reset), is not signed in any more."""
    try:
        raw_id, raw_version = session_id.split(":")
        user_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    if request.path.startswith("/api/"):
        return problem(401, "Sign in with an API token", "Send an API token as 'Authorization: Bearer <token>'.",
                       {"WWW-Authenticate": 'Bearer realm="candor"'})
    if not session.get("_flashes"):
        flash("Please sign in to see that page.", "info")
    return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, a scheme, or the sign-in pages themselves.
    Anything but printable ASCII is percent-encoded first: a newline would break the redirect's
    header, and browsers drop tabs and newlines, which would turn "/<tab>/evil.example" into "//evil.example"."""
    if target:
        target = "".join(character if "!" <= character <= "~" else quote(character)
                         for character in target)
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return None
    return target


def session_fields(user: User, now: float | None = None) -> dict[str, Any]:
    """What a signed-in session holds besides Flask-Login's keys."""
    moment = int(time.time() if now is None else now)
    return {SIGNED_IN_AT: moment, LAST_SEEN: moment}


def _enforce_session_limits(app: Flask) -> None:
    if "_user_id" not in session:
        return
    now = int(time.time())
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    idle_s = app.config["CANDOR_SESSION_IDLE_MINUTES"] * 60
    max_s = app.config["CANDOR_SESSION_MAX_HOURS"] * 3600
    if not isinstance(signed_in_at, int) or not isinstance(last_seen, int):
        expired = True
    else:
        expired = now - last_seen > idle_s or now - signed_in_at > max_s
    if expired:
        logout_user()
        session.clear()
        flash("Your session ended because it was idle or open too long. Please sign in again.", "info")
        return
    if now - last_seen >= LAST_SEEN_RESOLUTION_S:
        session[LAST_SEEN] = now


def _forbidden(error: Exception) -> Any:
    if request.path.startswith("/api/"):
        return problem(403, "Not allowed", "Your credentials do not allow this.")
    roles = g.get("required_roles")
    return render_template("auth/forbidden.html", required_roles=roles), 403


def _unauthorised(error: Exception) -> Any:
    return unauthorized()


def init_app(app: Flask) -> None:
    passwords.init_app(app)
    login_manager.init_app(app)
    app.jinja_env.globals["staff_areas"] = current_staff_areas
    app.before_request(lambda: _enforce_session_limits(app))
    app.register_error_handler(401, _unauthorised)
    app.register_error_handler(403, _forbidden)
