"""The complaints' configuration: CANDOR_COMPLAINT_DEADLINE_DAYS, the days compliance has to answer
a complaint (default 56, the eight weeks of FCA DISP 1.6.2; a mistyped value fails at start-up). Their
retention rule (CANDOR_COMPLAINT_RETENTION_DAYS) is registered in app/complaints/service.py."""

from __future__ import annotations

import os

from flask import Flask

from app.complaints.service import DEFAULT_DEADLINE_DAYS

DEADLINE = "CANDOR_COMPLAINT_DEADLINE_DAYS"


def init_app(app: Flask) -> None:
    raw = app.config.get(DEADLINE, os.environ.get(DEADLINE) or DEFAULT_DEADLINE_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError) as error:
        raise RuntimeError(f"{DEADLINE} must be a whole number of days, got {raw!r}") from error
    if not 1 <= days <= 365:
        raise RuntimeError(f"{DEADLINE} must be from 1 to 365 days, got {days}")
    app.config[DEADLINE] = days
