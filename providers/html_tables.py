"""Reading a table out of a published web page, within bounds.

A page is untrusted input (DESIGN.md invariant 9). Before it is parsed: its bytes were capped while
it arrived (providers/http.py), and a page with more tags than any rate page needs is refused, so
parsing costs at most a second or so and a bounded amount of memory. BeautifulSoup's html.parser
builds and walks its tree without recursion, so a deeply nested page is no danger below that cap.

Text is decoded strictly as declared (a byte-order mark first, then the HTTP header, then a
<meta charset>, else UTF-8); bytes that are not in that encoding are a page we cannot read, never
a guess. Cells are placed as a browser lays them out: a cell spanning rows or columns (rowspan,
colspan) counts in every position it covers, so a merged cell never shifts the columns after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bs4 import BeautifulSoup, Tag

from providers.cells import CellError, normalise_text, not_available, parse_value
from providers.errors import LayoutChanged, ParseError
from providers.rate_mapping import ColumnSpec, Row

MAX_TAGS = 30_000
"""A rate page with its site's whole header and footer has a few thousand."""
MAX_ROWS = 5000
MAX_COLUMNS = 200
UNREADABLE = "sent a page we could not read"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE)
_BYTE_ORDER_MARKS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_NOT_NUMBERS = ("text", "boolean")


def parse_page(body: bytes, charset: str | None) -> BeautifulSoup:
    tags = body.count(b"<")
    if tags > MAX_TAGS:
        raise ParseError(UNREADABLE, detail=f"{tags:,} tags or more, beyond the {MAX_TAGS:,} we read")
    return BeautifulSoup(decode_page(body, charset), "html.parser")


def decode_page(body: bytes, charset: str | None) -> str:
    """The page as text, strictly: bytes that are not in the declared encoding (UTF-8 when none
    is declared) are a page we cannot read, not something to guess at."""
    encoding = next((name for mark, name in _BYTE_ORDER_MARKS if body.startswith(mark)), None)
    if encoding is None:
        declared = charset
        if declared is None:
            match = _META_CHARSET.search(body[:4096])
            declared = match.group(1).decode("ascii").lower() if match else None
        encoding = declared or "utf-8"
    try:
        return body.decode(encoding)
    except LookupError:
        raise ParseError(UNREADABLE, detail=f"unknown character encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        raise ParseError(UNREADABLE, detail=f"bytes that are not {encoding} at {error.start}") from None


def table_rows(table: Tag) -> list[Tag]:
    """The table's own rows, in order (not those of a table inside one of its cells)."""
    rows: list[Tag] = []
    for child in table.find_all(["tr", "thead", "tbody", "tfoot"], recursive=False):
        rows.extend([child] if child.name == "tr" else child.find_all("tr", recursive=False))
    return rows


def _span(value: Any, most: int) -> int:
    text = str(value or "").strip()
    return min(int(text), most) if text.isdigit() else 1


def cell_grid(rows: Sequence[Tag], *, what: str) -> dict[int, list[Tag | None]]:
    """Each row's cells by column position (keyed by id(row)), spans filled in."""
    grid: dict[int, list[Tag | None]] = {}
    carried: dict[int, tuple[Tag, int]] = {}  # column -> (cell from a row above, rows it still covers)
    for row in rows:
        line: dict[int, Tag] = {column: cell for column, (cell, _) in carried.items()}
        upcoming = {column: (cell, left - 1) for column, (cell, left) in carried.items() if left > 1}
        column = 0
        for cell in row.find_all(["td", "th"], recursive=False):
            while column in line:
                column += 1
            down = _span(cell.get("rowspan"), len(rows)) or len(rows)  # rowspan=0: to the end
            for _ in range(max(1, _span(cell.get("colspan"), MAX_COLUMNS))):
                if column >= MAX_COLUMNS:
                    raise LayoutChanged(detail=f"the {what} has more than {MAX_COLUMNS} columns")
                line.setdefault(column, cell)
                if down > 1:
                    upcoming[column] = (cell, down - 1)
                column += 1
        carried = upcoming
        grid[id(row)] = [line.get(position) for position in range(max(line, default=-1) + 1)]
    return grid


def _header_row(table: Tag, rows: Sequence[Tag]) -> Tag | None:
    head = [row for row in rows if row.parent is not None and row.parent.name == "thead"]
    if head:
        return head[-1]
    if rows and rows[0].find("th", recursive=False) is not None:
        return rows[0]
    return None


def _positions(table: Tag, rows: Sequence[Tag], grid: dict[int, list[Tag | None]], columns: Sequence[ColumnSpec],
               what: str) -> dict[str, int]:
    header = _header_row(table, rows)
    cells = grid.get(id(header), []) if header is not None else []
    headers = [normalise_text(cell.get_text(" ")).casefold() if cell is not None else "" for cell in cells]
    positions: dict[str, int] = {}
    for column in columns:
        if column.header is None:
            continue
        wanted = normalise_text(column.header).casefold()
        if wanted in headers:
            positions[column.field] = headers.index(wanted)
        elif not column.optional:
            raise LayoutChanged(detail=f"the {what} has no column headed {column.header!r}")
    return positions


def read_table(soup: BeautifulSoup, table_selector: str, rows_selector: str, columns: Sequence[ColumnSpec], *,
               what: str = "rate table") -> list[Row]:
    """Rows of named, parsed fields from the first table matching `table_selector`."""
    table = soup.select_one(table_selector)
    if table is None:
        raise LayoutChanged(detail=f"no {what}: nothing matches {table_selector!r}")
    own_rows = table_rows(table)
    rows = table.select(rows_selector)
    if not rows:
        raise LayoutChanged(detail=f"the {what} has no rows matching {rows_selector!r}")
    if max(len(rows), len(own_rows)) > MAX_ROWS:
        raise LayoutChanged(detail=f"the {what} has {max(len(rows), len(own_rows)):,} rows, more than the "
                                   f"{MAX_ROWS:,} we read")
    grid = cell_grid(own_rows, what=what) if any(column.header for column in columns) else {}
    positions = _positions(table, own_rows, grid, columns, what)
    records: list[Row] = []
    for number, row in enumerate(rows, start=1):
        cells = grid[id(row)] if id(row) in grid else row.find_all(["td", "th"], recursive=False)
        record: Row = {}
        for column in columns:
            cell: Any
            if column.selector is not None:
                cell = row.select_one(column.selector)
            else:
                position = positions.get(column.field)
                cell = cells[position] if position is not None and position < len(cells) else None
            record[column.field] = _value(cell, column, number, what)
        records.append(record)
    return records


def _value(cell: Tag | None, column: ColumnSpec, number: int, what: str) -> Any:
    text = cell.get_text(" ") if cell is not None else None
    if text is None or (column.optional and column.parse not in _NOT_NUMBERS and not_available(text)):
        if column.optional:
            return None
        raise LayoutChanged(detail=f"row {number} of the {what} has no {column.field!r} cell")
    try:
        return parse_value(text, column.parse)
    except CellError as error:
        raise LayoutChanged(detail=f"row {number} of the {what}, {column.field}: {error}") from None
