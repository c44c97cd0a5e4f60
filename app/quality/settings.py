"""QA sampling and the review checklist, from configuration (checked at start-up):

  CANDOR_QA_SHARE              share of advisors' decided calls drawn for review    0.05
  CANDOR_QA_NEW_ADVISOR_SHARE  the share for an advisor whose account is new       0.25
  CANDOR_QA_NEW_ADVISOR_DAYS   how long an advisor counts as new                   90
  CANDOR_QA_OVERRIDE_SHARE     the share for a call where the caller did not take
                               the top pick (an override of the ranking)           1 (every one)
  CANDOR_QA_CHECKLIST_FILE     a TOML file of [[question]] tables (key, text) that
                               replaces the checklist below

The reviews' retention rule (CANDOR_QA_REVIEW_RETENTION_DAYS) is registered in app/quality/review.py.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import Flask

SHARE, NEW_SHARE, NEW_DAYS, OVERRIDE_SHARE = ("CANDOR_QA_SHARE", "CANDOR_QA_NEW_ADVISOR_SHARE",
                                             "CANDOR_QA_NEW_ADVISOR_DAYS", "CANDOR_QA_OVERRIDE_SHARE")
CHECKLIST, CHECKLIST_FILE = "CANDOR_QA_CHECKLIST", "CANDOR_QA_CHECKLIST_FILE"
DEFAULTS = {SHARE: "0.05", NEW_SHARE: "0.25", NEW_DAYS: "90", OVERRIDE_SHARE: "1"}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Question:
    key: str
    text: str


DEFAULT_CHECKLIST = (
    Question("needs", "Confirmed the caller’s details and what they need before running the comparison"),
    Question("disclosure", "Read the disclosure script in full, including what each provider pays us"),
    Question("ranking", "Presented the ranking as shown, top pick first, without steering towards our offer"),
    Question("reason", "Where the caller did not take the top pick, the recorded reason is what the caller said"),
    Question("fair", "No pressure, urgency or misleading claims"),
)


@dataclass(frozen=True)
class SamplingRules:
    share: Decimal
    new_advisor_share: Decimal
    new_advisor_days: int
    override_share: Decimal

    def as_record(self) -> dict[str, Any]:
        return {"share": str(self.share), "new_advisor_share": str(self.new_advisor_share),
                "new_advisor_days": self.new_advisor_days, "override_share": str(self.override_share)}


def _share(name: str, raw: Any) -> Decimal:
    try:
        share = Decimal(str(raw))
    except InvalidOperation as error:
        raise RuntimeError(f"{name} must be a share from 0 to 1, like 0.05; got {raw!r}") from error
    if not share.is_finite() or not 0 <= share <= 1:
        raise RuntimeError(f"{name} must be a share from 0 to 1, like 0.05; got {raw!r}")
    return share


def rules_of(config: Any) -> SamplingRules:
    return SamplingRules(_share(SHARE, config[SHARE]), _share(NEW_SHARE, config[NEW_SHARE]), int(config[NEW_DAYS]),
                         _share(OVERRIDE_SHARE, config[OVERRIDE_SHARE]))


def checklist_from(data: Any, source: str) -> tuple[Question, ...]:
    questions = data.get("question") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not questions:
        raise RuntimeError(f"{source} must hold at least one [[question]] table with a key and a text")
    made = []
    for number, item in enumerate(questions, 1):
        key, text = (item.get("key"), item.get("text")) if isinstance(item, dict) else (None, None)
        if not isinstance(key, str) or not KEY_PATTERN.match(key) or not isinstance(text, str) or not text.strip():
            raise RuntimeError(f"{source}: question {number} needs a key (lowercase letters, digits, _) and a text")
        made.append(Question(key, text.strip()[:300]))
    if len({question.key for question in made}) != len(made):
        raise RuntimeError(f"{source}: two questions have the same key")
    return tuple(made)


def init_app(app: Flask) -> None:
    for name, default in DEFAULTS.items():
        app.config.setdefault(name, os.environ.get(name) or default)
    try:
        rules = rules_of(app.config)
    except ValueError as error:
        raise RuntimeError(f"{NEW_DAYS} must be a whole number of days, got {app.config[NEW_DAYS]!r}") from error
    if rules.new_advisor_days < 0:
        raise RuntimeError(f"{NEW_DAYS} must not be negative")
    path = app.config.get(CHECKLIST_FILE) or os.environ.get(CHECKLIST_FILE)
    if CHECKLIST not in app.config:
        app.config[CHECKLIST] = (checklist_from(tomllib.loads(Path(path).read_text(encoding="utf-8")), str(path))
                                 if path else DEFAULT_CHECKLIST)
