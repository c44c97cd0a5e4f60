"""Provider fan-out: how long a whole comparison (ask, validate, rank, log, commit) takes when every
provider answers after a fixed latency L, and what a provider that never answers costs.

Targets (issue 3): with 8 providers each answering after L, p95 comparison time ≤ L + 100 ms;
a never-answering provider costs no more than the deadline (+ 100 ms of our own work).

    python -m bench.providers            (BENCH_LATENCY_S, BENCH_RUNS to change L and the run count)
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from app import create_app
from app.comparison.api import run_comparison
from app.db import db
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from bench import Figure, print_table
from providers.sandbox.sample_profiles import random_auto_profile
from providers.testing.faults import misbehave, quote_app, slow
from providers.testing.servers import LoopbackServer

PROVIDERS = 8
LATENCY_S = float(os.environ.get("BENCH_LATENCY_S", "0.2"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
DEADLINE_S = 1.0
SLACK_MS = 100
NAME = "providers"


def _provider(key: str, url: str, **options: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "adapter": "quote_protocol", "products": ["auto"], "house": key == "p0",
            "timeout_s": 5.0, "commission": "", "url": url, "quote_cache": False, **options}


def _answering(latency_s: float) -> Any:
    return lambda stopping: slow(quote_app(TERMS_SCHEMA["examples"][0], stopping=stopping), latency_s, stopping)


def _hanging(stopping: threading.Event) -> Any:
    return misbehave(quote_app(TERMS_SCHEMA["examples"][0], stopping=stopping), "hang", stopping=stopping)


def _serve(latency_s: float | None, urls: Any, stop: Any) -> None:
    """One provider in a process of its own, so its work does not compete with Candor's (or the
    other providers') for an interpreter, as real providers would not. None: never answers."""
    server = LoopbackServer(_hanging if latency_s is None else _answering(latency_s), takes_stopping=True).start()
    urls.send(server.url)
    stop.wait()
    server.stop()


def _times(entries: list[dict[str, Any]], runs: int, deadline_s: float, workdir: Path, tag: str) -> list[float]:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / tag}.db",
                      "CANDOR_PROVIDERS": entries, "REDIS_URL": None, "CANDOR_CACHE_NAMESPACE": f"bench-{tag}"})
    line = get_product_line("auto")
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    timings = []
    with app.app_context():
        upgrade()
        registry = app.extensions["candor.providers"]
        for _ in range(runs):
            profile = random_auto_profile(rng, today)
            started = time.perf_counter()
            run_comparison(db.session, registry, line, profile, preferences={}, channel="web", deadline_s=deadline_s)
            db.session.commit()
            timings.append(time.perf_counter() - started)
        registry.close()
        db.session.remove()
        db.engine.dispose()
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> list[Figure]:
    figures: list[Figure] = []
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    market, addresses = [], []
    for latency_s in [*[LATENCY_S] * PROVIDERS, None]:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_serve, args=(latency_s, send, stop), daemon=True)
        process.start()
        market.append(process)
        addresses.append(receive)
    *urls, silent_url = [receive.recv() for receive in addresses]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            answering = [_provider(f"p{n}", url) for n, url in enumerate(urls)]
            _times(answering, 3, 5.0, workdir, "warm")  # imports, pools, first parses
            timings = _times(answering, RUNS, 5.0, workdir, "fanout")
            median, tail = statistics.median(timings), p95(timings)
            figures += [
                Figure(NAME, f"{PROVIDERS} providers answering after L = {LATENCY_S * 1000:.0f} ms, {RUNS} comparisons"),
                Figure(NAME, f"comparison p50 {median * 1000:.0f} ms"),
                Figure(NAME, f"comparison p95 {tail * 1000:.0f} ms", f"≤ L + {SLACK_MS} ms = {LATENCY_S * 1000 + SLACK_MS:.0f} ms",
                       tail <= LATENCY_S + SLACK_MS / 1000),
                Figure(NAME, f"p95 / slowest provider's latency = {tail / LATENCY_S:.2f}", "≤ " + f"{(LATENCY_S + SLACK_MS / 1000) / LATENCY_S:.2f}"),
            ]
            # One provider never answers; its breaker is set so it is asked every time.
            with_silent = answering[:-1] + [_provider("silent", silent_url, breaker_failures=1000, timeout_s=DEADLINE_S)]
            timings = _times(with_silent, max(5, RUNS // 4), DEADLINE_S, workdir, "silent")
            tail = p95(timings)
            figures += [
                Figure(NAME, f"one provider never answers, deadline {DEADLINE_S * 1000:.0f} ms: p95 {tail * 1000:.0f} ms",
                       f"≤ deadline + {SLACK_MS} ms", tail <= DEADLINE_S + SLACK_MS / 1000),
                Figure(NAME, f"its cost beyond the others: {(tail - LATENCY_S) * 1000:.0f} ms",
                       f"≤ deadline − L = {(DEADLINE_S - LATENCY_S) * 1000:.0f} ms + {SLACK_MS} ms",
                       tail - LATENCY_S <= DEADLINE_S - LATENCY_S + SLACK_MS / 1000),
            ]
            # With the default breaker it is skipped after 5 timeouts in a row.
            with_breaker = answering[:-1] + [_provider("silent", silent_url, timeout_s=DEADLINE_S)]
            timings = _times(with_breaker, 12, DEADLINE_S, workdir, "breaker")
            figures.append(Figure(NAME, f"same, default circuit breaker: comparisons 1-5 p50 "
                                        f"{statistics.median(timings[:5]) * 1000:.0f} ms, 6-12 p50 "
                                        f"{statistics.median(timings[5:]) * 1000:.0f} ms (skipped)"))
    finally:
        stop.set()
        for process in market:
            process.join(timeout=10)
    return figures


if __name__ == "__main__":
    print_table(main())
