"""Argon2id password hashing. The cost parameters are configuration so a test run can use cheap
ones; a hash made with other parameters is re-made at the next successful sign-in."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app

EXTENSION_KEY = "candor.password_hasher"
DECOY_KEY = "candor.password_decoy"
MIN_LENGTH = 12
MAX_LENGTH = 256


class WeakPassword(ValueError):
    pass


def init_app(app: Flask) -> None:
    defaults = PasswordHasher()
    hasher = PasswordHasher(
        time_cost=int(app.config.get("CANDOR_ARGON2_TIME_COST", defaults.time_cost)),
        memory_cost=int(app.config.get("CANDOR_ARGON2_MEMORY_KIB", defaults.memory_cost)),
        parallelism=int(app.config.get("CANDOR_ARGON2_PARALLELISM", defaults.parallelism)),
    )
    app.extensions[EXTENSION_KEY] = hasher


def _hasher() -> PasswordHasher:
    return current_app.extensions[EXTENSION_KEY]


def check_strength(password: str, *, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    if password.strip().lower() == username.strip().lower():
        raise WeakPassword("The password must not be the username.")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def spend_decoy_check(password: str) -> None:
    """Checked when nobody has the username given, so an unknown name takes as long to refuse as
    a wrong password and response times do not reveal who has an account."""
    decoy = current_app.extensions.get(DECOY_KEY)
    if decoy is None:
        decoy = current_app.extensions[DECOY_KEY] = _hasher().hash(secrets.token_urlsafe(16))
    verify_password(decoy, password)
