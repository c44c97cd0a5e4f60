"""The built-in adapter for providers that only publish their rates on a web page.

Stages: the request is the page address (the page is the same for every shopper); extracting
reads the page, politely — robots.txt first, an honest User-Agent, and the page kept for
`page_cache_s` because such pages change daily, not per shopper; transforming finds the table
with CSS selectors from the providers file and maps its rows to offers for this profile
(providers/rate_tables.py). A page whose table, rows or columns are no longer where the file
says is reported as "changed its rate page", never guessed around.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import soupsieve

from providers import settings
from providers.base import Adapter, ProviderConfig, Quote, QuoteQuery
from providers.errors import (
    LayoutChanged,
    RefusedRequest,
    NotAllowed,
    ParseError,
    ProviderConfigError,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.html_tables import parse_page, read_table
from providers.http import ROBOTS_TOKEN, Deadline
from providers.rate_mapping import MAPPING_KEYS, RateMapping, Row, parse_mapping
from providers.rate_tables import offers_from_rows

HTML_TYPES = ("text/html", "application/xhtml+xml")
DEFAULT_PAGE_CACHE_S = 3600.0
DEFAULT_ROBOTS_CACHE_S = 86400.0
"""RFC 9309 §2.4: a cached robots.txt should not be used for more than 24 hours."""
ROBOTS_MAX_BYTES = 512 * 1024
"""RFC 9309 §2.5: parse at least the first 500 KiB."""
BROKEN_PAGE_RETRY_S = 300.0
"""A cached page we cannot read is fetched again once it is this old, in case it was a glitch."""
MIN_QUOTE_VALIDITY_S = 60.0
PARSED_PAGES_KEPT = 8
RECENT_PAGE_S = 30.0
"""The page last read from the store is used again for this long without asking the store (and
hashing the page) on every comparison; an instance sees another's newer page within this time."""
OPTIONS = MAPPING_KEYS | {"url", "table", "rows", "page_cache_s", "quote_valid_s", "robots_cache_s", "offer_url"}


@dataclass(frozen=True)
class PageRequest:
    url: str


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    charset: str | None
    fetched_at: datetime
    from_cache: bool
    digest: str = ""
    """SHA-256 of the body (hex) once worked out; empty until then."""


class HtmlRateTableAdapter(Adapter[PageRequest, Page]):
    kind = "html_rate_table"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        settings.check_known(config, OPTIONS)
        self.url = settings.http_url(config) or ""
        self.table = _selector(config, "table")
        self.rows = _selector(config, "rows")
        self.mapping: RateMapping = parse_mapping(config.key, config.options, html=True)
        for column in self.mapping.columns:
            if column.selector:
                _compile(config, f"columns.{column.field}.selector", column.selector)
        surcharges = self.mapping.pricing.surcharges if self.mapping.pricing else None
        if surcharges is not None:
            for name, selector in (("table", surcharges.table), ("rows", surcharges.rows),
                                   ("label.selector", surcharges.label.selector),
                                   ("percent.selector", surcharges.percent.selector)):
                if selector:
                    _compile(config, f"pricing.surcharges.{name}", selector)
        self.page_cache_s = settings.number(config, "page_cache_s", DEFAULT_PAGE_CACHE_S, low=60, high=7 * 86400)
        self.quote_valid_s = settings.number(config, "quote_valid_s", self.page_cache_s, low=MIN_QUOTE_VALIDITY_S,
                                             high=7 * 86400)
        self.robots_cache_s = settings.number(config, "robots_cache_s", DEFAULT_ROBOTS_CACHE_S, low=60, high=86400)
        self.offer_url = settings.http_url(config, "offer_url", required=False) or self.url
        self.http = settings.http_client(config)
        self._fetching = threading.Lock()
        self._parsed: OrderedDict[str, tuple[list[Row], dict[str, Decimal]]] = OrderedDict()
        self._parsed_lock = threading.Lock()
        self._parsing = threading.Lock()
        self._recent: tuple[datetime, Page] | None = None

    # --- stage 1 ---------------------------------------------------------------------------------

    def transform_query(self, query: QuoteQuery) -> PageRequest:
        # Nothing about the shopper is sent: the page is public and the same for everyone.
        return PageRequest(self.url)

    # --- stage 2 ---------------------------------------------------------------------------------

    def extract(self, request: PageRequest, *, timeout_s: float) -> Page:
        deadline = Deadline.after(timeout_s)
        recent = self._recent_page(request.url)
        if recent is not None:
            return recent
        cached = self._cached_page(request.url)
        if cached is not None:
            return cached
        # One fetch at a time per provider: comparisons that arrive while the page is being read
        # wait for it instead of all reading it at once.
        if not self._fetching.acquire(timeout=deadline.remaining()):
            raise ProviderTimeout(detail="the rate page was still being read for another comparison")
        try:
            cached = self._cached_page(request.url)
            if cached is not None:
                return cached
            self._check_robots(request.url, deadline)
            try:
                reply = self.http.get(request.url, deadline=deadline, accept=HTML_TYPES, same_origin=True,
                                      what="a web page")
            except RefusedRequest as error:
                if error.status in (404, 410):
                    raise LayoutChanged("no longer publishes its rates where we read them",
                                        detail=f"{error.detail} for the rate page") from error
                raise
            page = Page(request.url, reply.body, reply.charset, self.context.clock(), from_cache=False)
            self._keep_page(page)
            return page
        finally:
            self._fetching.release()

    def _page_key(self, url: str) -> str:
        return self.context.key("page", self.config.key, hashlib.sha256(url.encode()).hexdigest()[:32])

    def _cached_page(self, url: str) -> Page | None:
        raw = self.context.store.get(self._page_key(url))
        if raw is None:
            return None
        header, _, body = raw.partition(b"\n")
        try:
            meta = json.loads(header)
            fetched_at = datetime.fromisoformat(meta["fetched_at"])
        except (ValueError, KeyError, TypeError):
            return None
        if not self._fresh_enough(fetched_at):
            return None
        return Page(url, body, meta.get("charset"), fetched_at, from_cache=True)

    def _fresh_enough(self, fetched_at: datetime) -> bool:
        age = (self.context.clock() - fetched_at).total_seconds()
        # Quotes from a page are valid for quote_valid_s after it was read; a page too old to
        # give a quote that stays valid a minute is read again.
        return age <= self.page_cache_s and self.quote_valid_s - age >= MIN_QUOTE_VALIDITY_S

    def _recent_page(self, url: str) -> Page | None:
        recent = self._recent
        if recent is None or recent[1].url != url:
            return None
        remembered_at, page = recent
        if (self.context.clock() - remembered_at).total_seconds() >= RECENT_PAGE_S or not self._fresh_enough(page.fetched_at):
            return None
        return page

    def _keep_page(self, page: Page) -> None:
        header = json.dumps({"fetched_at": page.fetched_at.isoformat(), "charset": page.charset}).encode()
        self.context.store.set(self._page_key(page.url), header + b"\n" + page.body, self.page_cache_s)

    def _check_robots(self, url: str, deadline: Deadline) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        key = self.context.key("robots", hashlib.sha256(origin.encode()).hexdigest()[:32])
        rules = self.context.store.get(key)
        if rules is None:
            reply = self.http.get(f"{origin}/robots.txt", deadline=deadline, accept=(), raise_for_status=False,
                                  what="robots.txt")
            if 200 <= reply.status < 300:
                rules = reply.body[:ROBOTS_MAX_BYTES]
            elif 400 <= reply.status < 500:
                rules = b""  # RFC 9309 §2.3.1.3: no robots.txt means no restrictions
            else:
                # RFC 9309 §2.3.1.4: when robots.txt cannot be read because of the server, assume
                # everything is disallowed, so we do not read the page either.
                raise ProviderUnavailable("had a problem on its side", detail=f"robots.txt: HTTP {reply.status}")
            self.context.store.set(key, rules, self.robots_cache_s)
        parser = RobotFileParser()
        parser.parse(rules.decode("utf-8", errors="replace").splitlines())
        if not parser.can_fetch(ROBOTS_TOKEN, url):
            raise NotAllowed(detail=f"robots.txt disallows {parts.path or '/'} for {ROBOTS_TOKEN}")

    # --- stage 3 ---------------------------------------------------------------------------------

    def transform_data(self, raw: Page, query: QuoteQuery) -> Sequence[Quote]:
        digest = raw.digest or hashlib.sha256(raw.body).hexdigest()
        try:
            rows, surcharges = self._read(raw, digest)
        except ParseError:
            self._recent = None
            if raw.from_cache and (self.context.clock() - raw.fetched_at).total_seconds() > BROKEN_PAGE_RETRY_S:
                self.context.store.delete(self._page_key(raw.url))
            raise
        now = self.context.clock()
        if not raw.digest:  # a page read from the store or the provider: remembered, with its digest
            self._recent = (now, replace(raw, from_cache=True, digest=digest))
        return offers_from_rows(
            self.mapping, rows, query, provider_key=self.config.key, source_digest=digest,
            valid_until=raw.fetched_at + timedelta(seconds=self.quote_valid_s), today=now.date(),
            surcharges=surcharges, url=self.offer_url,
        )

    def _read(self, page: Page, digest: str) -> tuple[list[Row], dict[str, Decimal]]:
        # One parse at a time per provider: comparisons that arrive while a new page is being
        # parsed wait for its result instead of each parsing it again.
        with self._parsing:
            return self._parsed_or_read(page, digest)

    def _parsed_or_read(self, page: Page, digest: str) -> tuple[list[Row], dict[str, Decimal]]:
        with self._parsed_lock:
            if digest in self._parsed:
                self._parsed.move_to_end(digest)
                return self._parsed[digest]
        soup = parse_page(page.body, page.charset)
        rows = read_table(soup, self.table, self.rows, self.mapping.columns)
        surcharges: dict[str, Decimal] = {}
        spec = self.mapping.pricing.surcharges if self.mapping.pricing else None
        if spec is not None:
            for row in read_table(soup, spec.table, spec.rows, (spec.label, spec.percent), what="surcharge table"):
                surcharges[str(row["label"]).casefold()] = row["percent"]
        with self._parsed_lock:
            self._parsed[digest] = (rows, surcharges)
            while len(self._parsed) > PARSED_PAGES_KEPT:
                self._parsed.popitem(last=False)
        return rows, surcharges

    def close(self) -> None:
        self.http.close()


def _selector(config: ProviderConfig, name: str) -> str:
    value = settings.text(config, name) or ""
    _compile(config, name, value)
    return value


def _compile(config: ProviderConfig, name: str, selector: str) -> None:
    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as error:
        raise ProviderConfigError(config.key, name, f"{selector!r} is not a valid CSS selector ({error.args[0]})") from None
