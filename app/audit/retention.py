"""Retention by record type: one registry of rules, each saying what it keeps, for how long (a
setting with a default), how it is removed, and a `prune` that removes what is past its time.

A module that keeps records of its own registers a rule for them (`register`) when it is
imported; `flask audit retention` runs every registered rule and logs what each did in one
`retention` entry. The public page /retention shows the same rules, so what we say we keep and
what we delete are one list.

`prune(session, now, keep_for)` removes, in the caller's transaction, at most one batch of the
records older than `keep_for` and returns how many it removed; the run calls it again, committing
in between, until it returns 0, so a long backlog never becomes one enormous transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app.audit.entries import RETENTION_ACTOR
from app.audit.erasure import erase_expired
from app.audit.log import append
from app.audit.models import AuditEntry

RETENTION_RUN = "retention"
Prune = Callable[[Session, datetime, timedelta], int]


class RetentionSettingError(ValueError):
    """A retention setting that is not a whole number of days (or empty, for "keep")."""


@dataclass(frozen=True)
class RetentionRule:
    name: str  # a lowercase word or words joined by hyphens, as in the log
    label: str  # for the policy page: "Your personal details"
    what: str  # what the records are
    how: str  # how they are removed when their time is up
    setting: str | None  # the configuration name of the period in days; None: the records are not kept at all
    default: int | None  # days; None keeps the records until someone asks for them to be erased
    prune: Prune | None  # None only when nothing is kept

    def __post_init__(self) -> None:
        if (self.setting is None) != (self.prune is None):
            raise ValueError(f"rule {self.name!r}: a rule has both a setting and a prune, or neither (nothing kept)")
        if self.default is not None and self.default < 1:
            raise ValueError(f"rule {self.name!r}: a default period is at least 1 day")

    @property
    def kept(self) -> bool:
        return self.prune is not None


_RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> RetentionRule:
    """Adds a rule to the registry. Registering the same rule again does nothing; another rule
    under a name already taken is refused, so two modules cannot silently share one setting."""
    existing = _RULES.get(rule.name)
    if existing is not None and existing != rule:
        raise ValueError(f"a retention rule named {rule.name!r} is already registered")
    clashing = [other.name for other in _RULES.values()
                if other.name != rule.name and rule.setting is not None and other.setting == rule.setting]
    if clashing:
        raise ValueError(f"the setting {rule.setting} already belongs to the rule {clashing[0]!r}")
    _RULES[rule.name] = rule
    return rule


def rules() -> list[RetentionRule]:
    """The registered rules in the order they were registered."""
    return list(_RULES.values())


@contextmanager
def registered(*extra: RetentionRule) -> Iterator[None]:
    """The registry with `extra` rules added for the block, then exactly as it was (for tests)."""
    saved = dict(_RULES)
    try:
        for rule in extra:
            register(rule)
        yield
    finally:
        _RULES.clear()
        _RULES.update(saved)


def parse_days(setting: str, raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise RetentionSettingError(f"{setting} must be a whole number of days, or empty to keep the records")
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise RetentionSettingError(
            f"{setting} must be a whole number of days, or empty to keep the records; got {str(raw)[:40]!r}") from None
    if days < 1:
        raise RetentionSettingError(f"{setting} must be at least 1 day, or empty to keep the records")
    return days


def period_days(rule: RetentionRule, config: Mapping[str, Any]) -> int | None:
    """The rule's period in days from the app's configuration, else the environment, else its
    default; None when the records are kept until erased on request (or not kept at all)."""
    if rule.setting is None:
        return None
    if rule.setting in config:
        return parse_days(rule.setting, config[rule.setting])
    if rule.setting in os.environ:
        return parse_days(rule.setting, os.environ[rule.setting])
    return rule.default


@dataclass(frozen=True)
class Pruned:
    rule: RetentionRule
    days: int | None
    count: int

    def as_record(self) -> dict[str, Any]:
        return {"rule": self.rule.name, "setting": self.rule.setting, "keep_for_days": self.days,
                "pruned": self.count, "kept": self.rule.kept}


def prune_once(session: Session, rule: RetentionRule, *, now: datetime, days: int) -> int:
    """One batch of `rule`'s records older than `days`, removed in the caller's transaction."""
    assert rule.prune is not None
    count = rule.prune(session, now, timedelta(days=days))
    if not isinstance(count, int) or count < 0:
        raise TypeError(f"the retention rule {rule.name!r} must return how many records it removed, not {count!r}")
    return count


def record_run(session: Session, outcomes: list[Pruned], *, now: datetime) -> AuditEntry:
    """The run's log entry: each rule, its period and how many records it removed."""
    return append(session, {"actor": dict(RETENTION_ACTOR), "rules": [outcome.as_record() for outcome in outcomes]},
                  kind=RETENTION_RUN, channel="system", created_at=now)


def _erase_personal_data(session: Session, now: datetime, keep_for: timedelta) -> int:
    return len(erase_expired(session, now=now, retention_days=keep_for.days))


PERSONAL_DATA = register(RetentionRule(
    name="personal-data",
    label="Your personal details",
    what=("The details you give for a comparison (such as your date of birth, ZIP code, car or home) and what "
          "we worked out from them, sealed in our log with a key of your own; an advisor's notes about a caller "
          "are sealed with the same key."),
    how=("We destroy your key once your details have not been used for this long. The log entries stay, so "
         "our proofs still hold, but nobody can read your details again; the erasure is itself logged."),
    setting="CANDOR_RETENTION_DAYS",
    default=None,
    prune=_erase_personal_data,
))

PROVIDER_REPLIES = register(RetentionRule(
    name="provider-replies",
    label="Insurers' and lenders' raw replies",
    what=("What each provider sent back, byte for byte. We do not keep it: the log holds only its size and a "
          "fingerprint (SHA-256), and the offers we judged. Offers are cached for at most 6 hours so the same "
          "question is not asked twice, under a key that does not reveal your details."),
    how="Nothing to remove: raw replies are never stored.",
    setting=None,
    default=None,
    prune=None,
))

STAFF_SESSIONS = register(RetentionRule(
    name="staff-sessions",
    label="Staff sign-in sessions",
    what=("Which member of staff is signed in. It lives only in a signed cookie in their browser, never in our "
          "database; it ends after an idle hour or twelve hours in all (CANDOR_SESSION_IDLE_MINUTES, "
          "CANDOR_SESSION_MAX_HOURS). Sign-ins and sign-outs are log entries, by staff id only."),
    how="Nothing to remove on our side: the session ends by itself, and shoppers have no session at all.",
    setting=None,
    default=None,
    prune=None,
))


def init_app(app: Flask) -> None:
    """Checks every registered rule's setting once, so a mistyped period stops the app at start
    rather than the nightly run."""
    for rule in rules():
        period_days(rule, app.config)
