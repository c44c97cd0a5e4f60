"""The built-in adapter for providers that publish a rate sheet: a CSV or JSON file, on disk
(`path`) or at an address (`url`). Rows become offers through the same mapping as a rate page
(providers/rate_tables.py), with columns named by their CSV header or JSON key.

A sheet's rates are valid for `quote_valid_s` (a day unless set) from when the sheet was
written (a file's modification time) or read (an address); a JSON sheet may state its own
`valid_until`. A stale sheet therefore gives expired offers, which are never shown as current.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from providers import settings
from providers.base import Adapter, ProviderConfig, Quote, QuoteQuery
from providers.errors import (
    InvalidReply,
    LayoutChanged,
    ParseError,
    ProviderConfigError,
    ProviderUnavailable,
    RefusedRequest,
    ReplyTooLarge,
)
from providers.http import Deadline
from providers.cells import CellError, not_available, parse_value
from providers.rate_mapping import MAPPING_KEYS, RateMapping, Row, parse_mapping
from providers.rate_tables import offers_from_rows

SHEET_TYPES = ("text/csv", "application/json", "text/plain", "application/csv")
DEFAULT_CACHE_S = 3600.0
DEFAULT_QUOTE_VALID_S = 86400.0
MAX_ROWS = 20_000
LAYOUT_MESSAGE = "changed its rate sheet, so we could not read its rates"
OPTIONS = MAPPING_KEYS | {"path", "url", "format", "cache_s", "quote_valid_s", "offer_url"}


@dataclass(frozen=True)
class SheetRequest:
    source: str


@dataclass(frozen=True)
class Sheet:
    body: bytes
    format: str
    written_at: datetime


class RateSheetAdapter(Adapter[SheetRequest, Sheet]):
    kind = "rate_sheet"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        settings.check_known(config, OPTIONS)
        self.path: Path | None = settings.file_path(config)
        self.url = settings.http_url(config, required=False)
        if (self.path is None) == (self.url is None):
            raise ProviderConfigError(config.key, "path/url", "give exactly one: a file 'path' or a 'url'")
        source = str(self.path or self.url)
        declared = settings.text(config, "format", required=False)
        self.format = declared or ("json" if source.lower().endswith(".json") else
                                   "csv" if source.lower().endswith(".csv") else "")
        if self.format not in ("csv", "json"):
            raise ProviderConfigError(config.key, "format", 'must be "csv" or "json" (or the name must end in .csv or .json)')
        self.mapping: RateMapping = parse_mapping(config.key, config.options, html=False)
        self.cache_s = settings.number(config, "cache_s", DEFAULT_CACHE_S, low=0, high=7 * 86400)
        self.quote_valid_s = settings.number(config, "quote_valid_s", DEFAULT_QUOTE_VALID_S, low=60, high=30 * 86400)
        self.offer_url = settings.http_url(config, "offer_url", required=False)
        self.max_bytes = settings.max_reply_bytes(config)
        self.http = settings.http_client(config)
        self._memo: tuple[str, list[Row], datetime | None] | None = None
        self._memo_lock = threading.Lock()

    def transform_query(self, query: QuoteQuery) -> SheetRequest:
        return SheetRequest(str(self.path or self.url))

    def extract(self, request: SheetRequest, *, timeout_s: float) -> Sheet:
        if self.path is not None:
            return self._read_file(self.path)
        deadline = Deadline.after(timeout_s)
        key = self.context.key("sheet", self.config.key, hashlib.sha256(request.source.encode()).hexdigest()[:32])
        cached = self.context.store.get(key) if self.cache_s > 0 else None
        if cached is not None:
            header, _, body = cached.partition(b"\n")
            return Sheet(body, self.format, datetime.fromisoformat(header.decode()))
        try:
            # Invariant 9: a provider's redirect never takes us to another host, even for a GET that carries no profile.
            reply = self.http.get(request.source, deadline=deadline, accept=SHEET_TYPES, same_origin=True,
                                  what="a rate sheet")
        except RefusedRequest as error:
            if error.status in (404, 410):
                raise LayoutChanged("no longer publishes its rates where we read them",
                                    detail=f"{error.detail} for the rate sheet") from error
            raise
        sheet = Sheet(reply.body, self.format, self.context.clock())
        if self.cache_s > 0:
            self.context.store.set(key, sheet.written_at.isoformat().encode() + b"\n" + sheet.body, self.cache_s)
        return sheet

    def _read_file(self, path: Path) -> Sheet:
        try:
            stat = path.stat()
            if stat.st_size > self.max_bytes:
                raise ReplyTooLarge(self.max_bytes, detail=f"{path.name} is {stat.st_size:,} bytes")
            with path.open("rb") as handle:
                body = handle.read(self.max_bytes + 1)
        except FileNotFoundError:
            raise ProviderUnavailable("has no rate sheet for us to read", detail=f"{path} does not exist") from None
        except OSError as error:
            raise ProviderUnavailable("has no rate sheet for us to read", detail=f"{path}: {error.strerror}") from None
        if len(body) > self.max_bytes:
            raise ReplyTooLarge(self.max_bytes, detail=f"{path.name} grew past the cap while reading")
        return Sheet(body, self.format, datetime.fromtimestamp(stat.st_mtime, timezone.utc))

    def transform_data(self, raw: Sheet, query: QuoteQuery) -> Sequence[Quote]:
        digest = hashlib.sha256(raw.body).hexdigest()
        with self._memo_lock:
            memo = self._memo
        if memo is not None and memo[0] == digest:
            rows, stated_until = memo[1], memo[2]
        else:
            rows, stated_until = self._rows(raw)
            with self._memo_lock:
                self._memo = (digest, rows, stated_until)
        now = self.context.clock()
        valid_until = stated_until or raw.written_at + timedelta(seconds=self.quote_valid_s)
        return offers_from_rows(
            self.mapping, rows, query, provider_key=self.config.key, source_digest=digest, valid_until=valid_until,
            today=now.date(), url=self.offer_url, layout_message=LAYOUT_MESSAGE,
        )

    def _rows(self, sheet: Sheet) -> tuple[list[Row], datetime | None]:
        try:
            text = sheet.body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError("sent a rate sheet we could not read", detail=f"not UTF-8 at byte {error.start}") from None
        stated_until = None
        if sheet.format == "csv":
            records = _csv_records(text)
        else:
            records, stated_until = _json_records(text)
        if not records:
            raise LayoutChanged(LAYOUT_MESSAGE, detail="the sheet has no rows")
        if len(records) > MAX_ROWS:
            raise LayoutChanged(LAYOUT_MESSAGE, detail=f"the sheet has {len(records):,} rows, more than we read")
        rows: list[Row] = []
        for number, record in enumerate(records, start=1):
            row: Row = {}
            for column in self.mapping.columns:
                name = column.header or column.field
                value = record.get(name)
                if value in (None, "") or (column.optional and column.parse not in ("text", "boolean")
                                           and isinstance(value, str) and not_available(value)):
                    if column.optional:
                        row[column.field] = None
                        continue
                    raise LayoutChanged(LAYOUT_MESSAGE, detail=f"row {number} has no {name!r}")
                try:
                    row[column.field] = parse_value(value, column.parse)
                except CellError as error:
                    raise LayoutChanged(LAYOUT_MESSAGE, detail=f"row {number}, {name}: {error}") from None
            rows.append(row)
        return rows, stated_until

    def close(self) -> None:
        self.http.close()


def _csv_records(text: str) -> list[dict[str, Any]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None:
            return []
        reader.fieldnames = [" ".join(name.split()) for name in reader.fieldnames]
        # One row past the limit is enough to refuse the sheet; the rest is never turned into rows.
        return [dict(record) for record in itertools.islice(reader, MAX_ROWS + 1)]
    except csv.Error as error:
        raise ParseError("sent a rate sheet we could not read", detail=f"CSV: {error}") from None


def _json_records(text: str) -> tuple[list[dict[str, Any]], datetime | None]:
    """A list of objects, or {"valid_until": "...", "rows": [...]}; numbers are read exactly."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ParseError("sent a rate sheet we could not read", detail=f"malformed JSON: {error.msg}") from None
    except RecursionError:
        raise ParseError("sent a rate sheet we could not read", detail="JSON nested too deeply") from None
    stated_until = None
    if isinstance(document, dict):
        until = document.get("valid_until")
        if until is not None:
            try:
                stated_until = datetime.fromisoformat(str(until).replace("Z", "+00:00"))
            except ValueError:
                raise InvalidReply("sent a rate sheet of the wrong shape", detail="valid_until is not a date-time") from None
            if stated_until.tzinfo is None:
                raise InvalidReply("sent a rate sheet of the wrong shape", detail="valid_until has no time zone")
        document = document.get("rows")
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise LayoutChanged(LAYOUT_MESSAGE, detail="expected a list of row objects (or an object with 'rows')")
    return document, stated_until
