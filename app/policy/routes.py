"""/retention: the retention rules as the nightly `flask audit retention` applies them, in words."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from app.audit import retention_rules, retention_period_days
from app.auth.access import public

bp = Blueprint("policy", __name__)


@dataclass(frozen=True)
class PolicyRow:
    name: str
    label: str
    what: str
    how: str
    period: str


def period_words(days: int | None, *, kept: bool) -> str:
    if not kept:
        return "Not kept"
    if days is None:
        return "Until you ask us to erase it"
    return f"{days:,} day{'s' if days != 1 else ''}"


@bp.get("/retention")
@public
def retention() -> str:
    rows = [PolicyRow(rule.name, rule.label, rule.what, rule.how,
                      period_words(retention_period_days(rule, current_app.config), kept=rule.kept))
            for rule in retention_rules()]
    return render_template("policy/retention.html", rows=rows)
