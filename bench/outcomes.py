"""The outcomes report's cost: building it (every profile of the sample opened with the log's keys,
every advisor outcome's price gap read from the result it was chosen from, then the statistics)
over the report's full sample of recommendations.

    python -m bench.outcomes            (BENCH_OUTCOMES_ENTRIES to change the count, default 2,000)

Two real comparisons (auto, mortgage) against the sandbox market are logged, then copied, each copy
a customer of its own (its own key) in one of several states and channels, a quarter of them
advisor calls with a recorded outcome, so every entry is a real recommendation's size and shape.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from app import create_app
from app.audit import document, reveal
from app.audit.log import append
from app.comparison.api import run_comparison
from app.compliance import outcome_report
from app.compliance.reports import Window
from app.db import db, utcnow
from app.products import get_product_line
from app.provider_registry import current_registry
from bench import Figure, print_table
from providers.sandbox.market import SandboxMarket

NAME = "outcomes"
ENTRIES = int(os.environ.get("BENCH_OUTCOMES_ENTRIES", "2000"))
RUNS = 3
STATES = ("CA", "TX", "NY", "CO", "FL", "WA")
CHANNELS = ("web", "web", "api", "advisor")
HEADER = ("index", "time", "kind", "channel", "reference", "actor", "personal", "leaf_hash")


def _originals() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """A logged auto and mortgage recommendation: their clear records and their opened sealed parts."""
    originals = []
    for key in ("auto", "mortgage"):
        line = get_product_line(key)
        entry = run_comparison(db.session, current_registry(), line, dict(line.profile_schema["examples"][0]),
                               preferences={}, channel="web")
        db.session.commit()
        logged = document(entry)
        sealed = reveal(db.session, logged).data
        assert sealed is not None
        originals.append(({name: value for name, value in logged.items() if name not in HEADER}, sealed))
    return originals


def _copies(originals: list[tuple[dict[str, Any], dict[str, Any]]], count: int) -> None:
    for n in range(count):
        record, sealed = originals[n // len(CHANNELS) % 2]
        channel = CHANNELS[n % len(CHANNELS)]
        personal = {**sealed, "profile": {**sealed["profile"], "state": STATES[n % len(STATES)]}}
        reference = f"CND-B{n // 10000 % 10}{n // 1000 % 10}{n // 100 % 10}-{n // 10 % 10}{n % 10}XY"
        entry = append(db.session, record, kind="recommendation", channel=channel, created_at=utcnow(),
                       reference=reference, product=record["product"]["key"], personal=personal)
        if channel == "advisor":
            chosen = record["ranking"][n % 3 % len(record["ranking"])]
            append(db.session, {"actor": {"type": "advisor", "id": "1"}, "result_index": entry.index,
                                "outcome": "chosen", "chosen": {key: chosen[key] for key in ("provider", "quote_id", "rank", "house")},
                                "top_pick": chosen["rank"] == 1, "reason": None if chosen["rank"] == 1 else "price"},
                   kind="advisor-decision" if chosen["rank"] == 1 else "override", channel="advisor",
                   created_at=utcnow(), reference=reference, product=record["product"]["key"])
        if n % 200 == 199:
            db.session.commit()
    db.session.commit()


def main() -> list[Figure]:
    with SandboxMarket() as market, tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                          "CANDOR_PROVIDERS": market.provider_entries(), "CANDOR_SIGNING_KEY_FILE": str(Path(tmp) / "k.pem")})
        with app.app_context():
            upgrade()
            _copies(_originals(), ENTRIES)
            window = Window.from_dates(None, None, None, "week", today=utcnow().date())
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                report = outcome_report.build(db.session, window)
                timings.append(time.perf_counter() - started)
                db.session.rollback()
            db.engine.dispose()
    median = statistics.median(timings)
    return [
        Figure(NAME, f"{report['recommendations']:,} recommendations, {report['advisor_outcomes']:,} advisor outcomes, "
                     f"{len(report['rows']):,} rows, SQLite"),
        Figure(NAME, f"report built in {median:.2f} s (median of {RUNS})", "≤ 10 s", median <= 10),
        Figure(NAME, f"{median / max(report['recommendations'], 1) * 1000:.2f} ms per recommendation"),
    ]


if __name__ == "__main__":
    print_table(main())
