"""The console areas a member of staff's roles open, for the navigation and the account page."""

from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user

from app.auth.models import ADMIN, ADVISOR, COMPLIANCE, User


def compliance_home() -> str | None:
    """The compliance area's front page: its shortest GET route without arguments."""
    candidates = [rule for rule in current_app.url_map.iter_rules()
                  if rule.endpoint.startswith("compliance.") and not rule.arguments and "GET" in (rule.methods or ())]
    if not candidates:
        return None
    return min(candidates, key=lambda rule: len(rule.rule)).rule


def areas_for(user: User) -> list[tuple[str, str, str]]:
    """(label, url, what it is for) of each console area the user's roles open."""
    areas = []
    if user.has_role(ADVISOR) and "advisor.index" in current_app.view_functions:
        areas.append(("Advisor console", url_for("advisor.index"), "Compare quotes for a caller and record what they chose."))
    compliance_url = compliance_home()
    if user.has_role(COMPLIANCE) and compliance_url:
        areas.append(("Compliance", compliance_url, "Review every recommendation and prove the log is complete."))
    if user.has_role(ADMIN) and "admin.index" in current_app.view_functions:
        areas.append(("Administration", url_for("admin.index"), "Manage users and providers."))
    return areas


def current_staff_areas() -> list[tuple[str, str, str]]:
    return areas_for(current_user) if current_user.is_authenticated else []
