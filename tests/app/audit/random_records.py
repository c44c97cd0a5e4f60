"""Random plain records without Hypothesis, for test_canonical's 10,000-record byte-equality proof:
Hypothesis took a minute to draw that many recursive examples, this takes about a second. The
records come from the space of test_canonical's `plain_records` (null, booleans, text, safe
integers, Decimals, aware datetimes, lists and dicts), and every value drawn is tallied under one
of KINDS, so a test can prove the records covered each kind instead of trusting the weights."""

from __future__ import annotations

import datetime
import random
import string
from collections import Counter
from decimal import Decimal
from typing import Any

SAFE_INTEGER = 2**53 - 1
MAX_TEXT = 24
MAX_KEY = 8
MAX_MEMBERS = 6
MAX_DEPTH = 4
# Keys whose order or bytes have gone wrong in canonicalisers: an astral character and U+FFFD sort
# one way by code point and the other by UTF-16 code unit (RFC 8785's order), and the empty key
# sorts first.
AWKWARD_KEYS = ("\U0001f600", "\ufffd", "\u00e9", "a", "A", "")
ZONES = {
    "UTC": datetime.timezone.utc,
    "UTC-5": datetime.timezone(datetime.timedelta(hours=-5)),
    "UTC+5:30": datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
}
EARLIEST = datetime.datetime(1900, 1, 1)
LATEST = datetime.datetime(2200, 1, 1)
# Astral characters send the whole record down the reference path (rfc8785); most records stay
# below U+10000 so that most of them exercise orjson's path.
ASTRAL_RECORD_SHARE = 0.2

_ASCII = string.ascii_letters + string.digits + " !#$%&'()*+,-.:;<=>?@[]^_`{|}~"
_CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f"]
_QUOTES = '"\\/'
_LATIN_1 = [chr(code) for code in range(0x80, 0x100)]
# Cumulative thresholds of a random draw in [0, 1): each simple kind of character and its alphabet.
_SIMPLE_CHARACTERS = ((0.3, "ASCII character", _ASCII), (0.45, "control character", _CONTROLS),
                      (0.55, "quote or backslash", _QUOTES), (0.7, "Latin-1 character", _LATIN_1))
_BMP_SPECIALS = {"\u2028": "U+2028 or U+2029", "\u2029": "U+2028 or U+2029", "\ufffd": "U+FFFD"}
_ASTRAL_SPECIALS = {"\U0001f600": "emoji", "\U0001f44d": "emoji", "\U00010000": "U+10000"}
_SURROGATES = range(0xD800, 0xE000)

KINDS = (
    "record within the BMP", "record beyond U+FFFF", "bare scalar record",
    "null", "true", "false",
    "empty text", "ASCII character", "control character", "quote or backslash", "Latin-1 character",
    "BMP character", "U+2028 or U+2029", "U+FFFD", "astral character", "emoji", "U+10000",
    "small integer", "integer at a bound", "integer near a bound", "integer anywhere in range", "power of two",
    "decimal with places", "negative decimal", "decimal zero with places", "decimal with an exponent",
    "large decimal",
    *(f"datetime in {zone}" for zone in ZONES), "datetime with microseconds", "datetime without microseconds",
    "list", "dict", "empty list", "empty dict", f"container nested {MAX_DEPTH} deep",
    "random key", *(f"key {key!r}" for key in AWKWARD_KEYS), "dict whose keys sort differently in UTF-16",
)


class RandomRecords:
    """Draws records from `random.Random(seed)`, so a seed reproduces them exactly."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self.kinds: Counter[str] = Counter()
        self._astral_allowed = False
        self._astral_drawn = False

    def records(self, count: int):
        for _ in range(count):
            self._astral_allowed = self._random.random() < ASTRAL_RECORD_SHARE
            self._astral_drawn = False
            record = self._value(depth=0)
            self._tally("record beyond U+FFFF" if self._astral_drawn else "record within the BMP")
            if not isinstance(record, (list, dict)):
                self._tally("bare scalar record")
            yield record

    def _tally(self, kind: str) -> None:
        if kind not in KINDS:
            raise KeyError(f"{kind!r} is not one of KINDS, so no test would check it was drawn")
        self.kinds[kind] += 1

    def _value(self, depth: int) -> Any:
        nesting_chance = 0.85 if depth == 0 else 0.3
        if depth < MAX_DEPTH and self._random.random() < nesting_chance:
            if depth == MAX_DEPTH - 1:
                self._tally(f"container nested {MAX_DEPTH} deep")
            return self._list(depth) if self._random.random() < 0.5 else self._dict(depth)
        return self._random.choice(self._SCALARS)(self)

    def _list(self, depth: int) -> list[Any]:
        members = [self._value(depth + 1) for _ in range(self._random.randint(0, MAX_MEMBERS))]
        self._tally("list" if members else "empty list")
        return members

    def _dict(self, depth: int) -> dict[str, Any]:
        members = {self._key(): self._value(depth + 1) for _ in range(self._random.randint(0, MAX_MEMBERS))}
        self._tally("dict" if members else "empty dict")
        if sorted(members) != sorted(members, key=lambda key: key.encode("utf-16-be")):
            self._tally("dict whose keys sort differently in UTF-16")
        return members

    def _key(self) -> str:
        if self._random.random() < 0.6:
            self._tally("random key")
            return self._text(MAX_KEY)
        key = self._random.choice(AWKWARD_KEYS if self._astral_allowed else AWKWARD_KEYS[1:])
        if key == AWKWARD_KEYS[0]:
            self._astral_drawn = True
        self._tally(f"key {key!r}")
        return key

    def _null(self) -> None:
        self._tally("null")

    def _boolean(self) -> bool:
        value = self._random.random() < 0.5
        self._tally("true" if value else "false")
        return value

    def _scalar_text(self) -> str:
        return self._text(MAX_TEXT)

    def _text(self, longest: int) -> str:
        length = self._random.randint(0, longest)
        if not length:
            self._tally("empty text")
        # Half the strings are plain ASCII, as most of a real record is; the rest mix every kind.
        if self._random.random() < 0.5:
            if length:
                self._tally("ASCII character")
            return "".join(self._random.choices(_ASCII, k=length))
        return "".join(self._character() for _ in range(length))

    def _character(self) -> str:
        pick = self._random.random()
        for below, kind, alphabet in _SIMPLE_CHARACTERS:
            if pick < below:
                self._tally(kind)
                return self._random.choice(alphabet)
        if pick < 0.92 or not self._astral_allowed:
            return self._bmp_character()
        return self._astral_character()

    def _bmp_character(self) -> str:
        self._tally("BMP character")
        if self._random.random() < 0.3:
            character = self._random.choice(list(_BMP_SPECIALS))
            self._tally(_BMP_SPECIALS[character])
            return character
        code = self._random.randrange(0x100, 0x10000 - len(_SURROGATES))
        return chr(code + len(_SURROGATES) if code >= _SURROGATES.start else code)

    def _astral_character(self) -> str:
        self._tally("astral character")
        self._astral_drawn = True
        if self._random.random() < 0.5:
            character = self._random.choice(list(_ASTRAL_SPECIALS))
            self._tally(_ASTRAL_SPECIALS[character])
            return character
        return chr(self._random.randrange(0x10000, 0x110000))

    def _integer(self) -> int:
        kind = self._random.choice(("small integer", "integer at a bound", "integer near a bound",
                                    "integer anywhere in range", "power of two"))
        self._tally(kind)
        sign = self._random.choice((1, -1))
        if kind == "small integer":
            return self._random.randint(-1000, 1000)
        if kind == "integer at a bound":
            return sign * SAFE_INTEGER
        if kind == "integer near a bound":
            return sign * (SAFE_INTEGER - self._random.randint(1, 1000))
        if kind == "power of two":
            return sign * 2 ** self._random.randint(0, 52)
        return self._random.randint(-SAFE_INTEGER, SAFE_INTEGER)

    def _decimal(self) -> Decimal:
        kind = self._random.choice(("decimal with places", "decimal zero with places", "decimal with an exponent",
                                    "large decimal"))
        self._tally(kind)
        sign = self._random.choice(("", "-"))
        if kind == "decimal zero with places":
            return Decimal(f"0E-{self._random.randint(1, 4)}")
        if kind == "decimal with an exponent":
            value = Decimal(f"{sign}{self._random.randint(1, 999)}E+{self._random.randint(1, 30)}")
        elif kind == "large decimal":
            value = Decimal(f"{sign}{self._random.randint(10**20, 10**40)}E-{self._random.randint(0, 4)}")
        else:
            value = Decimal(f"{sign}{self._random.randint(0, 10**9)}E-{self._random.randint(0, 4)}")
        if value < 0:
            self._tally("negative decimal")
        return value

    def _datetime(self) -> datetime.datetime:
        span = int((LATEST - EARLIEST).total_seconds())
        moment = EARLIEST + datetime.timedelta(seconds=self._random.randrange(span + 1))
        if self._random.random() < 0.5:
            self._tally("datetime with microseconds")
            moment = moment.replace(microsecond=self._random.randint(1, 999_999))
        else:
            self._tally("datetime without microseconds")
        zone = self._random.choice(list(ZONES))
        self._tally(f"datetime in {zone}")
        return moment.replace(tzinfo=ZONES[zone])

    # Text twice: most of a record's leaves are strings.
    _SCALARS = (_null, _boolean, _scalar_text, _scalar_text, _integer, _decimal, _datetime)
