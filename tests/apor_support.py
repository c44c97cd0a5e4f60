"""APOR tables for a test: the sandbox market's simulated tables (providers/sandbox/apor.py),
imported through the same code as `flask apor import` into a folder of the test's own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app.products.mortgage.apor_store import import_table
from providers.sandbox.apor import apor_table

ImportTables = Callable[..., Path]


@pytest.fixture
def apor_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImportTables:
    """apor_tables(today=None, kinds=("fixed", "adjustable")) -> a folder of the test's own, read by
    every comparison, now holding the sandbox's tables up to the week of `today` (default: today,
    UTC) — only those of `kinds`: apor_tables(kinds=()) leaves it with no table at all."""
    folder = tmp_path / "apor"
    monkeypatch.setenv("CANDOR_APOR_DIR", str(folder))

    def install(today: date | None = None, kinds: tuple[str, ...] = ("fixed", "adjustable")) -> Path:
        day = today or datetime.now(timezone.utc).date()
        for kind in kinds:
            import_table(apor_table(kind, day), kind)
        return folder

    return install
