"""Reading one cell of a published rate table (a page or a sheet) as text, a number, money, a
percentage or yes/no — exactly, or not at all.

What is read and what is refused (docs/writing-an-adapter.md, "Misbehaving rate pages and sheets"):
"4.5 %", "4.5%", "+45%", "−8%" and "$1,234.50" are read as written; a comma only ever separates
thousands, so "1,250" is 1250 but "4,5" (a decimal comma, or a typo) is refused rather than read
as 45 or guessed at as 4.5, and a percentage has no commas at all ("6,125%" is refused, not read
as 6125%); "N/A" and other words are not numbers (an optional column may say "N/A" for "no
value"); text that a spreadsheet would run as a formula ("=HYPERLINK(…)", "=1+1", "@SUM(…)") is
refused, so it never reaches an offer, a page or an export. A refused cell is a named failure of
the provider (the adapters say which row and column), never a silently wrong price.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_UNSIGNED = re.compile(r"(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_INTEGER = re.compile(r"[+-]?\d+")
_CURRENCY = re.compile(r"US\$|USD|EUR|GBP|[$€£]", re.IGNORECASE)
_FORMULA_MARKS = ("=", "@")
_TRUE = {"yes", "y", "true", "1", "included", "✓", "✔"}
_FALSE = {"no", "n", "false", "0", "not included", "none", "—", "–", "-", "✗", "✘", ""}
NOT_AVAILABLE = {"n/a", "na", "n.a.", "not available", "—", "–", "-"}
"""What a table writes for "no value here": an absent optional value, never a number."""


class CellError(ValueError):
    pass


def normalise_text(value: object) -> str:
    return " ".join(str(value).split())


def not_available(value: object) -> bool:
    return value is None or normalise_text(value).casefold() in NOT_AVAILABLE | {""}


def parse_value(value: object, how: str) -> Any:
    """One cell as `how` says; raises CellError naming what was expected."""
    if how == "text":
        text = normalise_text(value)
        if text.startswith(_FORMULA_MARKS):
            raise CellError(f"{_short(text)!r} is a spreadsheet formula, not text")
        return text
    if isinstance(value, bool):
        if how == "boolean":
            return value
        raise CellError(f"{value!r} is not {_describe(how)}")
    if how == "boolean":
        text = normalise_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"{value!r} is not yes or no")
    if isinstance(value, int) and how == "integer":
        return value
    if isinstance(value, (int, Decimal)) and how in ("decimal", "money", "percent"):
        return Decimal(value)
    if isinstance(value, float):
        # JSON sheets are read with parse_float=Decimal; a float here would already be inexact.
        raise CellError(f"{value!r} is a binary fraction, not an exact {_describe(how)}")
    text = normalise_text(value).replace("\u2212", "-")
    if how not in ("integer", "decimal", "money", "percent"):
        raise CellError(f"unknown parser {how!r}")
    sign, digits = _signed(text, how)
    if how == "integer":
        if not _INTEGER.fullmatch(digits):
            raise CellError(f"{text!r} is not a whole number")
        return int(sign + digits)
    if not _UNSIGNED.fullmatch(digits):
        raise CellError(f"{text!r} is not {_describe(how)}")
    try:
        return Decimal(sign + digits)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise CellError(f"{text!r} is not {_describe(how)}") from error


def _signed(text: str, how: str) -> tuple[str, str]:
    """(sign, digits without thousands separators) from a cell's text; CellError when a comma is
    anything but a thousands separator."""
    body = text
    if how == "percent":
        body = body.removesuffix("%").rstrip()
    sign = body[:1] if body[:1] in ("+", "-") else ""
    body = body[len(sign):].lstrip()
    if how == "money":
        if body.startswith(("+", "-")) or sign == "+":
            raise CellError(f"{text!r} is not an amount of money")
        body = _CURRENCY.sub("", body).strip()
    if "," in body:
        # No rate is in the thousands of percent: "6,125%" is a decimal comma, not 6125%.
        if how == "percent" or not _GROUPED.fullmatch(body):
            raise CellError(f"{text!r} is not {_describe(how)} (a comma may only separate thousands)")
        body = body.replace(",", "")
    return sign, body


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(how: str) -> str:
    return {"integer": "a whole number", "decimal": "a number", "money": "an amount of money",
            "percent": "a percentage", "boolean": "yes or no"}.get(how, how)


def term_value(value: Any) -> Any:
    """A parsed value as an offer term: exact decimals as plain decimal strings (never floats)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
