"""Raising, assigning, noting and resolving complaints. Each action appends its entry to the log in
the caller's transaction and applies it to the queue (events.apply); the caller commits. Free text —
the complaint itself, the complainant's contact, notes, the resolution summary — is personal data:
it is sealed with a data key of the complaint's own, so retention (`expire`) or an erasure request
can destroy it while the entries and every proof over them stay as they were."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.actors import Actor
from app.audit import (
    ERASURE, RESULT_KINDS, AuditEntry, PersonalDataError, RetentionRule, append, document, latest_for_reference,
    register_retention, reveal,
)
from app.audit.entries import RETENTION_ACTOR
from app.audit.erasure import erase
from app.auth.models import COMPLIANCE, User, UserRole
from app.complaints import events
from app.complaints.models import OPEN, Complaint
from app.money import to_cents

CONSOLE = "console"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as comparison references
DESCRIPTION_MAX = 4000
CONTACT_MAX = 200
NOTE_MAX = 2000
MAX_REDRESS = Decimal("1000000")
DEFAULT_DEADLINE_DAYS = 56  # eight weeks: the final-response deadline of FCA DISP 1.6.2
EXPIRY_BATCH = 500
REDRESS_CURRENCY = "USD"  # the currency every product line quotes in; the report sums redress in it


class ComplaintError(Exception):
    """An action that cannot be done; `status` is the HTTP status that says why, `field` the form
    field it is about (None: the whole form)."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class NothingToComplainAbout(ComplaintError):
    status = 404


class ComplaintClosed(ComplaintError):
    status = 409


def new_complaint_id(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        complaint_id = f"CMP-{code[:4]}-{code[4:]}"
        if session.get(Complaint, complaint_id) is None:
            return complaint_id


def deadline_of(config: Mapping[str, Any]) -> timedelta:
    return timedelta(days=int(config.get("CANDOR_COMPLAINT_DEADLINE_DAYS", DEFAULT_DEADLINE_DAYS)))


@dataclass(frozen=True)
class NewComplaint:
    reference: str
    category: str
    description: str
    contact: str | None = None


def _text(value: str | None, limit: int, field: str, what: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ComplaintError(f"Write {what}.", field)
    if len(text) > limit:
        raise ComplaintError(f"Keep {what} to {limit:,} characters (it has {len(text):,}).", field)
    return text or None


def raise_complaint(session: Session, new: NewComplaint, *, actor: Actor, channel: str, now: datetime,
                    deadline: timedelta) -> Complaint:
    """Logs a complaint about the latest result under `new.reference` (the ranking the shopper or
    caller saw) and puts it in the queue, due `deadline` from now."""
    if new.category not in events.CATEGORIES:
        raise ComplaintError("Choose what the complaint is about.", "category")
    description = _text(new.description, DESCRIPTION_MAX, "description", "what went wrong", required=True)
    contact = _text(new.contact, CONTACT_MAX, "contact", "how we can reach you", required=False)
    about = latest_for_reference(session, new.reference, RESULT_KINDS)
    if about is None:
        raise NothingToComplainAbout(f"No comparison has the reference {new.reference}.")
    complaint_id = new_complaint_id(session)
    body = {
        "actor": actor.as_record(), "complaint": complaint_id,
        "about": {"reference": new.reference, "index": about.index},
        "category": new.category, "due": (now + deadline).isoformat().replace("+00:00", "Z"),
        "deadline_days": deadline.days, "provider": about.recommended_provider,
        "advisor": about.actor_id if about.actor_type == "advisor" else None,
    }
    entry = append(session, body, kind=events.RAISED, channel=channel, created_at=now, reference=complaint_id,
                   product=about.product, personal={"description": description, "contact": contact})
    return _applied(session, entry)


def _applied(session: Session, entry: AuditEntry) -> Complaint:
    row = events.apply(session, document(entry), entry.subject)
    assert row is not None
    session.flush()
    return row


def _open(complaint: Complaint) -> None:
    if complaint.status != OPEN:
        raise ComplaintClosed(f"Complaint {complaint.id} is resolved; it can no longer be changed.")


def compliance_staff(session: Session) -> list[User]:
    return list(session.scalars(select(User).join(UserRole).where(UserRole.role == COMPLIANCE, User.active.is_(True))
                                .order_by(User.username)))


def assign(session: Session, complaint: Complaint, owner_id: int, *, actor: Actor, now: datetime) -> Complaint:
    _open(complaint)
    if owner_id not in {user.id for user in compliance_staff(session)}:
        raise ComplaintError("Choose a member of the compliance team who can sign in.", "owner")
    entry = append(session, {"actor": actor.as_record(), "complaint": complaint.id, "owner": owner_id},
                   kind=events.ASSIGNED, channel=CONSOLE, created_at=now, reference=complaint.id,
                   product=complaint.product)
    return _applied(session, entry)


def add_note(session: Session, complaint: Complaint, note: str, *, actor: Actor, now: datetime) -> Complaint:
    _open(complaint)
    text = _text(note, NOTE_MAX, "note", "the note", required=True)
    entry = _sealed_append(session, complaint, {"actor": actor.as_record(), "complaint": complaint.id},
                           {"note": text}, kind=events.NOTED, now=now)
    return _applied(session, entry)


def parse_redress(text: str | None) -> Decimal | None:
    """An amount of redress in dollars and cents, or None when none is given."""
    cleaned = (text or "").strip().replace(",", "").removeprefix("$")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ComplaintError("Write the redress as an amount in dollars, like 25.00.", "redress") from error
    if not amount.is_finite() or amount <= 0 or amount > MAX_REDRESS or amount != to_cents(amount):
        raise ComplaintError("The redress must be more than $0.00 and at most $1,000,000.00, in whole cents.",
                             "redress")
    return amount


def resolve(session: Session, complaint: Complaint, *, outcome: str, redress: Decimal | None, summary: str,
            actor: Actor, now: datetime) -> Complaint:
    _open(complaint)
    if outcome not in events.OUTCOMES:
        raise ComplaintError("Choose whether the complaint is upheld.", "outcome")
    if redress is not None and outcome != events.UPHELD:
        raise ComplaintError("Redress is paid only on an upheld complaint: choose Upheld, or leave the amount empty.",
                             "redress")
    text = _text(summary, NOTE_MAX, "summary", "what was decided and why", required=True)
    body = {"actor": actor.as_record(), "complaint": complaint.id, "outcome": outcome,
            "redress": None if redress is None else {"amount": str(to_cents(redress)), "currency": REDRESS_CURRENCY},
            "on_time": now <= complaint.due_at}
    entry = _sealed_append(session, complaint, body, {"summary": text}, kind=events.RESOLVED_KIND, now=now)
    return _applied(session, entry)


def _sealed_append(session: Session, complaint: Complaint, body: dict[str, Any], personal: dict[str, Any], *,
                   kind: str, now: datetime) -> AuditEntry:
    try:
        return append(session, body, kind=kind, channel=CONSOLE, created_at=now, reference=complaint.id,
                      product=complaint.product, personal=personal, subject=complaint.subject)
    except PersonalDataError as error:
        raise ComplaintClosed(f"The text of complaint {complaint.id} was erased; nothing more can be written "
                              "about it.") from error


@dataclass(frozen=True)
class Event:
    """One entry of a complaint's history, its sealed text opened (None once erased)."""

    index: int
    kind: str
    time: datetime
    actor: dict[str, Any] | None
    logged: dict[str, Any]
    text: dict[str, Any] | None
    erased: bool


def history(session: Session, complaint: Complaint) -> list[Event]:
    entries = session.scalars(select(AuditEntry).where(AuditEntry.reference == complaint.id,
                                                       AuditEntry.kind.in_(events.KINDS)).order_by(AuditEntry.index))
    told = []
    for entry in entries:
        logged = document(entry)
        revealed = reveal(session, logged) if logged.get("personal") else None
        told.append(Event(entry.index, entry.kind, entry.created_at, logged.get("actor"), logged,
                          None if revealed is None else revealed.data,
                          revealed is not None and revealed.erasure is not None))
    return told


def rebuild(session: Session) -> int:
    """Recomputes the queue from the log: every complaint entry, then every erasure, in log order.
    Returns the number of complaints."""
    session.execute(delete(Complaint))
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.kind.in_((*events.KINDS, ERASURE)))
                                 .order_by(AuditEntry.index)):
        logged = document(entry)
        if entry.kind == ERASURE:
            session.flush()
            events.apply_erasure(session, logged)
        else:
            events.apply(session, logged, entry.subject)
    session.flush()
    return session.query(Complaint).count()


def expire(session: Session, now: datetime, keep_for: timedelta, *, batch: int = EXPIRY_BATCH) -> int:
    """Retention: erases the sealed text of complaints resolved more than `keep_for` ago, at most
    `batch` of them (call again until it returns 0); their rows, which hold no personal data, stay
    for the reports. Each erasure is an entry of its own. Returns how many complaints it marked."""
    due = list(session.scalars(select(Complaint).where(Complaint.resolved_at < now - keep_for,
                                                       Complaint.expired_at.is_(None))
                               .order_by(Complaint.resolved_at).limit(batch)))
    for complaint in due:
        try:
            erase(session, complaint.subject, actor=RETENTION_ACTOR, now=now, channel="system",
                  reason=f"complaint retention of {keep_for.days} days after resolution ended")
        except PersonalDataError:
            pass  # already erased on request: nothing left to erase, the row is marked all the same
        complaint.expired_at = now
    session.flush()
    return len(due)


COMPLAINTS_RETENTION = register_retention(RetentionRule(
    name="complaints",
    label="Complaints",
    what=("A complaint you raise about a comparison: its category, dates, owner and outcome, and what you wrote, "
          "sealed with a key of the complaint's own. Every step is an entry in our log."),
    how=("This long after the complaint was resolved we destroy its key, so what you wrote can never be read "
         "again; its category, dates and outcome stay for the complaint reports, and the erasure is logged."),
    setting="CANDOR_COMPLAINT_RETENTION_DAYS",
    default=6 * 365,  # complaint records are kept for years after resolution (e.g. FCA DISP 1.9: at least 3)
    prune=expire,
))
