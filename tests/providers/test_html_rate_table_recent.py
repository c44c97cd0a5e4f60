"""A rate page read from the shared store is used again for RECENT_PAGE_S without asking the store
(a Redis GET and a SHA-256 of the page on every comparison otherwise), and asked for again after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from providers.base import AdapterContext
from providers.html_rate_table import RECENT_PAGE_S
from providers.store import MemoryStore
from tests.providers.test_html_rate_table import adapter_for, ask, market  # noqa: F401 - market is a fixture


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, key: str) -> bytes | None:
        self.reads.append(key)
        return super().get(key)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self.reads.extend(keys)
        return super().get_many(keys)


def test_the_page_is_asked_of_the_store_once_per_recent_window(market) -> None:  # noqa: F811
    now = [datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)]
    store = CountingStore()
    adapter = adapter_for(market)
    adapter.context = AdapterContext(store=store, namespace="recent", clock=lambda: now[0])
    first = ask(adapter)
    page_reads = lambda: [key for key in store.reads if ":page:" in key]  # noqa: E731
    read_for_the_first = len(page_reads())  # found nothing kept (asked before and after the fetch lock)
    now[0] += timedelta(seconds=RECENT_PAGE_S / 2)
    assert ask(adapter) == first and len(page_reads()) == read_for_the_first
    now[0] += timedelta(seconds=RECENT_PAGE_S)
    assert [quote.terms for quote in ask(adapter)] == [quote.terms for quote in first]
    assert len(page_reads()) == read_for_the_first + 1
    adapter.close()
