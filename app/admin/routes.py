"""The admin area: users and roles, provider settings. Every change is a log entry with the state
before and after, written in the same transaction as the change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.actors import Actor
from app.admin.forms import ConfirmForm, NewUserForm, ProviderForm, ResetPasswordForm, RolesForm
from app.admin.service import ADMIN_CHANNEL, ProviderSettings, reset_provider, settings_of, update_provider
from app.auth.access import roles_required
from app.auth.models import ADMIN, ROLE_LABELS, User
from app.auth.passwords import WeakPassword
from app.auth.service import (
    AccountError,
    change_roles,
    create_user,
    disable_user,
    enable_user,
    reset_password,
    unlock_user,
)
from app.comparison.api import provider_health
from app.db import db, utcnow
from app.provider_registry import ProviderSetting, current_registry, file_registry
from app.web.actor import request_actor
from app.web.recorded import recorded

# Health figures cover the last week of logged comparisons: long enough to be steady, short
# enough that a provider which has been fixed soon looks healthy again.
HEALTH_WINDOW = timedelta(days=7)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _actor() -> Actor:
    return request_actor("admin")


def _not_saved(back: str) -> Callable[[], Any]:
    """The admin's answer when the change's log entry could not be written: nothing was changed."""
    return lambda: (render_template("admin/not_saved.html", back=back), 503)


def _saved(back: str) -> Any:
    """A change and its log entry, committed together or not at all (app.web.recorded)."""
    return recorded("An admin change", _not_saved(back), outcome="nothing was changed")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
@roles_required(ADMIN)
def index() -> Any:
    users = db.session.scalar(select(func.count()).select_from(User)) or 0
    registry = current_registry(fresh=True)
    return render_template("admin/index.html", users=users, providers=len(registry.configs),
                           enabled=sum(1 for config in registry.configs if config.enabled))


@bp.get("/users")
@roles_required(ADMIN)
def users() -> Any:
    return render_template("admin/users.html", users=db.session.scalars(select(User).order_by(User.username)).all(),
                           labels=ROLE_LABELS, now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_user() -> Any:
    form = NewUserForm()
    if not form.is_submitted():
        return render_template("admin/user_new.html", form=form)
    if not form.validate():
        return render_template("admin/user_new.html", form=form), 400
    try:
        with _saved(url_for("admin.new_user")):
            user = create_user(db.session, form.username.data, form.password.data, form.roles.data or [],
                               actor=_actor(), channel=ADMIN_CHANNEL)
    except WeakPassword as weak:
        form.password.errors = [str(weak)]
        return render_template("admin/user_new.html", form=form), 400
    except AccountError as refused:
        form.username.errors = [str(refused)]
        return render_template("admin/user_new.html", form=form), 409 if "already" in str(refused) else 400
    flash(f"Created {user.username}.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


def _user_page(user: User, *, problem: str | None = None, status: int = 200,
               roles_form: RolesForm | None = None, password_form: ResetPasswordForm | None = None) -> Any:
    if roles_form is None:
        roles_form = RolesForm(formdata=None, data={"roles": sorted(user.roles)})
    return render_template(
        "admin/user.html", user=user, problem=problem, roles_form=roles_form,
        password_form=password_form or ResetPasswordForm(formdata=None), confirm=ConfirmForm(),
        labels=ROLE_LABELS, is_me=user.id == _me().id, now=utcnow(),
    ), status


@bp.get("/users/<int:user_id>")
@roles_required(ADMIN)
def user(user_id: int) -> Any:
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/roles")
@roles_required(ADMIN)
def user_roles(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = RolesForm()
    if not form.validate():
        return _user_page(user, roles_form=form, status=400)
    roles = set(form.roles.data or [])
    if user.id == _me().id and ADMIN not in roles:
        return _user_page(user, roles_form=form, status=409,
                          problem="You cannot take away your own admin role; another administrator must do it.")
    try:
        with _saved(url_for("admin.user", user_id=user_id)):
            changed = change_roles(db.session, user, roles, actor=_actor(), channel=ADMIN_CHANNEL)
    except AccountError as refused:
        return _user_page(user, roles_form=form, problem=str(refused), status=409)
    flash("Roles saved." if changed else "Nothing changed: the user already had those roles.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/disable")
@roles_required(ADMIN)
def disable(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate():
        return _user_page(user, status=400, problem="Reload the page and try again.")
    if user.id == _me().id:
        return _user_page(user, status=409, problem="You cannot disable your own account; another administrator must do it.")
    try:
        with _saved(url_for("admin.user", user_id=user_id)):
            changed = disable_user(db.session, user, actor=_actor(), channel=ADMIN_CHANNEL)
    except AccountError as refused:
        return _user_page(user, problem=str(refused), status=409)
    flash(f"Disabled {user.username}; their sessions have ended." if changed else "The user was already disabled.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/enable")
@roles_required(ADMIN)
def enable(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate():
        return _user_page(user, status=400, problem="Reload the page and try again.")
    with _saved(url_for("admin.user", user_id=user_id)):
        changed = enable_user(db.session, user, actor=_actor(), channel=ADMIN_CHANNEL)
    flash(f"Enabled {user.username}." if changed else "The user was already enabled.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/unlock")
@roles_required(ADMIN)
def unlock(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate():
        return _user_page(user, status=400, problem="Reload the page and try again.")
    with _saved(url_for("admin.user", user_id=user_id)):
        changed = unlock_user(db.session, user, actor=_actor(), channel=ADMIN_CHANNEL)
    flash(f"Unlocked {user.username}." if changed else "The user was not locked.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/password")
@roles_required(ADMIN)
def password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate():
        return _user_page(user, password_form=form, status=400)
    try:
        with _saved(url_for("admin.user", user_id=user_id)):
            reset_password(db.session, user, form.new_password.data, actor=_actor(), channel=ADMIN_CHANNEL)
    except WeakPassword as weak:
        form.new_password.errors = [str(weak)]
        return _user_page(user, password_form=form, status=400)
    flash(f"New password set for {user.username}; their sessions have ended.", "info")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.get("/providers")
@roles_required(ADMIN)
def providers() -> Any:
    overridden = set(db.session.scalars(select(ProviderSetting.key)))
    registry = current_registry(fresh=True)
    since = utcnow() - HEALTH_WINDOW
    health = {item.provider: item for item in provider_health(db.session, since=since)}
    return render_template("admin/providers.html", configs=registry.configs, overridden=overridden,
                           load_errors=registry.load_errors, health=health, health_window=HEALTH_WINDOW)


def _configs_or_404(key: str):  # type: ignore[no-untyped-def]
    file_config = next((config for config in file_registry().configs if config.key == key), None)
    current = next((config for config in current_registry(fresh=True).configs if config.key == key), None)
    if file_config is None or current is None:
        abort(404)
    return file_config, current


@bp.route("/providers/<key>", methods=["GET", "POST"])
@roles_required(ADMIN)
def provider(key: str) -> Any:
    file_config, current = _configs_or_404(key)
    setting = db.session.get(ProviderSetting, key)
    form = ProviderForm()
    page = {"file_config": file_config, "current": current, "setting": setting, "reset_form": ConfirmForm(formdata=None)}
    if not form.is_submitted():
        settings = settings_of(current)
        form = ProviderForm(formdata=None, data={"enabled": "yes" if settings.enabled else "no",
                                                  "timeout_s": settings.timeout_s, "commission": settings.commission})
        return render_template("admin/provider.html", form=form, **page)
    if not form.validate():
        return render_template("admin/provider.html", form=form, **page), 400
    wanted = ProviderSettings(enabled=form.enabled.data == "yes", timeout_s=form.timeout_s.data.quantize(Decimal("0.01")),
                              commission=form.commission.data or "")
    try:
        with _saved(url_for("admin.provider", key=key)):
            changed = update_provider(db.session, file_config, current, wanted, actor=_actor(), admin_id=_me().id)
    except AccountError as refused:
        return render_template("admin/provider.html", form=form, problem=str(refused), **page), 400
    flash(f"Saved {file_config.name}. The next comparison uses it." if changed else "Nothing changed.", "info")
    return redirect(url_for("admin.provider", key=key), code=303)


@bp.post("/providers/<key>/reset")
@roles_required(ADMIN)
def provider_reset(key: str) -> Any:
    file_config, current = _configs_or_404(key)
    if not ConfirmForm().validate():
        abort(400)
    with _saved(url_for("admin.provider", key=key)):
        changed = reset_provider(db.session, file_config, current, actor=_actor())
    flash(f"{file_config.name} uses the providers file's settings again." if changed else "Nothing to reset.", "info")
    return redirect(url_for("admin.provider", key=key), code=303)
