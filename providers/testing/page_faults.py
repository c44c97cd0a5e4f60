"""The fault catalogue's misbehaving rate pages and sheets (docs/writing-an-adapter.md,
"Misbehaving rate pages and sheets"): each takes a well-behaved page (HTML) or sheet (CSV or
JSON) and changes it in one way a real publisher does. providers/testing/faults.py applies them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag

PAGE_FAULTS: dict[str, str] = {
    "fifty_megabytes": "answers 200 with a 50 MB page, sent without declaring its length",
    "deep_nesting": "wraps its page in 100,000 nested tags",
    "wrong_charset": "declares UTF-8 but sends windows-1252 bytes",
    "missing_charset": "declares no character encoding and sends windows-1252 bytes",
    "unknown_charset": "declares a character encoding that does not exist",
    "byte_order_mark": "starts with a UTF-8 byte-order mark",
    "merged_cells": "merges equal cells of neighbouring rows (rowspan), as a person editing a table does",
    "missing_cells": "leaves the last cell out of every row",
    "comma_decimals": "writes its numbers with a decimal comma (975,24)",
    "spaced_percent": "writes percentages with a space before the sign (45 %)",
    "not_available": "writes N/A in place of its first price",
    "formula_cells": "puts spreadsheet formulas (=HYPERLINK(…), =1+1) in its first cells",
    "reordered_columns": "reverses the order of its columns, headers and all",
    "renamed_columns": "renames its column headers",
    "disallowed": "has a robots.txt that disallows every robot",
}
FIFTY_MEGABYTES = 50 * 1024 * 1024
NESTING = 100_000
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
_NOTE = "<p>Tarifs en vigueur \u2014 ann\u00e9e 2026, \u20ac and all.</p>"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def fifty_megabytes(first: bytes) -> Iterator[bytes]:
    """`first`, then paragraphs up to 50 MB: more than any cap, and more tags than any page has."""
    yield first
    block = b"<p>rates</p>" * 5000
    for _ in range((FIFTY_MEGABYTES - len(first)) // len(block)):
        yield block


def misbehave_page(fault: str, body: bytes, content_type: str) -> tuple[bytes, str]:
    """The page or sheet `body` changed as `fault` says, and the Content-Type to send it with."""
    if fault in ("wrong_charset", "missing_charset", "unknown_charset"):
        return _charset(fault, body, content_type)
    if fault == "byte_order_mark":
        return b"\xef\xbb\xbf" + body, content_type
    text = body.decode("utf-8")
    if "html" in content_type:
        return _html(fault, text).encode("utf-8"), content_type
    if "json" in content_type:
        return (("[" * NESTING) if fault == "deep_nesting" else text).encode("utf-8"), content_type
    return _csv(fault, text).encode("utf-8"), content_type


def _charset(fault: str, body: bytes, content_type: str) -> tuple[bytes, str]:
    text = body.decode("utf-8")
    media_type = content_type.split(";")[0].strip()
    if fault == "unknown_charset":
        return body, f"{media_type}; charset=x-klingon"
    if "html" in media_type:
        text = text.replace("</body>", f"{_NOTE}</body>")
        if fault == "missing_charset":
            text = re.sub(r"<meta charset=[\"']?[\w-]+[\"']?>", "", text)
    else:
        text = text.replace("$", "\u20ac")
    encoded = text.encode("windows-1252", errors="replace")
    return encoded, media_type if fault == "missing_charset" else f"{media_type}; charset=utf-8"


def _html(fault: str, text: str) -> str:
    if fault == "deep_nesting":
        return text.replace("<body>", "<body>" + "<b>" * NESTING).replace("</body>", "</b>" * NESTING + "</body>")
    soup = BeautifulSoup(text, "html.parser")
    for table in soup.find_all("table"):
        rows = table.find_all("tr")
        if fault == "merged_cells":
            if table.find("thead") is not None:  # a table read by its headers, not by selectors
                _merge_down(rows, columns=2)
        elif fault == "reordered_columns":
            for row in rows:
                cells = row.find_all(["td", "th"], recursive=False)
                for cell in cells:
                    cell.extract()
                for cell in reversed(cells):
                    row.append(cell)
        elif fault == "renamed_columns":
            for header in table.find_all("th"):
                header.string = f"{header.get_text()} (new)"
        else:
            _change_cells(fault, [row.find_all("td", recursive=False) for row in rows])
    return str(soup)


def _merge_down(rows: list[Tag], *, columns: int) -> None:
    """Each of the first `columns` data cells merged with the same cell of the rows below while equal."""
    grid = [row.find_all("td", recursive=False) for row in rows]
    merged: list[Tag] = []
    for column in range(columns):
        anchor: Tag | None = None
        for cells in grid:
            cell = cells[column] if len(cells) > column else None
            if cell is not None and anchor is not None and cell.get_text() == anchor.get_text():
                anchor["rowspan"] = str(int(str(anchor.get("rowspan", "1"))) + 1)
                merged.append(cell)
            else:
                anchor = cell
    for cell in merged:
        cell.decompose()


def _change_cells(fault: str, rows: list[list[Any]]) -> None:
    """Changes cells in place: `rows` holds bs4 cells or CSV strings' holders (see _csv)."""
    data = [row for row in rows if row]
    if fault == "missing_cells":
        for row in data:
            _remove(row[-1])
    elif fault == "comma_decimals":
        for row in data:
            for cell in row:
                _set(cell, re.sub(r"(\d)\.(\d)", r"\1,\2", _get(cell)))
    elif fault == "spaced_percent":
        for row in data:
            for cell in row:
                _set(cell, re.sub(r"(\d)%", r"\1 %", _get(cell)))
    elif fault == "not_available" and data:
        priced = next((cell for cell in data[0] if re.search(r"[$%.]", _get(cell))), data[0][-1])
        _set(priced, "N/A")
    elif fault == "formula_cells" and data:
        _set(data[0][-1], '=HYPERLINK("https://elsewhere.example/","6.5%")')
        _set(data[-1][-1], "=1+1")


def _get(cell: Any) -> str:
    return cell.get_text() if isinstance(cell, Tag) else cell[0]


def _set(cell: Any, value: str) -> None:
    if isinstance(cell, Tag):
        cell.string = value
    else:
        cell[0] = value


def _remove(cell: Any) -> None:
    if isinstance(cell, Tag):
        cell.decompose()
    else:
        cell.clear()


def _csv(fault: str, text: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if fault == "reordered_columns":
        rows = [list(reversed(row)) for row in rows]
    elif fault == "renamed_columns":
        rows[0] = [f"{name} (new)" for name in rows[0]]
    else:
        holders = [[[value] for value in row] for row in rows[1:]]
        _change_cells(fault, holders)
        rows = rows[:1] + [[holder[0] for holder in row if holder] for row in holders]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
