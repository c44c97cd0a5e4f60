"""Names for the pages and reports: staff by id, product lines and providers by key."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.products import PRODUCT_LINES
from app.provider_registry import current_registry


def staff_names(session: Session, ids: Iterable[str | int | None] | None = None) -> dict[str, str]:
    """Usernames by user id (as text); every user's when `ids` is None."""
    statement = select(User.id, User.username)
    if ids is not None:
        wanted = sorted({int(value) for value in ids if value is not None and str(value).isdigit()})
        if not wanted:
            return {}
        statement = statement.where(User.id.in_(wanted))
    return {str(user_id): name for user_id, name in session.execute(statement)}


def advisor_names(session: Session, ids: Iterable[str | None] | None = None) -> dict[str, str]:
    return staff_names(session, ids)


def product_choices() -> list[tuple[str, str]]:
    return [(key, line.name) for key, line in PRODUCT_LINES.items()]


def provider_names() -> dict[str, str]:
    return {config.key: config.name for config in current_registry().configs}
