"""Candor's own CPU per comparison against the bare fan-out floor (bench/baseline_fanout.py),
measured alternately in one run (issue 19).

One sandbox market and one database; Candor (wsgi:app) and the baseline each under gunicorn with
the production settings, both up for the whole run. Then BENCH_RATIO_PAIRS pairs (at least 3), each
driving one side and then the other with the same load (bench.api_throughput.drive: the same
clients, the same random auto profiles), the side going first alternating from pair to pair, so
whatever else the shared machine is doing falls on both sides alike. Each side's figure is the CPU
its gunicorn master and workers used per comparison answered; the ratio is taken per pair and its
median reported as `cpu_ratio_vs_baseline`.

Targets: ratio ≤ 1.5 (aim 1.3); Candor's throughput ≥ 90 % of what the CPU cost of one comparison
(every party: Candor, market, PostgreSQL, load generator) allows on this machine's CPUs.

    python -m bench.cpu_ratio          # BENCH_RATIO_PAIRS=3 BENCH_RATIO_SECONDS=10 BENCH_RATIO_WARM_UP_SECONDS=5
"""

from __future__ import annotations

import os
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import Figure, print_table
from bench.api_throughput import CpuBudget, Load, Site, drive, gunicorn_site, measured_drive, sandbox_market, scratch_database

PAIRS = max(3, int(os.environ.get("BENCH_RATIO_PAIRS", "3")))
SECONDS = float(os.environ.get("BENCH_RATIO_SECONDS", "10"))
WARM_UP_SECONDS = float(os.environ.get("BENCH_RATIO_WARM_UP_SECONDS", "5"))
RATIO_TARGET = 1.5
RATIO_AIM = 1.3
CEILING_SHARE_TARGET = 0.90
CANDOR, BASELINE = "Candor", "baseline"
SITE_PARTY = "the site (gunicorn)"


def machine_busy_and_total() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far, every user's processes (/proc/stat)."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


@dataclass(frozen=True)
class Run:
    load: Load
    budget: CpuBudget
    machine_busy: float
    """Share of the machine's CPU time busy during the run, whoever used it."""

    @property
    def site_cpu_ms(self) -> float:
        return self.budget.per_comparison_ms.get(SITE_PARTY, float("nan"))

    def ceiling_share(self, cpus: int) -> float:
        return self.load.per_second / self.budget.ceiling_per_s(cpus)


def _drive(name: str, site: Site) -> Run:
    print(f"  driving {name} for {SECONDS:g} s …", file=sys.stderr, flush=True)
    busy_before, total_before = machine_busy_and_total()
    load, budget = measured_drive(site, seconds=SECONDS, site_party=SITE_PARTY)
    busy_after, total_after = machine_busy_and_total()
    return Run(load, budget, (busy_after - busy_before) / max(1, total_after - total_before))


def warm_up(sites: dict[str, Site]) -> None:
    """Each side driven once, unmeasured, so the pairs compare steady states: a gunicorn worker's
    first requests import and build what it keeps (adapters, compiled CSS selectors, mapper
    configuration, pooled connections), some 2 s of CPU per worker that only Candor pays in full,
    and that the first measured run alone would carry."""
    for name, site in sites.items():
        print(f"  warming {name} up for {WARM_UP_SECONDS:g} s …", file=sys.stderr, flush=True)
        drive(site.url, seconds=WARM_UP_SECONDS, warm_up_s=0)


def alternate(sites: dict[str, Site], pairs: int) -> list[dict[str, Run]]:
    """`pairs` pairs of runs, the side going first alternating."""
    names = list(sites)
    results = []
    for pair in range(pairs):
        order = names if pair % 2 == 0 else names[::-1]
        results.append({name: _drive(name, sites[name]) for name in order})
    return results


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _side_figures(name: str, runs: list[Run], cpus: int) -> list[Figure]:
    def listed(values: list[float], form: str) -> str:
        return "runs " + ", ".join(form.format(value) for value in values)

    cpu = [run.site_cpu_ms for run in runs]
    rate = [run.load.per_second for run in runs]
    figures = [
        Figure(f"{name}: CPU per comparison (gunicorn master + workers), median", f"{_median(cpu):.2f}",
               unit=f"ms ({listed(cpu, '{:.2f}')})"),
        Figure(f"{name}: comparisons per second, median", f"{_median(rate):.1f}",
               unit=f"comparisons/s ({listed(rate, '{:.1f}')})"),
        Figure(f"{name}: latency p50, median of runs", f"{_median([r.load.percentile_ms(50) for r in runs]):.0f}",
               unit="ms"),
        Figure(f"{name}: latency p95, median of runs", f"{_median([r.load.percentile_ms(95) for r in runs]):.0f}",
               unit="ms"),
        Figure(f"{name}: comparisons per second the CPU cost allows on {cpus} CPUs (all parties), median",
               f"{_median([run.budget.ceiling_per_s(cpus) for run in runs]):.1f}", unit="comparisons/s"),
    ]
    refused: Counter[int | str] = Counter()
    for run in runs:
        refused.update({status: count for status, count in run.load.statuses.items() if status != 201})
    if refused:
        figures.append(Figure(f"{name}: answers other than 201", str(sum(refused.values())), "0", False,
                              unit=", ".join(f"{count}× {status}" for status, count in refused.most_common())))
    return figures


def figures(results: list[dict[str, Run]], cpus: int, where: str) -> list[Figure]:
    ratios = [pair[CANDOR].site_cpu_ms / pair[BASELINE].site_cpu_ms for pair in results]
    ratio = _median(ratios)
    shares = [pair[CANDOR].ceiling_share(cpus) for pair in results]
    share = _median(shares)
    print(f"cpu_ratio_vs_baseline={ratio:.2f}", flush=True)
    return [
        Figure(f"cpu_ratio_vs_baseline ({where}), median of {len(ratios)} pairs", f"{ratio:.2f}",
               f"≤ {RATIO_TARGET} (aim {RATIO_AIM})", ratio <= RATIO_TARGET,
               unit="× (pairs " + ", ".join(f"{value:.2f}" for value in ratios) + ")"),
        *_side_figures(CANDOR, [pair[CANDOR] for pair in results], cpus),
        *_side_figures(BASELINE, [pair[BASELINE] for pair in results], cpus),
        Figure("Candor's throughput as a share of what its CPU cost allows, median", f"{share:.0%}",
               f"≥ {CEILING_SHARE_TARGET:.0%}", share >= CEILING_SHARE_TARGET,
               unit="(pairs " + ", ".join(f"{value:.0%}" for value in shares) + ")"),
        # The share above is the machine's CPU our parties got; when the machine was busy
        # throughout (other users' work), the gap is theirs, not something in Candor serialising.
        Figure("machine CPU busy during Candor's runs, all users, median",
               f"{_median([pair[CANDOR].machine_busy for pair in results]):.0%}", unit=""),
    ]


def main() -> list[Figure]:
    cpus = len(os.sched_getaffinity(0))
    with sandbox_market() as (providers_file, market_pid), scratch_database() as database_url:
        with gunicorn_site("wsgi:app", providers_file, market_pid, database_url) as candor, \
                gunicorn_site("bench.baseline_fanout:app", providers_file, market_pid, database_url) as baseline:
            sites = {CANDOR: candor, BASELINE: baseline}
            warm_up(sites)
            results = alternate(sites, PAIRS)
    where = f"gunicorn {candor.workers}×{candor.threads} threads, {cpus} CPUs, {candor.dialect}"
    return figures(results, cpus, where)


if __name__ == "__main__":
    print_table(main())
