"""Average prime offer rates: reading the FFIEC's tables within bounds, the week a day falls in,
a missing or out-of-date table said so, and the higher-priced thresholds of Regulation Z
§ 1026.35(a)(1) — 1.5 points for a first lien, 2.5 for a jumbo loan, 3.5 for a subordinate lien."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.apor import kind_from_name
from app.cli.demo import import_sandbox_apor
from app.products.mortgage import apor_store
from app.products.mortgage.apor import (
    MAX_FILE_BYTES,
    AporFileError,
    is_higher_priced,
    parse_table,
    reference_for,
    threshold,
)
from providers.sandbox.apor import apor_table
from tests.apor_support import apor_tables  # noqa: F401 - a pytest fixture

RATES = "|".join(["3.52", "3.38", *["4.00"] * 48])
TWO_WEEKS = f"Term of Loan in Years|{'|'.join(str(n) for n in range(1, 51))}\n1/2/2017|{RATES}\n1/9/2017|{RATES.replace('3.52', '3.61')}\n"


def test_a_table_in_the_ffiec_layout_reads_with_its_header_weeks_and_terms() -> None:
    table = parse_table(TWO_WEEKS, "fixed")
    assert table.weeks == (date(2017, 1, 2), date(2017, 1, 9))
    assert table.rates[0][0] == Decimal("3.52") and table.rates[1][0] == Decimal("3.61")
    assert table.rates[1][1] == Decimal("3.38") and len(table.rates[0]) == 50
    # Commas and quotes (the FFIEC's CSV) read the same, and a header is optional.
    csv = "\n".join(line.replace("|", ",") for line in TWO_WEEKS.splitlines()[1:])
    assert parse_table(csv, "fixed") == table


@pytest.mark.parametrize(("text", "problem"), [
    ("", "the file has no weeks of rates"),
    ("header only\n", "the file has no weeks of rates"),
    (f"1/2/2017|{RATES}\nnot a date|{RATES}\n", "line 2: 'not a date' is not a date (M/D/YYYY)"),
    (f"2/30/2017|{RATES}\n", "line 1: 2/30/2017 is not a date"),
    (f"1/9/2017|{RATES}\n1/2/2017|{RATES}\n", "line 2: the week of 2017-01-02 is not after the week before it (2017-01-09)"),
    (f"1/9/2017|{RATES}\n1/9/2017|{RATES}\n", "line 2: the week of 2017-01-09 is not after"),
    (f"1/2/2017|{RATES}\n1/9/2017|3.5|3.5\n", "line 2: 2 rates where the weeks before have 50"),
    ("1/2/2017\n", "line 1: a week has a rate for each term from 1 to at most 50 years, not 0"),
    (f"1/2/2017|{RATES}|4.00\n", "not 51"),
    (f"1/2/2017|{RATES.replace('3.52', '-3.52')}\n", "line 1: '-3.52' is not a rate in percent"),
    (f"1/2/2017|{RATES.replace('3.52', '352')}\n", "'352' is not a rate"),
    (f"1/2/2017|{RATES.replace('3.52', '0')}\n", "a rate of 0% is not an average prime offer rate"),
    (f"1/2/2017|{RATES.replace('3.52', '')}\n", "'' is not a rate"),
])
def test_a_bad_table_is_refused_naming_the_line_and_the_problem(text: str, problem: str) -> None:
    with pytest.raises(AporFileError) as refused:
        parse_table(text, "fixed")
    assert problem in str(refused.value)


def test_a_table_is_read_within_bounds() -> None:
    with pytest.raises(AporFileError, match="larger than 1024 KiB"):
        parse_table("x" * (MAX_FILE_BYTES + 1), "fixed")
    with pytest.raises(AporFileError, match="must be fixed or adjustable"):
        parse_table(TWO_WEEKS, "balloon")


def test_a_day_falls_in_the_week_that_began_on_or_before_it() -> None:
    table = parse_table(TWO_WEEKS, "fixed")
    assert table.week_of(date(2017, 1, 1)) is None and table.status(date(2017, 1, 1)) == "missing"
    assert table.week_of(date(2017, 1, 2)) == 0 and table.week_of(date(2017, 1, 8)) == 0
    assert table.week_of(date(2017, 1, 9)) == 1 and table.week_of(date(2017, 1, 15)) == 1
    assert table.status(date(2017, 1, 15)) == "current"
    # The day after the newest week ends, the table is out of date and gives no rate.
    assert table.week_of(date(2017, 1, 16)) is None and table.status(date(2017, 1, 16)) == "stale"


def test_the_reference_keeps_the_weeks_rates_for_the_lines_terms_or_says_why_there_are_none() -> None:
    fixed = parse_table(TWO_WEEKS, "fixed")
    terms = {"fixed": (15, 30), "adjustable": (5,)}
    current = reference_for({"fixed": fixed, "adjustable": None}, date(2017, 1, 10), terms, "source")
    assert current["date"] == "2017-01-10" and current["source"] == "source"
    assert current["fixed"] == {"status": "current", "newest_week": "2017-01-09", "week": "2017-01-09",
                                "rates": {"15": Decimal("4.00"), "30": Decimal("4.00")}}
    assert current["adjustable"] == {"status": "missing", "newest_week": None, "week": None, "rates": {}}
    stale = reference_for({"fixed": fixed, "adjustable": None}, date(2017, 2, 1), terms, "source")
    assert stale["fixed"] == {"status": "stale", "newest_week": "2017-01-09", "week": None, "rates": {}}


@pytest.mark.parametrize(("spread", "jumbo", "subordinate", "higher"), [
    ("1.499", False, False, False), ("1.500", False, False, True), ("2.499", True, False, False),
    ("2.500", True, False, True), ("3.499", False, True, False), ("3.500", False, True, True),
    ("3.500", True, True, True),
])
def test_the_higher_priced_thresholds_are_at_or_above_the_spread(spread: str, jumbo: bool, subordinate: bool,
                                                                 higher: bool) -> None:
    apor = Decimal("6.21")
    assert is_higher_priced(apor + Decimal(spread), apor, jumbo=jumbo, subordinate=subordinate) is higher
    assert threshold(jumbo=False) == Decimal("1.5") and threshold(jumbo=True) == Decimal("2.5")
    assert threshold(jumbo=False, subordinate=True) == Decimal("3.5")


def test_imported_tables_are_read_from_the_instance_folder_and_read_again_when_changed(apor_tables) -> None:  # noqa: F811
    assert apor_store.load_table("fixed") is None  # an empty folder and nothing shipped
    folder = apor_tables(today=date(2026, 12, 5), kinds=("fixed",))
    assert (folder / "YieldTableFixed.txt").is_file() and not list(folder.glob("*.partial"))
    first = apor_store.load_table("fixed")
    assert first is not None and first.newest_week == date(2026, 11, 30)
    assert apor_store.load_table("fixed") is first  # parsed once
    apor_store.import_table(apor_table("fixed", date(2026, 12, 14)), "fixed")
    os.utime(folder / "YieldTableFixed.txt", ns=(1, 1))  # a new stamp even within the clock's resolution
    again = apor_store.load_table("fixed")
    assert again is not None and again.newest_week == date(2026, 12, 14)
    # A file broken by hand is no table (a missing table's warning), never a half-read one.
    (folder / "YieldTableFixed.txt").write_text("broken\n1/2/2017|x\n", encoding="utf-8")
    assert apor_store.load_table("fixed") is None


def test_a_refused_import_changes_nothing(apor_tables) -> None:  # noqa: F811
    folder = apor_tables(today=date(2026, 12, 5), kinds=("fixed",))
    before = (folder / "YieldTableFixed.txt").read_bytes()
    with pytest.raises(AporFileError):
        apor_store.import_table("1/2/2017|nope\n", "fixed")
    assert (folder / "YieldTableFixed.txt").read_bytes() == before


def test_the_current_reference_says_when_the_table_is_the_sandboxs_simulated_one(apor_tables) -> None:  # noqa: F811
    apor_tables()
    assert apor_store.current_reference(datetime.now(timezone.utc))["source"] == "FFIEC average prime offer rates"
    apor_store.import_table(apor_table("fixed", datetime.now(timezone.utc).date()), "fixed", simulated=True)
    reference = apor_store.current_reference(datetime.now(timezone.utc))
    assert reference["source"] == "the sandbox market's simulated average prime offer rates"
    assert reference["fixed"]["status"] == "current" and reference["fixed"]["rates"]["30"] == Decimal("6.38")
    assert set(reference["adjustable"]["rates"]) == {"5", "7", "10"}
    apor_store.import_table(apor_table("fixed", datetime.now(timezone.utc).date()), "fixed")  # a real import
    assert apor_store.current_reference(datetime.now(timezone.utc))["source"] == "FFIEC average prime offer rates"


def test_the_kind_of_table_is_read_from_the_ffiec_file_names() -> None:
    assert kind_from_name("YieldTableFixed.txt") == "fixed"
    assert kind_from_name("YieldTableAdjustable.CSV") == "adjustable"
    assert kind_from_name("rates.txt") is None
    assert kind_from_name("fixed-and-adjustable.txt") is None


def test_flask_apor_import_checks_the_file_and_status_says_what_is_used(app, apor_tables, tmp_path: Path) -> None:  # noqa: F811
    folder = apor_tables(kinds=())
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["apor", "status"])
    assert missing.exit_code == 1 and "fixed      MISSING" in missing.output and "adjustable MISSING" in missing.output

    today = datetime.now(timezone.utc).date()
    good = tmp_path / "YieldTableFixed.txt"
    good.write_text(apor_table("fixed", today), encoding="utf-8")
    imported = runner.invoke(args=["apor", "import", str(good)])
    assert imported.exit_code == 0, imported.output
    assert "Imported the fixed-rate table: 8 weeks" in imported.output and str(folder) in imported.output

    odd_name = tmp_path / "rates.txt"
    odd_name.write_text(apor_table("adjustable", today), encoding="utf-8")
    unnamed = runner.invoke(args=["apor", "import", str(odd_name)])
    assert unnamed.exit_code == 2 and "--kind fixed or --kind adjustable" in unnamed.output
    assert runner.invoke(args=["apor", "import", "--kind", "adjustable", str(odd_name)]).exit_code == 0
    assert runner.invoke(args=["apor", "status"]).exit_code == 0

    bad = tmp_path / "YieldTableAdjustable.txt"
    bad.write_text(f"1/2/2017|{RATES}\n1/2/2017|{RATES}\n", encoding="utf-8")
    refused = runner.invoke(args=["apor", "import", str(bad)])
    assert refused.exit_code == 1 and "line 2: the week of 2017-01-02 is not after" in refused.output
    assert "Nothing imported." in refused.output
    binary = tmp_path / "YieldTableFixed.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not text (UTF-8)" in runner.invoke(args=["apor", "import", str(binary)]).output

    old = tmp_path / "old-fixed.txt"
    old.write_text(TWO_WEEKS, encoding="utf-8")
    stale = runner.invoke(args=["apor", "import", str(old)])
    assert stale.exit_code == 0 and "Warning: it does not cover today" in stale.output
    status = runner.invoke(args=["apor", "status"])
    assert status.exit_code == 1 and "fixed      STALE: weeks 2017-01-02 to 2017-01-09" in status.output


def test_the_demo_imports_the_sandboxs_tables_but_never_over_real_ones(market, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CANDOR_APOR_DIR")
    monkeypatch.setattr(apor_store, "INSTANCE_PATH", tmp_path)
    import_sandbox_apor(market)
    assert apor_store.imported_folder() == tmp_path / "apor"
    assert all(apor_store.is_simulated(kind) for kind in ("fixed", "adjustable"))
    reference = apor_store.current_reference(datetime.now(timezone.utc))
    assert reference["fixed"]["status"] == reference["adjustable"]["status"] == "current"
    assert reference["source"] == "the sandbox market's simulated average prime offer rates"
    # A real table imported since is kept; the demo refreshes only its own.
    real = apor_table("fixed", datetime.now(timezone.utc).date()).replace("|6.38|", "|6.99|")
    apor_store.import_table(real, "fixed")
    import_sandbox_apor(market)
    assert (tmp_path / "apor" / "YieldTableFixed.txt").read_text(encoding="utf-8") == real
    assert not apor_store.is_simulated("fixed") and apor_store.is_simulated("adjustable")
    # With CANDOR_APOR_DIR set, the demo leaves the tables to whoever set it.
    monkeypatch.setenv("CANDOR_APOR_DIR", str(tmp_path / "elsewhere"))
    import_sandbox_apor(market)
    assert not (tmp_path / "elsewhere").exists()
