"""Listing entries for the console: filters on the header's columns and keyset pages that meet
exactly, in both directions."""

from __future__ import annotations

from datetime import timedelta

from app.audit.log import document
from app.audit.query import EntryFilter, iter_entries, list_entries
from app.db import db
from tests.app.audit.conftest import MOMENT, add


def seed() -> None:
    for n in range(30):
        add({"actor": {"type": "advisor" if n % 3 == 0 else "anonymous", "id": f"a{n % 2}" if n % 3 == 0 else None},
             "house": {"rank": 1 + n % 4, "best": n % 4 == 0}, "recommended": {"provider": f"p{n % 5}"},
             "failures": [{"kind": "timeout"}] * (n % 2)},
            kind="recommendation" if n % 10 else "login", channel="phone" if n % 2 else "web",
            reference=f"R{n}", product="auto", created_at=MOMENT + timedelta(minutes=n))
    db.session.commit()


def pages(filters: EntryFilter, limit: int) -> list[list[int]]:
    collected, cursor = [], None
    while True:
        page = list_entries(db.session, filters, older_than=cursor, limit=limit)
        collected.append([entry.index for entry in page.entries])
        if page.older_than is None:
            return collected
        cursor = page.older_than


def test_pages_walk_the_log_newest_first_and_back(app):
    with app.app_context():
        seed()
        walked = pages(EntryFilter(), 7)
        assert [index for page in walked for index in page] == list(range(29, -1, -1))
        assert [len(page) for page in walked] == [7, 7, 7, 7, 2]
        last = list_entries(db.session, older_than=walked[-2][-1], limit=7)
        assert last.older_than is None and last.newer_than == 1
        back = list_entries(db.session, newer_than=last.newer_than, limit=7)
        assert [entry.index for entry in back.entries] == walked[-2]
        assert list_entries(db.session).newer_than is None


FILTERED = [
    (EntryFilter(kinds=["login"]), [20, 10, 0]),
    (EntryFilter(channel="phone", house_best=True), []),
    (EntryFilter(house_best=True, kinds=["recommendation"]), [28, 24, 16, 12, 8, 4]),
    (EntryFilter(actor_id="a1"), [27, 21, 15, 9, 3]),
    (EntryFilter(recommended_provider="p2", with_failures=True), [27, 17, 7]),
    (EntryFilter(since=MOMENT + timedelta(minutes=25), until=MOMENT + timedelta(minutes=28)), [27, 26, 25]),
    (EntryFilter(house_rank=2, with_failures=False, kinds=["recommendation"]), []),
]


def test_filters(app):
    with app.app_context():
        seed()
        for filters, expected in FILTERED:
            assert [i for page in pages(filters, 4) for i in page] == expected, filters


def test_listing_does_not_load_leaves_until_asked(app):
    with app.app_context():
        seed()
        entry = list_entries(db.session, limit=1).entries[0]
        assert "leaf" not in entry.__dict__
        assert document(entry)["reference"] == "R29"
        assert [e.index for e in iter_entries(db.session, EntryFilter(kinds=["login"]), batch_size=2)] == [0, 10, 20]
