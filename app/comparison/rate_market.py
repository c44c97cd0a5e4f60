"""The market of rates behind "where your rates sit" (app/products/rate_distribution.py): how many
offers of each interest rate we ranked, per market cell and UTC day, and how many comparisons
they came from.

Why an aggregate beside the log rather than a reading of it: what makes two loans comparable
(the credit-score band, the loan amount, the state) is in the customer's profile, which every
entry seals under the customer's own key. Reading the cell back would mean unsealing every
comparison of the last 30 days for each new one, and an erased customer's entries could not be
read at all; putting the cell in the clear part of the entry would log, for years and past any
erasure, what the customer asked for. So the recording of a comparison adds its ranked offers to
these counts in the same transaction as its log entry (no counted offer without its entry, no
entry whose offers went uncounted), and a comparison reads its cell's window in a few indexed
rows whatever the size of the log (bench/rate_market.py measures it).

The rows name a cell and a day and hold counts: no subject, reference, entry or time of day, so
nothing in them leads back to one comparison or one person, and they are kept only as long as the
window needs them (the `rate-market` retention rule). The rates counted are the providers' own
figures, which the entries keep in clear; what the shopper was shown of them is logged in the
entry's sealed explanation, so a replay shows the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import CheckConstraint, Date, Integer, String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.audit import RetentionRule, register_retention
from app.db import db
from app.products.base import ProductLine
from app.products.rate_distribution import WINDOW_DAYS, RateMarket, thousandths, window

class MarketRateOffers(db.Model):
    """How many ranked offers had each rate (thousandths of a percent) in one cell on one UTC day."""

    __tablename__ = "market_rate_offers"

    cell: Mapped[str] = mapped_column(String(120), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offers: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("offers > 0", name="offers_counted"),)


class MarketRateComparisons(db.Model):
    """How many comparisons ranked at least one offer in one cell on one UTC day."""

    __tablename__ = "market_rate_comparisons"

    cell: Mapped[str] = mapped_column(String(120), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    comparisons: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("comparisons > 0", name="comparisons_counted"),)


def read_market(session: Session, line: ProductLine, profile: Mapping[str, Any], now: datetime) -> RateMarket | None:
    """The rates offered in the profile's cell in the window at `now`, before this comparison's
    own; None when the line places no offers in a market. Two range reads of the primary keys."""
    cell = line.market_cell(profile)
    return None if cell is None else read_cell(session, cell, now)


def read_cell(session: Session, cell: str, now: datetime) -> RateMarket:
    """The rates offered in `cell` in the window at `now`."""
    start, end = window(now)
    offers, comparisons = MarketRateOffers.__table__, MarketRateComparisons.__table__
    rows = session.execute(
        select(offers.c.rate, func.sum(offers.c.offers))
        .where(offers.c.cell == cell, offers.c.day >= start, offers.c.day <= end)
        .group_by(offers.c.rate)
    ).all()
    counted = session.scalar(select(func.coalesce(func.sum(comparisons.c.comparisons), 0))
                             .where(comparisons.c.cell == cell, comparisons.c.day >= start, comparisons.c.day <= end))
    return RateMarket(start=start, end=end, comparisons=int(counted or 0),
                      offers_by_rate={int(rate): int(count) for rate, count in rows})


def count_offers(session: Session, line: ProductLine, profile: Mapping[str, Any], result: Mapping[str, Any],
                 now: datetime) -> None:
    """Adds a recommendation's ranked offers to its cell's counts for `now`'s UTC day, through the
    caller's session (the transaction that appends its entry). Rows are written in key order, so
    concurrent comparisons of one cell queue on them rather than deadlock."""
    cell = line.market_cell(profile)
    if cell is not None:
        add_counts(session, cell, now.astimezone(timezone.utc).date(),
                   Counter(thousandths(rate) for _, rate in line.offered_rates(result)))


def add_counts(session: Session, cell: str, day: date, rates: Mapping[int, int]) -> None:
    """Adds one comparison's offers (how many of each rate, in thousandths) to `cell` on `day`;
    nothing for a comparison that ranked none."""
    if not rates:
        return
    _add(session, MarketRateOffers.__table__, "offers",
         [{"cell": cell, "day": day, "rate": rate, "offers": rates[rate]} for rate in sorted(rates)])
    _add(session, MarketRateComparisons.__table__, "comparisons", [{"cell": cell, "day": day, "comparisons": 1}])


def _add(session: Session, table: Any, counted: str, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding to the count: one statement on PostgreSQL and SQLite."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows)
    key = [column.name for column in table.primary_key.columns]
    session.execute(statement.on_conflict_do_update(
        index_elements=key, set_={counted: table.c[counted] + statement.excluded[counted]}))


def prune(session: Session, now: datetime, keep_for: timedelta) -> int:
    """Removes the oldest day's counts of those older than `keep_for` (the retention rule's
    period), a day at a time; how many rows it removed."""
    oldest_kept = now.astimezone(timezone.utc).date() - keep_for + timedelta(days=1)
    removed = 0
    for model in (MarketRateOffers, MarketRateComparisons):
        table = model.__table__
        oldest = session.scalar(select(func.min(table.c.day)).where(table.c.day < oldest_kept))
        if oldest is not None:
            removed += session.execute(delete(table).where(table.c.day == oldest)).rowcount
    return removed


RATE_MARKET_RETENTION = register_retention(RetentionRule(
    name="rate-market",
    label="Counts of the rates offered",
    what=("How many offers of each interest rate we ranked for each kind of loan, credit-score band, loan amount "
          "band and state, per day, and how many comparisons they came from: counts only, with nothing that leads "
          "back to a comparison or a person. They let us show where your rates sit among the rates offered for "
          f"loans like yours in the last {WINDOW_DAYS} days."),
    how="Each day's counts are deleted once they are older than this.",
    setting="CANDOR_RATE_MARKET_RETENTION_DAYS",
    default=WINDOW_DAYS + 1,
    prune=prune,
))
