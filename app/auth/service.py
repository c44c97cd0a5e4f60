"""Signing in, and every change to accounts and tokens. Each function works in the caller's
session and writes its log entry there, so the change and its record commit together; the
caller commits. Log entries name users by id only: never a username, password or address."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.actors import Actor
from app.audit.entries import CONFIGURATION_CHANGE, LOGIN
from app.audit.log import append
from app.auth import throttle
from app.auth.access import token_digest
from app.auth.models import ADMIN, ROLES, TOKEN_SCOPES, ApiToken, User, UserRole, find_user, normalise_username
from app.auth.passwords import check_strength, hash_password, needs_rehash, spend_decoy_check, verify_password
from app.db import utcnow

LOGIN_FAILED = "login-failed"
LOGOUT = "logout"
CONSOLE_CHANNEL = "console"
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,253}$")
TOKEN_PREFIX = "cnd_"


class AccountError(ValueError):
    """A change to accounts that cannot be made, with a message saying why and what to do."""


class InvalidUsername(AccountError):
    pass


class UserExists(AccountError):
    pass


class LastAdmin(AccountError):
    pass


class LoginRefused(Exception):
    """A sign-in that was refused; `reason` is what the log records, `message` what the person reads."""

    def __init__(self, reason: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.retry_after = retry_after


def log_event(session: Session, kind: str, body: Mapping[str, Any], *, channel: str) -> None:
    append(session, body, kind=kind, channel=channel, created_at=utcnow())


def log_admin_change(session: Session, actor: Actor, action: str, target: Mapping[str, Any],
                     before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, channel: str) -> None:
    log_event(session, CONFIGURATION_CHANGE, {"action": action, "actor": actor.as_record(), "target": dict(target),
                                      "before": before, "after": after}, channel=channel)


def user_state(user: User) -> dict[str, Any]:
    """What the log records of an account: never its username or password."""
    return {"roles": sorted(user.roles), "active": user.active,
            "locked": user.locked_until is not None and user.locked_until > utcnow()}


def _target(user: User) -> dict[str, Any]:
    return {"type": "user", "id": user.id}


# Signing in ---------------------------------------------------------------------------------

def authenticate(session: Session, username: str, password: str, *, address: str | None) -> User:
    """The user, if the password is right and the account may sign in; otherwise LoginRefused.
    Either way the attempt is logged. A known name and an unknown one are refused alike (same
    reason to the person, same Argon2 work, same throttling by `address`, the client's)."""
    who = throttle.client(address, username)
    user = find_user(session, username)
    actor = {"type": "anonymous", "id": None} if user is None else {"type": "user", "id": str(user.id)}
    waiting = throttle.wait_seconds(who)
    if waiting:
        log_event(session, LOGIN_FAILED, {"actor": actor, "reason": "throttled"}, channel=CONSOLE_CHANNEL)
        raise LoginRefused("throttled", _throttled_message(waiting), retry_after=waiting)
    if user is None:
        spend_decoy_check(password)
    if user is None or not verify_password(user.password_hash, password):
        reason = "unknown-user" if user is None else "wrong-password"
        log_event(session, LOGIN_FAILED, {"actor": actor, "reason": reason}, channel=CONSOLE_CHANNEL)
        throttle.record_failure(who)
        raise LoginRefused(reason, "That username and password do not match. Check them and try again.")
    if not user.active:
        log_event(session, LOGIN_FAILED, {"actor": actor, "reason": "disabled"}, channel=CONSOLE_CHANNEL)
        raise LoginRefused("disabled", "This account has been disabled. Ask an administrator if you need it again.")
    throttle.record_success(who)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    log_event(session, LOGIN, {"actor": actor}, channel=CONSOLE_CHANNEL)
    return user


def _throttled_message(seconds: int) -> str:
    if seconds < 60:
        wait = f"{seconds} {'second' if seconds == 1 else 'seconds'}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} {'minute' if minutes == 1 else 'minutes'}"
    return (f"Too many sign-ins that did not match came from here. Wait {wait}, then try again; "
            "if you have forgotten your password, ask an administrator to set a new one.")


def log_logout(session: Session, user: User) -> None:
    log_event(session, LOGOUT, {"actor": {"type": "user", "id": str(user.id)}}, channel=CONSOLE_CHANNEL)


# Accounts -----------------------------------------------------------------------------------

def validate_username(username: str) -> str:
    normalised = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(normalised):
        raise InvalidUsername("Use 2 to 254 letters, digits and . _ @ + - (an e-mail address works), "
                              "starting with a letter or digit.")
    return normalised


def _check_roles(roles: Iterable[str]) -> set[str]:
    chosen = set(roles)
    unknown = chosen - set(ROLES)
    if unknown:
        raise AccountError(f"Unknown roles: {', '.join(sorted(unknown))}. Roles are {', '.join(ROLES)}.")
    return chosen


def create_user(session: Session, username: str, password: str, roles: Iterable[str], *,
                actor: Actor, channel: str) -> User:
    normalised = validate_username(username)
    chosen = _check_roles(roles)
    check_strength(password, username=normalised)
    if find_user(session, normalised) is not None:
        raise UserExists(f"There is already a user called {normalised}.")
    user = User(username=normalised, password_hash=hash_password(password), active=True,
                session_version=1, failed_logins=0)
    user.set_roles(chosen)
    session.add(user)
    session.flush()
    log_admin_change(session, actor, "user.create", _target(user), None, user_state(user), channel=channel)
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).join(UserRole).where(User.active.is_(True), UserRole.role == ADMIN)
    ) or 0


def _guard_last_admin(session: Session, user: User, *, losing_admin: bool) -> None:
    if losing_admin and user.active and user.has_role(ADMIN) and _active_admins(session) <= 1:
        raise LastAdmin("This is the only active administrator. Give another user the admin role first.")


def change_roles(session: Session, user: User, roles: Iterable[str], *, actor: Actor, channel: str) -> bool:
    chosen = _check_roles(roles)
    if chosen == user.roles:
        return False
    _guard_last_admin(session, user, losing_admin=ADMIN not in chosen)
    before = user_state(user)
    user.set_roles(chosen)
    session.flush()
    log_admin_change(session, actor, "user.roles", _target(user), before, user_state(user), channel=channel)
    return True


def disable_user(session: Session, user: User, *, actor: Actor, channel: str) -> bool:
    """Disabling also ends every session the user has open, on every instance."""
    if not user.active:
        return False
    _guard_last_admin(session, user, losing_admin=True)
    before = user_state(user)
    user.active = False
    user.session_version = User.session_version + 1
    session.flush()
    log_admin_change(session, actor, "user.disable", _target(user), before, user_state(user), channel=channel)
    return True


def enable_user(session: Session, user: User, *, actor: Actor, channel: str) -> bool:
    if user.active:
        return False
    before = user_state(user)
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    log_admin_change(session, actor, "user.enable", _target(user), before, user_state(user), channel=channel)
    return True


def reset_password(session: Session, user: User, password: str, *, actor: Actor, channel: str) -> None:
    """A new password ends the user's open sessions and lifts any lockout."""
    check_strength(password, username=user.username)
    before = {**user_state(user), "password": "unchanged"}
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version = User.session_version + 1
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    log_admin_change(session, actor, "user.password-reset", _target(user), before,
                     {**user_state(user), "password": "changed"}, channel=channel)


def unlock_user(session: Session, user: User, *, actor: Actor, channel: str) -> bool:
    if user.locked_until is None and user.failed_logins == 0:
        return False
    before = user_state(user)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    log_admin_change(session, actor, "user.unlock", _target(user), before, user_state(user), channel=channel)
    return True


# API tokens ---------------------------------------------------------------------------------

def create_token(session: Session, scope: str, *, user: User | None, label: str, actor: Actor,
                 channel: str) -> tuple[ApiToken, str]:
    """The token and its secret; the secret is shown once and only its hash is kept."""
    if scope not in TOKEN_SCOPES:
        raise AccountError(f"Unknown scope {scope!r}. Scopes are {', '.join(TOKEN_SCOPES)}.")
    if user is not None and not user.has_role(scope):
        raise AccountError(f"That user does not have the {scope} role, so cannot hold a {scope} token.")
    if user is not None and not user.active:
        raise AccountError("That user is disabled.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=token_digest(secret), prefix=secret[:10], scope=scope, label=label[:100],
                     user=user, created_at=utcnow())
    session.add(token)
    session.flush()
    log_admin_change(session, actor, "token.create", {"type": "token", "id": token.id}, None,
                     {"scope": scope, "user_id": user.id if user else None, "revoked": False}, channel=channel)
    return token, secret


def revoke_token(session: Session, token: ApiToken, *, actor: Actor, channel: str) -> bool:
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.flush()
    state = {"scope": token.scope, "user_id": token.user_id}
    log_admin_change(session, actor, "token.revoke", {"type": "token", "id": token.id},
                     {**state, "revoked": False}, {**state, "revoked": True}, channel=channel)
    return True
