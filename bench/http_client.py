"""CPU per quote request through providers/http.py (issue 19): the quote-protocol POST, as an adapter
sends it, to one sandbox insurer on loopback in a process of its own (waitress, kept-alive
connections, as providers' servers keep them), so only the client's own work is counted.

Each run sends BENCH_HTTP_POSTS POSTs one after another and takes this process's CPU time
(time.process_time) per POST; the median of BENCH_HTTP_RUNS runs is reported. To compare two
clients, run it against each tree in turn (PYTHONPATH), alternating.

    python -m bench.http_client        # BENCH_HTTP_POSTS=2000 BENCH_HTTP_RUNS=3
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date
import tomllib
from pathlib import Path

from bench import Figure, print_table
from bench.api_throughput import sandbox_market
from providers.base import QuoteQuery
from providers.quote_protocol import QuoteProtocolAdapter
from providers.registry import parse_provider_entries
from providers.sandbox.sample_profiles import random_auto_profile

POSTS = int(os.environ.get("BENCH_HTTP_POSTS", "2000"))
RUNS = max(1, int(os.environ.get("BENCH_HTTP_RUNS", "3")))
WARM_UP = 50
NAME = "http_client"


def cpu_ms_per_post(adapter: QuoteProtocolAdapter, requests: list[dict[str, object]]) -> float:
    started = time.process_time()
    for request in requests:
        adapter.extract(request, timeout_s=3.0)
    return (time.process_time() - started) * 1000 / len(requests)


def main() -> list[Figure]:
    rng = random.Random(19)
    with sandbox_market() as (providers_file, _pid):
        entries = tomllib.loads(Path(providers_file).read_text())["provider"]
        entry = next(entry for entry in entries if entry["adapter"] == "quote_protocol")
        [config] = parse_provider_entries([entry], origin="bench")
        adapter = QuoteProtocolAdapter(config)
        try:
            requests = [adapter.transform_query(QuoteQuery("auto", random_auto_profile(rng, date.today()), f"r-{n}"))
                        for n in range(POSTS)]
            cpu_ms_per_post(adapter, requests[:WARM_UP])
            runs = [cpu_ms_per_post(adapter, requests) for _ in range(RUNS)]
        finally:
            adapter.close()
    print(f"  CPU per POST, each run: {', '.join(f'{run:.3f} ms' for run in runs)}", file=sys.stderr)
    return [Figure(NAME, f"{statistics.median(runs):.3f}", unit="ms CPU per quote POST",
                   target=f"median of {RUNS} runs of {POSTS} POSTs")]


if __name__ == "__main__":
    print_table(main())
