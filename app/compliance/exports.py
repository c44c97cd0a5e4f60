"""Exports of a filtered view as CSV or JSON Lines, streamed: rows are produced one keyset page
at a time, so an export of a million entries holds one page in memory and starts at once.

Personal data is left out unless a compliance user asks for it explicitly (a POST from the
console, logged as an entry of its own); then each row carries the customer's revealed profile,
or says when and by whom it was erased."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import MAX_PAGE, OVERRIDE, AuditEntry, EntryFilter, flatten, list_entries, PersonalDataError, reveal
from app.auth.models import User

ENTRY_COLUMNS = ("index", "time", "kind", "reference", "product", "channel", "actor_type", "actor_id", "advisor",
                 "recommended_provider", "house_rank", "house_best", "failure_count", "overridden", "leaf_hash")
PERSONAL_COLUMNS = ("profile", "note", "personal_data_erased")
CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson; charset=utf-8"
FORMATS = {"csv": CSV_TYPE, "jsonl": JSONL_TYPE}


def overridden_references(session: Session, references: Iterable[str | None]) -> set[str]:
    wanted = sorted({reference for reference in references if reference})
    if not wanted:
        return set()
    return set(session.scalars(select(AuditEntry.reference).where(AuditEntry.reference.in_(wanted),
                                                                  AuditEntry.kind == OVERRIDE)))


def advisor_names(session: Session, entries: Iterable[AuditEntry]) -> dict[str, str]:
    ids = {int(entry.actor_id) for entry in entries
           if entry.actor_type == "advisor" and entry.actor_id and entry.actor_id.isdigit()}
    if not ids:
        return {}
    return {str(user_id): name for user_id, name in session.execute(select(User.id, User.username)
                                                                     .where(User.id.in_(sorted(ids))))}


def entry_row(entry: AuditEntry, names: Mapping[str, str], overridden: set[str]) -> dict[str, Any]:
    return {
        "index": entry.index,
        "time": entry.created_at.isoformat().replace("+00:00", "Z"),
        "kind": entry.kind,
        "reference": entry.reference,
        "product": entry.product,
        "channel": entry.channel,
        "actor_type": entry.actor_type,
        "actor_id": entry.actor_id,
        "advisor": names.get(entry.actor_id or "") if entry.actor_type == "advisor" else None,
        "recommended_provider": entry.recommended_provider,
        "house_rank": entry.house_rank,
        "house_best": entry.house_best,
        "failure_count": entry.failure_count,
        "overridden": entry.reference in overridden if entry.reference else False,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
    }


def _personal(session: Session, leaf: bytes) -> dict[str, Any]:
    logged = flatten(json.loads(leaf))
    try:
        revealed = reveal(session, logged)
    except PersonalDataError as problem:
        return {"profile": None, "note": None, "personal_data_erased": f"unreadable: {problem}"}
    data = revealed.data or {}
    erased = revealed.erasure
    return {"profile": data.get("profile"), "note": data.get("note"),
            "personal_data_erased": None if erased is None else f"{erased.at:%Y-%m-%d} by {erased.by}"}


def entry_rows(session: Session, filters: EntryFilter, *, personal: bool = False) -> Iterator[dict[str, Any]]:
    """Every matching entry, newest first, a keyset page at a time."""
    older_than: int | None = None
    first = True
    while first or older_than is not None:
        first = False
        page = list_entries(session, filters, older_than=older_than, limit=MAX_PAGE)
        names = advisor_names(session, page.entries)
        overridden = overridden_references(session, (entry.reference for entry in page.entries))
        leaves: dict[int, bytes] = {}
        if personal and page.entries:
            leaves = {index: leaf for index, leaf in session.execute(
                select(AuditEntry.index, AuditEntry.leaf).where(AuditEntry.index.in_([e.index for e in page.entries])))}
        for entry in page.entries:
            row = entry_row(entry, names, overridden)
            if personal:
                row.update(_personal(session, bytes(leaves[entry.index])))
            yield row
        older_than = page.older_than
        # Each page ends its read: a long export must not hold one transaction open throughout.
        session.rollback()


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def _guard_formula(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_guard_formula(_cell(row.get(column))) for column in columns])
        yield buffer.getvalue()


def jsonl_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


def serialise(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> Iterator[str]:
    return csv_lines(rows, columns) if fmt == "csv" else jsonl_lines(rows)
