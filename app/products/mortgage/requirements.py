"""What a home buyer may insist on, read from each offer's logged terms (the results page sets
aside offers without it; the ranking itself never changes)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from app.products.base import Requirement


def _lock_of_at_least(days: int) -> Requirement:
    def met(terms: Mapping[str, Any]) -> bool:
        lock = terms.get("rate_lock_days")
        return isinstance(lock, int) and not isinstance(lock, bool) and lock >= days
    return Requirement(f"lock_{days}", f"Rate locked for {days} days or more", met)


def _no_points(terms: Mapping[str, Any]) -> bool:
    try:
        return Decimal(str(terms.get("points"))) == 0
    except InvalidOperation:
        return False


REQUIREMENTS: tuple[Requirement, ...] = (
    _lock_of_at_least(45),
    _lock_of_at_least(60),
    Requirement("no_points", "No points to pay", _no_points),
)
