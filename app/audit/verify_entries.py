"""The checks `flask audit verify` makes of each entry on its own: its leaf hashed again and
compared with the stored hash, and the columns copied out of its leaf compared with the leaf. Kept
apart from the tree walk (app/audit/verify.py) because they need nothing but the row: they are the
part of a verification that can be shared among processes (app/audit/verify_parallel.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol

import orjson
from app.audit import merkle
from app.audit.entries import header_columns, header_of_leaf
from app.audit.verify_reading import COPIED_COLUMNS

ENVELOPE_START = b'{"entry":'
RECORD_START = b',"record":'
_DECODER = json.JSONDecoder()


class ProblemSink(Protocol):
    def add(self, area: str, index: int | None, message: str) -> None: ...


def checked_rows(rows: Sequence[Any], check_columns: bool, problems: ProblemSink) -> list[tuple[int, bytes]]:
    """(index, leaf hash recomputed from the leaf) for each row of ("index", "leaf", "leaf_hash",
    *COPIED_COLUMNS); a stored hash or a column that does not match the leaf is named."""
    sha256, leaf_prefix = hashlib.sha256, merkle.LEAF_PREFIX
    checked = []
    for row in rows:
        index = row[0]
        digest = sha256(leaf_prefix)
        digest.update(row[1])
        node = digest.digest()
        if node != row[2]:
            problems.add("entry", index, f"entry {index}: its leaf hash does not match its leaf; the entry was altered")
        if check_columns:
            _check_columns(row, problems)
        checked.append((index, node))
    return checked


def _leaf_columns(leaf: bytes) -> tuple[Any, ...]:
    """The index and COPIED_COLUMNS a leaf implies, from its header alone when it has one (the
    header is the leaf's first member, so the record is never parsed)."""
    if leaf.startswith(ENVELOPE_START):
        # Fast path: the bytes up to the first ',"record":' parsed by orjson (some 2 µs a leaf
        # less). If they are one whole JSON object ending in its own '}', they are exactly the
        # value the slow path's raw_decode reads (an object's end is where its braces balance);
        # anything else — a nested ',"record":', text orjson refuses — goes the slow way.
        end = leaf.find(RECORD_START)
        if end > len(ENVELOPE_START) and leaf[end - 1:end] == b"}":
            try:
                return header_columns(orjson.loads(leaf[len(ENVELOPE_START):end]))
            except orjson.JSONDecodeError:
                pass
        text = leaf.decode("utf-8")
        header, end = _DECODER.raw_decode(text, len(ENVELOPE_START))
        if not text.startswith(',"record":', end):
            raise ValueError("the header is not followed by the record")
        return header_columns(header)
    return header_columns(header_of_leaf(json.loads(leaf)))


def _check_columns(row: Any, problems: ProblemSink) -> None:
    index = row[0]
    try:
        derived = _leaf_columns(bytes(row[1]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        problems.add("entry", index, f"entry {index}: its leaf is not a log entry ({error})")
        return
    if derived[0] == index and derived[1:] == tuple(row[3:]):
        return  # the usual case, in one comparison
    if derived[0] != index:
        problems.add("entry", index, f"entry {index}: its leaf says it is entry {derived[0]}")
    for position, name in enumerate(COPIED_COLUMNS, start=3):
        if row[position] != derived[position - 2]:
            problems.add("entry", index, f"entry {index}: its {name} column says {row[position]!r} "
                                         f"but its leaf says {derived[position - 2]!r}")
