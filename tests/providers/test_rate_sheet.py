"""Reading a published rate sheet: CSV and JSON, from a file or an address."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from providers.base import QuoteQuery
from providers.errors import LayoutChanged, ParseError, ProviderConfigError, ProviderUnavailable, ReplyTooLarge
from providers.rate_sheet import RateSheetAdapter
from providers.registry import load_providers_file, parse_provider_entries
from providers.testing.faults import static_app

MAPPING: dict[str, Any] = {
    "columns": {"term": {"header": "Term (years)", "parse": "integer"}, "rate": {"header": "Rate", "parse": "percent"},
                "points": {"header": "Points", "parse": "decimal"}, "fees": {"header": "Fees", "parse": "money"}},
    "match": [{"value": "term_years", "equals": "term"}],
    "terms": {"note_rate": {"row": "rate"}, "points": {"row": "points"}, "lender_fees": {"row": "fees"}},
}
CSV = "Term (years),Rate,Points,Fees\n30,6.500%,0,\"$1,200\"\n30,6.125%,1.0,$900\n15,5.875%,0,$1200\n"
QUERY = QuoteQuery("mortgage", {"term_years": 30}, "r-1")


def sheet(**options: Any) -> RateSheetAdapter:
    [config] = parse_provider_entries([{"key": "granite", "name": "Granite Funding", "adapter": "rate_sheet",
                                        "products": ["mortgage"], **MAPPING, **options}], origin="test")
    return RateSheetAdapter(config)


def test_a_csv_file_gives_one_offer_per_matching_row(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(CSV, encoding="utf-8")
    quotes = sheet(path=str(path)).fetch_quotes(QUERY, timeout_s=2)
    assert [q.terms for q in quotes] == [
        {"note_rate": "6.500", "points": "0", "lender_fees": "1200"},
        {"note_rate": "6.125", "points": "1.0", "lender_fees": "900"},
    ]
    written = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    assert all(q.valid_until == written + timedelta(days=1) for q in quotes)
    assert {q.firmness for q in quotes} == {"estimate"}  # computed by us from what the lender published


def test_a_stale_sheet_gives_expired_offers(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(CSV, encoding="utf-8")
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))
    quotes = sheet(path=str(path)).fetch_quotes(QUERY, timeout_s=2)
    assert all(q.valid_until < datetime.now(timezone.utc) for q in quotes)


def test_a_json_sheet_can_state_its_own_validity_and_numbers_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"valid_until": "2030-01-01T00:00:00Z", "rows": '
                    '[{"Term (years)": 30, "Rate": "6.25%", "Points": 0.50, "Fees": 950}]}', encoding="utf-8")
    [quote] = sheet(path=str(path)).fetch_quotes(QUERY, timeout_s=2)
    assert quote.terms == {"note_rate": "6.25", "points": "0.50", "lender_fees": "950"}
    assert quote.valid_until == datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_a_sheet_at_an_address_is_read_and_kept(loopback: Any) -> None:
    server = loopback(static_app(CSV, "text/csv; charset=utf-8"))
    adapter = sheet(url=f"{server.url}/rates.csv")
    for _ in range(3):
        assert len(adapter.fetch_quotes(QUERY, timeout_s=2)) == 2
    assert len(server.requests) == 1
    adapter.close()


def test_a_relative_path_is_read_from_the_providers_files_directory(tmp_path: Path) -> None:
    (tmp_path / "sheets").mkdir()
    (tmp_path / "sheets" / "granite.csv").write_text(CSV, encoding="utf-8")
    providers_file = tmp_path / "providers.toml"
    providers_file.write_text(
        '[[provider]]\nkey = "granite"\nname = "Granite"\nadapter = "rate_sheet"\nproducts = ["mortgage"]\n'
        'path = "sheets/granite.csv"\nterms = { note_rate = { row = "rate" } }\n'
        'columns = { term = { header = "Term (years)", parse = "integer" }, rate = { header = "Rate", parse = "percent" } }\n'
        'match = [ { value = "term_years", equals = "term" } ]\n', encoding="utf-8")
    [config] = load_providers_file(providers_file)
    assert len(RateSheetAdapter(config).fetch_quotes(QUERY, timeout_s=2)) == 2


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        ("Term,Rate\n30,6%\n", LayoutChanged, "changed its rate sheet"),
        ("Term (years),Rate,Points,Fees\n30,soon,0,$1\n", LayoutChanged, "changed its rate sheet"),
        (b"Term (years),Rate\n30,6\xff%\n", ParseError, "could not read"),
        ("", LayoutChanged, "changed its rate sheet"),
    ],
)
def test_a_broken_sheet_is_named_not_guessed_at(tmp_path: Path, content: str | bytes, error: type[Exception],
                                                words: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(error, match=words):
        sheet(path=str(path)).fetch_quotes(QUERY, timeout_s=2)


def test_a_missing_or_oversized_file_is_a_provider_failure(tmp_path: Path) -> None:
    with pytest.raises(ProviderUnavailable, match="has no rate sheet"):
        sheet(path=str(tmp_path / "nowhere.csv")).fetch_quotes(QUERY, timeout_s=2)
    big = tmp_path / "big.csv"
    big.write_text(CSV + "30,7%,0,$1\n" * 200, encoding="utf-8")
    with pytest.raises(ReplyTooLarge):
        sheet(path=str(big), max_reply_bytes=1024).fetch_quotes(QUERY, timeout_s=2)


@pytest.mark.parametrize(
    ("options", "setting"),
    [({}, "path/url"), ({"path": "a.csv", "url": "http://x/a.csv"}, "path/url"), ({"path": "rates.xls"}, "format")],
)
def test_bad_settings_are_refused_naming_them(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        sheet(**options)
    assert caught.value.setting == setting
