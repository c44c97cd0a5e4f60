"""Leaf bytes and hashes, exactly as DESIGN.md specifies: the RFC 8785 canonical JSON of the
entry (integers only; amounts and rates are decimal strings) hashed as an RFC 9162 leaf.

For the values the log holds (strings, safe integers, booleans, null, objects, arrays — never a
float), RFC 8785 is what Python's C JSON encoder writes with sorted keys, no spaces and no ASCII
escaping — except that RFC 8785 sorts keys by UTF-16 code units, which differs from code-point
order only for keys with characters beyond U+FFFF. Documents with such keys go through the
reference implementation (`rfc8785`); the tests hold both paths to the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import rfc8785

from app.audit.merkle import leaf_hash

__all__ = ["NotLoggable", "canonical_json", "leaf_hash", "loggable"]

SAFE_INTEGER = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False,
                            check_circular=False)


class NotLoggable(TypeError):
    pass


class _Walk:
    """Converts a value for the log and notes whether the fast encoder gives RFC 8785 bytes."""

    __slots__ = ("fast",)

    def __init__(self) -> None:
        self.fast = True

    def key(self, key: Any) -> str:
        text = key if type(key) is str else str(key)
        if not text.isascii() and max(text) > "\uffff":
            self.fast = False
        return text

    def value(self, value: Any) -> Any:
        # Exact types first: a log entry is a thousand or so plain dicts, lists and strings, and the
        # abstract Mapping test below is several times slower than these.
        kind = type(value)
        if kind is str:
            return value
        if kind is dict:
            return {self.key(key): self.value(item) for key, item in value.items()}
        if kind is list:
            return [self.value(item) for item in value]
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if -SAFE_INTEGER <= value <= SAFE_INTEGER:
                return value
            raise NotLoggable(f"{value} is too large an integer for JSON; log it as a string")
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise NotLoggable("naive datetime in a log entry")
            return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        if isinstance(value, Mapping):
            return {self.key(key): self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if isinstance(value, float):
            raise NotLoggable("floats are not logged; use Decimal")
        raise NotLoggable(f"cannot log a {type(value).__name__}")


def loggable(value: Any) -> Any:
    """The JSON form of a value for the log: Decimals and datetimes become strings; floats are
    refused because the log never carries a binary fraction."""
    return _Walk().value(value)


def canonical_json(value: Any) -> bytes:
    walk = _Walk()
    converted = walk.value(value)
    if walk.fast:
        try:
            return _ENCODER.encode(converted).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation say what is wrong
    return rfc8785.dumps(converted)
