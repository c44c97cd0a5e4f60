"""Misbehaving rate pages and sheets (the fault catalogue's page faults, providers/testing/page_faults.py):
each is read correctly where its values are sensibly readable, and otherwise ends as a named
failure, within the deadline and with bounded memory. Real servers on loopback."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pytest
from bs4 import BeautifulSoup

from providers.base import QuoteQuery
from providers.errors import ProviderError
from providers.html_rate_table import HtmlRateTableAdapter
from providers.html_tables import MAX_TAGS, cell_grid, parse_page, read_table, table_rows
from providers.rate_sheet import RateSheetAdapter
from providers.rate_mapping import ColumnSpec
from providers.registry import parse_provider_entries
from providers.sandbox.insurer_app import RunState
from providers.sandbox.rate_page import auto_rate_pages
from providers.sandbox.sample_profiles import example_auto_profile
from providers.settings import MAX_REPLY_BYTES_LIMIT
from providers.testing.faults import misbehave, static_app
from tests.providers.test_rate_sheet import CSV, MAPPING, QUERY

TIMEOUT_S = 3.0
SLACK_S = 1.5
SAME = "read as the good one"
UNREADABLE_PAGE = ("parse_error", "sent a page we could not read")
UNREADABLE_SHEET = ("parse_error", "sent a rate sheet we could not read")
CHANGED_PAGE = ("layout_changed", "changed its rate page, so we could not read its rates")
CHANGED_SHEET = ("layout_changed", "changed its rate sheet, so we could not read its rates")
TOO_LARGE = ("too_large", "sent a reply larger than we accept")
SPEC = auto_rate_pages()[0]
PROFILE = example_auto_profile(driver_birth_date="1988-04-12", violations_5y=1)

PAGE_FAULTS = [
    ("fifty_megabytes", TOO_LARGE),
    ("deep_nesting", UNREADABLE_PAGE),
    ("wrong_charset", UNREADABLE_PAGE),
    ("missing_charset", UNREADABLE_PAGE),
    ("unknown_charset", UNREADABLE_PAGE),
    ("byte_order_mark", SAME),
    ("merged_cells", SAME),
    ("missing_cells", CHANGED_PAGE),
    ("comma_decimals", CHANGED_PAGE),
    ("spaced_percent", SAME),
    ("not_available", CHANGED_PAGE),
    ("formula_cells", CHANGED_PAGE),
    ("reordered_columns", SAME),
    ("renamed_columns", CHANGED_PAGE),
    ("disallowed", ("not_allowed", "does not allow us to read its rate page")),
]
SHEET_FAULTS = [
    ("fifty_megabytes", TOO_LARGE),
    ("wrong_charset", UNREADABLE_SHEET),
    ("missing_charset", UNREADABLE_SHEET),
    ("unknown_charset", SAME),  # a sheet is UTF-8 by contract, whatever it declares
    ("byte_order_mark", SAME),
    ("missing_cells", CHANGED_SHEET),
    ("comma_decimals", CHANGED_SHEET),
    ("spaced_percent", SAME),
    ("not_available", CHANGED_SHEET),
    ("formula_cells", CHANGED_SHEET),
    ("reordered_columns", SAME),
    ("renamed_columns", CHANGED_SHEET),
]


def rate_page_app(stopping: threading.Event) -> Any:
    return SPEC.wsgi_app(RunState(stopping=stopping, error_rng=random.Random(1)))


def page_adapter(url: str, **options: Any) -> HtmlRateTableAdapter:
    [config] = parse_provider_entries([{**SPEC.provider_entry(url, TIMEOUT_S), **options}], origin="test")
    return HtmlRateTableAdapter(config)


def sheet_adapter(url: str, **options: Any) -> RateSheetAdapter:
    [config] = parse_provider_entries([{"key": "granite", "name": "Granite Funding", "adapter": "rate_sheet",
                                        "products": ["mortgage"], **MAPPING, "url": url, **options}], origin="test")
    return RateSheetAdapter(config)


def outcome(adapter: Any, query: QuoteQuery) -> tuple[Any, float]:
    """(the quotes' terms, or the failure's (kind, message)), and how long it took."""
    started = time.monotonic()
    try:
        result: Any = [quote.terms for quote in adapter.fetch_quotes(query, timeout_s=TIMEOUT_S)]
    except ProviderError as error:
        result = (error.kind, error.message)
    finally:
        adapter.close()
    return result, time.monotonic() - started


def page_query() -> QuoteQuery:
    return QuoteQuery("auto", PROFILE, "r-1")


@pytest.mark.parametrize(("fault", "expected"), PAGE_FAULTS, ids=[fault for fault, _ in PAGE_FAULTS])
def test_a_misbehaving_rate_page_is_read_or_named(faulty: Any, loopback: Any, fault: str, expected: Any) -> None:
    good, _ = outcome(page_adapter(loopback(rate_page_app, takes_stopping=True).url), page_query())
    assert good and isinstance(good, list)
    result, elapsed = outcome(page_adapter(faulty(rate_page_app, fault).url), page_query())
    assert result == (good if expected == SAME else expected)
    assert elapsed < TIMEOUT_S + SLACK_S


@pytest.mark.parametrize(("fault", "expected"), SHEET_FAULTS, ids=[fault for fault, _ in SHEET_FAULTS])
def test_a_misbehaving_rate_sheet_is_read_or_named(faulty: Any, fault: str, expected: Any) -> None:
    def sheet_app(stopping: threading.Event) -> Any:
        return static_app(CSV, "text/csv; charset=utf-8")

    good, _ = outcome(sheet_adapter(faulty(sheet_app, None).url + "/rates.csv"), QUERY)
    assert good == [{"note_rate": "6.500", "points": "0", "lender_fees": "1200"},
                    {"note_rate": "6.125", "points": "1.0", "lender_fees": "900"}]
    result, elapsed = outcome(sheet_adapter(faulty(sheet_app, fault).url + "/rates.csv"), QUERY)
    assert result == (good if expected == SAME else expected)
    assert elapsed < TIMEOUT_S + SLACK_S


def test_a_deeply_nested_json_sheet_is_named(faulty: Any) -> None:
    server = faulty(lambda stopping: static_app(b'[{"Term (years)": 30}]'), "deep_nesting")
    result, _ = outcome(sheet_adapter(f"{server.url}/rates.json"), QUERY)
    assert result == UNREADABLE_SHEET


def counting(fault: str, sent: list[int]) -> Callable[[threading.Event], Any]:
    """The rate page failing as `fault` says, adding up in `sent` the bytes it sent."""
    def app(stopping: threading.Event) -> Any:
        faulty_app = misbehave(rate_page_app(stopping), fault, stopping=stopping)

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            for chunk in faulty_app(environ, start_response):
                sent[0] += len(chunk)
                yield chunk
        return counted
    return app


def test_a_fifty_megabyte_page_is_refused_by_its_tags_when_the_cap_lets_it_in(loopback: Any) -> None:
    sent = [0]
    server = loopback(counting("fifty_megabytes", sent), takes_stopping=True)
    result, elapsed = outcome(page_adapter(server.url, max_reply_bytes=MAX_REPLY_BYTES_LIMIT), page_query())
    assert result == UNREADABLE_PAGE, "the page is let in by its size but never parsed"
    assert elapsed < TIMEOUT_S + SLACK_S
    assert sent[0] > MAX_REPLY_BYTES_LIMIT - 64 * 1024


def test_the_default_cap_stops_reading_a_fifty_megabyte_page_early(loopback: Any) -> None:
    sent = [0]
    result, _ = outcome(page_adapter(loopback(counting("fifty_megabytes", sent), takes_stopping=True).url),
                        page_query())
    time.sleep(0.2)
    assert result == TOO_LARGE
    assert sent[0] < 8 * 1024 * 1024, f"{sent[0]:,} bytes were sent: reading must stop near the 1 MB cap"


def test_a_page_nested_deep_but_within_the_cap_is_read_without_recursion() -> None:
    depth = MAX_TAGS // 2 - 100
    page = ("<html><body>" + "<div>" * depth + '<table id="t"><thead><tr><th>Rate</th></tr></thead>'
            "<tbody><tr><td>4.5 %</td></tr></tbody></table>" + "</div>" * depth + "</body></html>")
    started = time.monotonic()
    rows = read_table(parse_page(page.encode(), "utf-8"), "table#t", "tbody > tr",
                      [ColumnSpec("rate", "percent", header="Rate")])
    assert rows == [{"rate": Decimal("4.5")}]
    assert time.monotonic() - started < TIMEOUT_S


def test_merged_cells_count_in_every_position_they_cover() -> None:
    soup = BeautifulSoup(
        "<table><thead><tr><th rowspan=2>Term</th><th colspan=2>Price</th></tr><tr><th>Rate</th><th>Points</th></tr>"
        "</thead><tbody><tr><td rowspan=2>30</td><td>6.5%</td><td>0</td></tr><tr><td>6.125%</td><td>1</td></tr>"
        "<tr><td>15</td><td>5.875%</td><td>N/A</td></tr></tbody></table>", "html.parser")
    columns = [ColumnSpec("term", "integer", header="Term"), ColumnSpec("rate", "percent", header="Rate"),
               ColumnSpec("points", "decimal", header="Points", optional=True)]
    assert read_table(soup, "table", "tbody > tr", columns) == [
        {"term": 30, "rate": Decimal("6.5"), "points": Decimal("0")},
        {"term": 30, "rate": Decimal("6.125"), "points": Decimal("1")},
        {"term": 15, "rate": Decimal("5.875"), "points": None},
    ]
    grid = cell_grid(table_rows(soup.table), what="rate table")
    assert [[cell.get_text() if cell else None for cell in row] for row in grid.values()] == [
        ["Term", "Price", "Price"], ["Term", "Rate", "Points"], ["30", "6.5%", "0"], ["30", "6.125%", "1"],
        ["15", "5.875%", "N/A"]]


def test_not_available_is_no_value_for_an_optional_column_and_a_failure_for_a_required_one() -> None:
    soup = BeautifulSoup("<table><tr><th>Rate</th><th>Points</th></tr><tr><td>6.5%</td><td>N/A</td></tr></table>",
                         "html.parser")
    rows = read_table(soup, "table", "tr:has(td)", [ColumnSpec("rate", "percent", header="Rate"),
                                                  ColumnSpec("points", "decimal", header="Points", optional=True)])
    assert rows == [{"rate": Decimal("6.5"), "points": None}]
    with pytest.raises(ProviderError, match="changed its rate page") as caught:
        read_table(soup, "table", "tr:has(td)", [ColumnSpec("points", "decimal", header="Points")])
    assert "'N/A' is not a number" in (caught.value.detail or "")
