"""The complaints' configuration: CANDOR_COMPLAINT_DEADLINE_DAYS, the days compliance has to answer
a complaint (default 56, the eight weeks of FCA DISP 1.6.2; a mistyped value fails at start-up), and
their retention rule (CANDOR_RETENTION_COMPLAINTS_DAYS), registered when this module is imported."""

from __future__ import annotations

import os

from flask import Flask

from app.audit.retention import RetentionRule, register
from app.complaints.service import DEFAULT_DEADLINE_DAYS, expire

DEADLINE = "CANDOR_COMPLAINT_DEADLINE_DAYS"

COMPLAINTS = register(RetentionRule(
    name="complaints",
    label="Complaints",
    what=("What you write when you complain about a comparison, and how to reach you if you want a reply, sealed "
          "in our log with a key of the complaint's own; our notes on it and our answer are sealed with the same key."),
    how=("We destroy the complaint's key this long after the complaint is resolved (by default three years, the "
         "time complaint records must be kept). The log entries stay, so our proofs still hold, and so do the "
         "category, dates and outcome our reports count; the erasure is itself logged."),
    setting="CANDOR_RETENTION_COMPLAINTS_DAYS",
    default=3 * 365,
    prune=expire,
))


def init_app(app: Flask) -> None:
    raw = app.config.get(DEADLINE, os.environ.get(DEADLINE) or DEFAULT_DEADLINE_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError) as error:
        raise RuntimeError(f"{DEADLINE} must be a whole number of days, got {raw!r}") from error
    if not 1 <= days <= 365:
        raise RuntimeError(f"{DEADLINE} must be from 1 to 365 days, got {days}")
    app.config[DEADLINE] = days
