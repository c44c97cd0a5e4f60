"""Peak memory per gunicorn worker under load: the sandbox market and one gunicorn instance as
bench/api_throughput.py runs them, comparisons sent for BENCH_MEMORY_SECONDS, and each worker's
resident set read from /proc while they run (VmRSS) and at the end (VmHWM, the kernel's own peak).
Target (issue 19): at most 100 MB per worker (issue 8 asked for under 150). Linux only (/proc).

    python -m bench.memory
"""

from __future__ import annotations

import os
from pathlib import Path

from bench import Figure, print_table
from bench.api_throughput import drive, serving, worker_pids

SECONDS = float(os.environ.get("BENCH_MEMORY_SECONDS", "10"))
TARGET_MB = 100


def status_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None  # the worker exited meanwhile
    return None


def main() -> list[Figure]:
    peaks_kib: dict[int, int] = {}

    def sample(master_pid: int) -> None:
        for pid in worker_pids(master_pid):
            for field in ("VmRSS", "VmHWM"):
                value = status_kib(pid, field)
                if value is not None:
                    peaks_kib[pid] = max(peaks_kib.get(pid, 0), value)

    with serving() as site:
        sample(site.master_pid)
        idle_kib = max(peaks_kib.values(), default=0)
        load = drive(site.url, seconds=SECONDS, during=lambda: sample(site.master_pid))
        sample(site.master_pid)
    if not peaks_kib:
        raise RuntimeError("no gunicorn worker found under /proc")
    peak_mb = max(peaks_kib.values()) / 1024
    return [
        Figure(f"peak memory per gunicorn worker under load ({len(peaks_kib)} workers, "
               f"{load.completed:,} comparisons)", f"{peak_mb:,.0f}", f"≤ {TARGET_MB}", peak_mb <= TARGET_MB,
               unit="MB resident"),
        Figure("memory per gunicorn worker once started, before any comparison", f"{idle_kib / 1024:,.0f}",
               unit="MB resident"),
    ]


if __name__ == "__main__":
    print_table(main())
