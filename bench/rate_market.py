"""The cost of "where your rates sit" at scale: the counts a recommendation adds in its append's
transaction, and the read of its cell's 30-day window, with the counts of many comparisons behind
them (the aggregate of app/comparison/rate_market.py, never a scan of the log).

    python -m bench.rate_market      (BENCH_RATE_MARKET_ENTRIES to change the count, default 100,000)

Comparisons are spread over 60 days (half of them outside the window) across cells drawn as a real
market skews: most loans conventional, 30-year and fixed, a few big states, every credit band and
amount band; each ranks 6 to 12 offers priced around its cell's rate in steps of 0.125 points.
The read is timed at a tenth of the comparisons and again at all of them: an indexed range read
of one cell's rows stays as fast as the log grows. On PostgreSQL when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set, else on a SQLite file.

The targets are read against what a comparison already spends: it waits up to 5 s for the
providers, so a read of a few ms before ranking and two statements before the append (outside the
log's lock, which they never lengthen) are small beside it; what must not happen is a cost that
grows with the log, which the two sizes show.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.comparison.rate_market import MarketRateComparisons, MarketRateOffers, add_counts, read_cell
from app.db import db
from app.products.mortgage.rates_offered import AMOUNT_BANDS
from app.products.mortgage.schemas import CREDIT_SCORE_BANDS
from bench import Figure, print_table
from bench.audit import app_config, bench_database

NAME = "rate_market"
ENTRIES = int(os.environ.get("BENCH_RATE_MARKET_ENTRIES", "100000"))
DAYS = 60
READS = 200
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
STATES = ("CA", "TX", "FL", "NY", "CO", "WA", "IL", "GA", "NC", "AZ", "OH", "PA", "MI", "VA", "NJ", "MA")


def _cell(rng: random.Random) -> str:
    loan_type = rng.choices(("conventional", "fha", "va", "jumbo"), (70, 15, 10, 5))[0]
    term = rng.choices((30, 15, 20), (80, 15, 5))[0]
    rate_type = rng.choices(("fixed", "arm_5_6", "arm_7_6", "arm_10_6"), (85, 5, 6, 4))[0]
    credit = rng.choices(CREDIT_SCORE_BANDS, (30, 20, 15, 10, 8, 6, 4, 3, 2, 2))[0]
    band = rng.choices(range(len(AMOUNT_BANDS) + 1), (3, 10, 18, 20, 16, 13, 9, 6, 3, 2))[0]
    state = rng.choices(STATES, [1 / (rank + 1) for rank in range(len(STATES))])[0]
    return f"{loan_type}/{term}/{rate_type}/{credit}/{band}/{state}"


def _offers(rng: random.Random, cell: str) -> Counter[int]:
    base = 5_500 + zlib.crc32(cell.encode()) % 16 * 125  # each cell its own going rate, 5.500% to 7.375%
    return Counter(base + 125 * rng.randint(-4, 4) for _ in range(rng.randint(6, 12)))


def _fill(rng: random.Random, cells: list[str], count: int) -> float:
    """Adds `count` comparisons' counts, committing every 1,000; the seconds the adding took."""
    spent = 0.0
    for n in range(count):
        cell = rng.choice(cells)
        day = (NOW - timedelta(days=rng.randrange(DAYS))).date()
        started = time.perf_counter()
        add_counts(db.session, cell, day, _offers(rng, cell))
        spent += time.perf_counter() - started
        if n % 1_000 == 999:
            db.session.commit()
    db.session.commit()
    return spent


def _reads(cell: str) -> tuple[float, float, int]:
    """Median and 95th percentile of reading the cell's window, in ms, and its offers."""
    timings, offers = [], 0
    for _ in range(READS):
        started = time.perf_counter()
        market = read_cell(db.session, cell, NOW)
        timings.append((time.perf_counter() - started) * 1000)
        offers = sum(market.offers_by_rate.values())
        db.session.rollback()
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1], offers


def main() -> list[Figure]:
    rng = random.Random(17)
    pool = [_cell(rng) for _ in range(ENTRIES)]
    popularity = Counter(pool)
    cells = list(popularity)
    busiest, typical = popularity.most_common(1)[0][0], sorted(cells, key=popularity.__getitem__)[len(cells) // 2]
    figures: list[Figure] = []
    with bench_database() as url, tempfile.TemporaryDirectory() as keys:
        app = create_app(app_config(url, keys))
        with app.app_context():
            upgrade()
            kind = db.engine.dialect.name
            first = ENTRIES // 10
            write_s = _fill(rng, pool, first)
            for label, cell in (("busiest", busiest), ("typical", typical)):
                median, p95, offers = _reads(cell)
                figures.append(Figure(NAME, f"{first:,} comparisons: read the {label} cell's window ({offers:,} offers)",
                                      unit=f"{median:.2f} ms median, {p95:.2f} ms p95", target="≤ 10 ms p95", met=p95 <= 10))
            write_s += _fill(rng, pool, ENTRIES - first)
            rows = db.session.scalar(select(func.count()).select_from(MarketRateOffers))
            days = db.session.scalar(select(func.count()).select_from(MarketRateComparisons))
            for label, cell in (("busiest", busiest), ("typical", typical), ("empty", "none/30/fixed/760-850/0/ZZ")):
                median, p95, offers = _reads(cell)
                figures.append(Figure(NAME, f"{ENTRIES:,} comparisons: read the {label} cell's window ({offers:,} offers)",
                                      unit=f"{median:.2f} ms median, {p95:.2f} ms p95", target="≤ 10 ms p95", met=p95 <= 10))
            figures.append(Figure(NAME, f"counting one comparison's offers (in its append's transaction), {kind}",
                                  unit=f"{write_s / ENTRIES * 1000:.3f} ms mean", target="≤ 5 ms",
                                  met=write_s / ENTRIES <= 0.005))
            figures.append(Figure(NAME, f"{ENTRIES:,} comparisons in {len(cells):,} cells over {DAYS} days: "
                                        f"{rows:,} rate rows, {days:,} cell-day rows"))
            db.session.remove()
            db.engine.dispose()
    return figures


if __name__ == "__main__":
    print_table(main())
