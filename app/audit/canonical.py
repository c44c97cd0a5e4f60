"""Leaf bytes and hashes, exactly as DESIGN.md specifies: the RFC 8785 canonical JSON of the
entry (integers only; amounts and rates are decimal strings) hashed as an RFC 9162 leaf.

For the values the log holds (strings, safe integers, booleans, null, objects, arrays — never a
float), RFC 8785 is what Python's C JSON encoder writes with sorted keys, no spaces and no ASCII
escaping — except that RFC 8785 sorts keys by UTF-16 code units, which differs from code-point
order only for keys with characters beyond U+FFFF. Documents with such keys go through the
reference implementation (`rfc8785`); the tests hold both paths to the same bytes.

`canonical_json` writes with orjson (sorted keys, 53-bit integers enforced) when the value holds
only exact plain types — dict, list, tuple, str, int, bool, None, Decimal, aware datetime — and
nothing beyond U+FFFF; everything else (a float, a subclass, a non-text key, a lone surrogate, a
naive time, an unsafe integer) goes the way it always went, `reference_canonical_json`, which
writes the same bytes or says why the value cannot be logged. tests/app/audit/test_canonical.py
holds the two to the same bytes on golden vectors and 10,000 random records. A comparison's
record is serialised some thirty times (sizes, digests, the budget, the leaf): orjson takes that
from ~2.9 ms to ~0.4 ms per comparison (bench/canonical.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import orjson
import rfc8785

from app.audit.merkle import leaf_hash

__all__ = ["NotLoggable", "canonical_json", "leaf_hash", "loggable", "reference_canonical_json"]

SAFE_INTEGER = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False,
                            check_circular=False)


class NotLoggable(TypeError):
    pass


def _convert(value: Any) -> Any:
    """Converts a value for the log. Exact types first, and strings inside dicts and lists are
    taken as they are without a call: a log entry is a thousand or so plain dicts, lists and
    strings, and this runs once per entry before the log is locked."""
    kind = type(value)
    if kind is str:
        return value
    if kind is dict:
        return {key if type(key) is str else str(key): item if type(item) is str else _convert(item)
                for key, item in value.items()}
    if kind is list:
        return [item if type(item) is str else _convert(item) for item in value]
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
        return {str(key): _convert(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_convert(item) for item in value]
    if isinstance(value, float):
        raise NotLoggable("floats are not logged; use Decimal")
    raise NotLoggable(f"cannot log a {type(value).__name__}")


# Characters beyond U+FFFF: where they are in a key, RFC 8785's UTF-16 key order can differ
# from Python's code-point order.
_BEYOND_BMP = re.compile("[\U00010000-\U0010FFFF]")


def loggable(value: Any) -> Any:
    """The JSON form of a value for the log: Decimals and datetimes become strings; floats are
    refused because the log never carries a binary fraction."""
    return _convert(value)


def reference_canonical_json(value: Any) -> bytes:
    """The canonical JSON of any loggable value, by conversion and Python's C encoder: the path
    every value took before orjson, kept for what the fast path leaves to it and as its oracle."""
    converted = _convert(value)
    text = _ENCODER.encode(converted)
    # Checked once on the whole text rather than key by key: a document with any character
    # beyond U+FFFF (rare: emoji in a provider's text) goes through the reference implementation.
    if text.isascii() or not _BEYOND_BMP.search(text):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation say what is wrong
    return rfc8785.dumps(converted)


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER | orjson.OPT_PASSTHROUGH_DATETIME
_CONTAINERS = (dict, list, tuple)
# The exact types orjson writes as the reference path would (Decimal and aware datetimes through
# _exact_text); any other type, subclasses included, sends the value down the reference path.
_PLAIN = frozenset((str, int, bool, type(None), Decimal, datetime))
# A UTF-8 lead byte of a character beyond U+FFFF.
_BEYOND_BMP_UTF8 = re.compile(b"[\xf0-\xf4]")


def _only_plain_types(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return kind in _PLAIN
    for item in items:
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind not in _CONTAINERS or not _only_plain_types(item):
            return False
    return True


def _exact_text(value: Any) -> str:
    """orjson's `default`: only ever given exact Decimals and datetimes (_only_plain_types)."""
    if type(value) is Decimal:
        return str(value)
    if type(value) is datetime and value.tzinfo is not None:
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise TypeError("left to the reference path")


def canonical_json(value: Any) -> bytes:
    if not _only_plain_types(value):
        return reference_canonical_json(value)
    try:
        encoded = orjson.dumps(value, default=_exact_text, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # An unsafe integer, a key that is not text, a lone surrogate, a naive time, nesting
        # too deep for orjson: the reference path logs it the same way or says what is wrong.
        return reference_canonical_json(value)
    if encoded.isascii() or not _BEYOND_BMP_UTF8.search(encoded):
        return encoded
    return reference_canonical_json(value)
