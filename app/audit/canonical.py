"""Leaf bytes and hashes, exactly as DESIGN.md specifies: the RFC 8785 canonical JSON of the
entry (integers only; amounts and rates are decimal strings) hashed as an RFC 9162 leaf."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import rfc8785


class NotLoggable(TypeError):
    pass


def loggable(value: Any) -> Any:
    """The JSON form of a value for the log: Decimals and datetimes become strings; floats are
    refused because the log never carries a binary fraction."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise NotLoggable("naive datetime in a log entry")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(key): loggable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [loggable(item) for item in value]
    if isinstance(value, float):
        raise NotLoggable("floats are not logged; use Decimal")
    raise NotLoggable(f"cannot log a {type(value).__name__}")


def canonical_json(document: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(loggable(document))


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()
