"""Rotating CANDOR_DATA_KEY, the key that wraps every customer's personal-data key, without
stopping the site.

The customer keys themselves never change (so nothing sealed in the log has to), only their
wrapping: each row of audit_personal_keys names the data key that wrapped it (`data_key_id`). The
order, documented in docs/audit-log.md: every instance first gets the new key in
CANDOR_READ_DATA_KEYS, then CANDOR_DATA_KEY becomes the new key with the old one in
CANDOR_READ_DATA_KEYS (instances on either configuration can read every row), then
`flask audit rotate-data-key` re-wraps the rows batch by batch, each batch committed with its own
log entry, so a run that stops is simply started again: the rows still under an old key are what
is left to do. Once none are left, the old key can go.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.keys import AuditKeys
from app.audit.log import append
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.personal import KeyMismatch, rewrap

DATA_KEY_ROTATION = "data-key-rotation"
ROTATION_ACTOR = {"type": "system", "id": "data-key-rotation"}


def still_wrapped_by_old_keys(session: Session, keys: AuditKeys) -> dict[str, int]:
    """Customer keys not yet wrapped by CANDOR_DATA_KEY, by the id of the key that wraps them.
    Erased rows have nothing left to wrap and are not counted."""
    rows = session.execute(
        select(PersonalDataKey.data_key_id, func.count())
        .where(PersonalDataKey.wrapped_key.is_not(None), PersonalDataKey.data_key_id != keys.data_key_id)
        .group_by(PersonalDataKey.data_key_id))
    return {key_id: count for key_id, count in rows}


@dataclass(frozen=True)
class RewrapBatch:
    rewrapped: Counter[str]  # by the id of the key that wrapped them before
    unreadable: Counter[str]  # rows whose key is not at hand, or whose wrapped key does not open with it
    last_subject: str | None  # where the next batch starts; None when there was nothing left
    entry: AuditEntry | None  # the batch's log entry; None when nothing was re-wrapped


def rewrap_batch(session: Session, keys: AuditKeys, *, after: str, limit: int, now: datetime) -> RewrapBatch:
    """Re-wraps up to `limit` customer keys (in subject order, after `after`) under CANDOR_DATA_KEY
    and logs the batch, in the caller's transaction. Rows whose old key is not at hand are
    counted and left as they are."""
    rows = list(session.scalars(
        select(PersonalDataKey)
        .where(PersonalDataKey.subject > after, PersonalDataKey.wrapped_key.is_not(None),
               PersonalDataKey.data_key_id != keys.data_key_id)
        .order_by(PersonalDataKey.subject).limit(limit).with_for_update()))
    rewrapped: Counter[str] = Counter()
    unreadable: Counter[str] = Counter()
    for row in rows:
        previous = row.data_key_id
        try:
            rewrap(row, keys)
        except KeyMismatch:  # its key is not at hand, or the wrapped key does not open with it
            unreadable[previous] += 1
            continue
        rewrapped[previous] += 1
    session.flush()
    entry = None
    if rewrapped:
        entry = append(session, {"actor": dict(ROTATION_ACTOR), "to": keys.data_key_id, "from": dict(sorted(rewrapped.items())),
                                 "rewrapped": sum(rewrapped.values())},
                       kind=DATA_KEY_ROTATION, channel="system", created_at=now)
    return RewrapBatch(rewrapped, unreadable, rows[-1].subject if rows else None, entry)
