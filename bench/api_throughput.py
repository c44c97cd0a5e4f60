"""Comparisons per second through the JSON API, served by gunicorn with the production
configuration (gunicorn.conf.py), the sandbox market's auto insurers answering at once.

The market runs in a process of its own (as real insurers would not share our interpreter); the
load comes from BENCH_API_CLIENTS threads in this process, each sending one comparison after
another for BENCH_API_SECONDS (after a short warm-up), every one a different profile and with the
quote cache off, so each is a full comparison: ask eight insurers, validate, rank, log, commit.
Target (issue 8): at least 100 comparisons per second on a 2-core machine.

Runs on PostgreSQL (a schema of its own, dropped afterwards) when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set, else on a SQLite file; Redis from BENCH_REDIS_URL or TEST_REDIS_URL if
set. Everything listens on loopback only and is stopped at the end.

    python -m bench.api_throughput
"""

from __future__ import annotations

import base64
import logging
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from app.db import scratch_schema
from bench import Figure, print_table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
CLIENTS = int(os.environ.get("BENCH_API_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "20"))
WARM_UP_S = 3.0
STARTUP_TIMEOUT_S = 60
TARGET_PER_S = 100
MARKET_THREADS = 4


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_market(providers_file: str, ready: Any, stop: Any) -> None:
    """The auto insurers, answering at once and never failing, until `stop` is set.

    They are served by waitress rather than the werkzeug server behind SandboxMarket: werkzeug
    closes the connection after every reply (right for the fault tests, which need a fresh
    connection per request), while the providers' production servers keep connections open, so a
    werkzeug market would make every quote pay for a new TCP connection and thread on both sides
    and measure that instead of Candor."""
    import dataclasses
    import random as random_module

    from waitress.server import create_server

    from providers.sandbox.insurer_app import RunState
    from providers.sandbox.market import PROVIDER_TIMEOUT_S, auto_market, toml_value

    # A queue of requests waiting for a market thread is what a flood of comparisons looks like.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    stopping = threading.Event()
    lines = []
    for spec in (dataclasses.replace(spec, latency_s=0.0, error_rate=0.0) for spec in auto_market()):
        state = RunState(stopping=stopping, error_rng=random_module.Random(spec.error_seed))
        server = create_server(spec.wsgi_app(state), host="127.0.0.1", port=0, threads=MARKET_THREADS,
                               ident="sandbox", clear_untrusted_proxy_headers=True)
        threading.Thread(target=server.run, name=f"market-{spec.key}", daemon=True).start()
        entry = spec.provider_entry(f"http://127.0.0.1:{server.effective_port}", PROVIDER_TIMEOUT_S)
        # Every comparison asks the insurers: a cached answer would measure Redis, not Candor.
        lines += ["[[provider]]", *(f"{name} = {toml_value(value)}" for name, value in
                                    {**entry, "quote_cache": False}.items()), ""]
    Path(providers_file).write_text("\n".join(lines))
    ready.set()
    stop.wait(timeout=600)
    stopping.set()


@contextmanager
def scratch_database() -> Iterator[str]:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    with scratch_schema(base, "bench") as url:
        yield url


@dataclass
class Site:
    url: str
    master_pid: int
    market_pid: int
    dialect: str
    workers: int
    threads: int


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@contextmanager
def sandbox_market() -> Iterator[tuple[str, int]]:
    """The auto insurers in a process of their own: the providers file naming them, and its pid."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    with tempfile.TemporaryDirectory() as directory:
        providers_file = f"{directory}/providers.toml"
        market = context.Process(target=_run_market, args=(providers_file, ready, stop), daemon=True)
        market.start()
        try:
            if not ready.wait(timeout=STARTUP_TIMEOUT_S):
                raise RuntimeError("the sandbox market did not start")
            yield providers_file, market.pid or 0
        finally:
            stop.set()
            market.join(timeout=15)
            if market.is_alive():
                market.terminate()
                market.join(timeout=5)


@contextmanager
def gunicorn_site(target: str, providers_file: str, market_pid: int, database_url: str) -> Iterator[Site]:
    """`target` (a WSGI app, "module:name") under gunicorn with the production configuration, in
    front of `database_url` (migrated first); stopped after."""
    with tempfile.TemporaryDirectory() as directory:
        redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or ""
        port = _free_port()
        environment = {
            **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port),
            "CANDOR_SECRET_KEY": secrets.token_urlsafe(32), "CANDOR_PROVIDERS_FILE": providers_file,
            "CANDOR_SIGNING_KEY_FILE": f"{directory}/signing-key.pem",
            "CANDOR_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:12]}",
            "CANDOR_API_COMPARISON_RATE_LIMIT": "1000000 per minute",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            # Limits are set out of reach above, so workers counting them alone is harmless here.
            **({} if redis_url else {"CANDOR_RATE_LIMITS_PER_WORKER": "1"}),
        }
        environment.pop("GUNICORN_BIND", None)
        subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=PROJECT_ROOT,
                       env=environment, check=True, capture_output=True, timeout=120)
        log = open(f"{directory}/gunicorn.log", "wb")
        gunicorn = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", target],
                                    cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        log.close()
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, gunicorn, Path(f"{directory}/gunicorn.log"))
            settings = _gunicorn_settings(environment)
            yield Site(url, gunicorn.pid, market_pid, sa.make_url(database_url).get_backend_name(), *settings)
        finally:
            _stop(gunicorn)


@contextmanager
def serving(target: str = "wsgi:app") -> Iterator[Site]:
    """The sandbox market and one gunicorn instance in front of a fresh database; all stopped after."""
    with sandbox_market() as (providers_file, market_pid), scratch_database() as database_url:
        with gunicorn_site(target, providers_file, market_pid, database_url) as site:
            yield site


def _gunicorn_settings(environment: dict[str, str]) -> tuple[int, int]:
    """Workers and threads as gunicorn.conf.py works them out from this environment."""
    probe = subprocess.run(
        [str(VENV_BIN / "python"), "-c",
         "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['workers'], c['threads'])"],
        cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True, text=True, timeout=30)
    workers, threads = probe.stdout.split()
    return int(workers), int(threads)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or no worker up yet
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn was not healthy within {STARTUP_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")


@dataclass
class Load:
    seconds: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)
    sent: int = 0
    """Every comparison answered 201, the warm-up's and the last moment's included."""

    @property
    def completed(self) -> int:
        return self.statuses[201]

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return float("nan")
        return ordered[max(0, -(-percent * len(ordered) // 100) - 1)] * 1000


def consistent_auto_profile(rng: random.Random, today: Any) -> dict[str, Any]:
    """A random auto profile whose state is its ZIP code's (the API refuses a ZIP in another
    state, and the generator draws the two apart); ZIP codes that do not exist, or lie in a
    territory the line does not cover, and liability limits under the state's minimum (which the
    API refuses too) are drawn again, so that every comparison driven is one Candor answers."""
    from app.products.auto_insurance.state_minimums import below_state_minimum
    from app.products.zip_codes import state_of
    from providers.sandbox.profile import US_STATE_CODES
    from providers.sandbox.sample_profiles import random_auto_profile

    while True:
        profile = random_auto_profile(rng, today)
        state = state_of(profile["zip_code"])
        if state in US_STATE_CODES and below_state_minimum(profile["liability_limits"], state) is None:
            return {**profile, "state": state}


def drive(url: str, *, clients: int = CLIENTS, seconds: float = SECONDS, warm_up_s: float = WARM_UP_S,
          during: Any = None) -> Load:
    """`clients` threads posting comparisons back to back; only those started after the warm-up
    and finished within `seconds` of it count. `during()` is called every 0.2 s meanwhile."""
    load = Load()
    lock = threading.Lock()
    started = time.perf_counter()
    measuring_from = started + warm_up_s
    ending_at = measuring_from + seconds
    today = datetime.now(UTC).date()

    def client(number: int) -> None:
        rng = random.Random(number)
        http = requests.Session()
        while (began := time.perf_counter()) < ending_at:
            body = {"product": "auto", "profile": consistent_auto_profile(rng, today)}
            try:
                status: int | str = http.post(f"{url}/api/v1/comparisons", json=body, timeout=30).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            finished = time.perf_counter()
            if status == 201:
                with lock:
                    load.sent += 1
            if began >= measuring_from and finished <= ending_at:
                with lock:
                    load.statuses[status] += 1
                    if status == 201:
                        load.latencies_s.append(finished - began)
        http.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if during is not None:
            during()
        time.sleep(0.2)
    load.seconds = seconds
    return load


def worker_pids(master_pid: int) -> list[int]:
    """The master's children, read from /proc (gunicorn's workers; they come and go on restarts)."""
    children: list[int] = []
    for task in Path(f"/proc/{master_pid}/task").glob("*/children"):
        try:
            children.extend(int(pid) for pid in task.read_text().split())
        except OSError:
            continue
    return children


def _pids_named(name: str) -> list[int]:
    """The processes of that command name on this machine (servers running here, as in CI)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes when the server runs on this machine (as here and in CI), else none."""
    return _pids_named("postgres")


def _redis_pids() -> list[int]:
    """Redis's when it runs on this machine: the site's rate limits and provider caches live there."""
    return _pids_named("redis-server")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU time each process has used so far (Linux /proc); gone ones left out."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return used


def _used_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second: all of it for one
    started meanwhile (a new database connection). One that ended meanwhile is not counted."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


@dataclass
class CpuBudget:
    """Where the CPU time of one comparison goes on this machine, every party on the same cores."""

    per_comparison_ms: dict[str, float]

    @property
    def total_ms(self) -> float:
        return sum(self.per_comparison_ms.values())

    def ceiling_per_s(self, cpus: int) -> float:
        return cpus * 1000 / self.total_ms if self.total_ms else float("nan")


def measured_drive(site: Site, *, seconds: float = SECONDS,
                   site_party: str = "Candor (gunicorn)") -> tuple[Load, CpuBudget]:
    """drive(), and the CPU each party used for it, per comparison answered."""
    # PostgreSQL's and Redis's figures count every client on this machine: read them on a quiet machine.
    parties = {site_party: lambda: [site.master_pid, *worker_pids(site.master_pid)],
               "the sandbox market": lambda: [site.market_pid], "PostgreSQL": _postgres_pids, "Redis": _redis_pids}
    before = {name: cpu_seconds(pids()) for name, pids in parties.items()}
    load_before = time.process_time()
    load = drive(site.url, seconds=seconds)
    generator_s = time.process_time() - load_before
    used = {name: _used_since(before[name], cpu_seconds(pids())) for name, pids in parties.items()}
    used["the load generator"] = generator_s
    answered = max(load.sent, 1)
    return load, CpuBudget({name: seconds * 1000 / answered for name, seconds in used.items() if seconds > 0})


def main() -> list[Figure]:
    with serving() as site:
        load, budget = measured_drive(site)
    other = {str(status): count for status, count in load.statuses.items() if status != 201}
    cpus = len(os.sched_getaffinity(0))
    where = f"gunicorn {site.workers}×{site.threads} threads, {cpus} CPUs, {site.dialect}"
    figures = [
        Figure(f"API comparisons per second ({where}, {CLIENTS} clients)", f"{load.per_second:,.1f}",
               f"≥ {TARGET_PER_S}", load.per_second >= TARGET_PER_S, unit="comparisons/s"),
        Figure("API comparison latency under that load, p50", f"{load.percentile_ms(50):,.0f}", unit="ms"),
        Figure("API comparison latency under that load, p95", f"{load.percentile_ms(95):,.0f}", unit="ms"),
        *(Figure(f"CPU per comparison: {party}", f"{ms:,.1f}", unit="ms")
          for party, ms in budget.per_comparison_ms.items()),
        Figure(f"comparisons per second that CPU cost allows on {cpus} CPUs, all parties sharing them",
               f"{budget.ceiling_per_s(cpus):,.0f}", unit="comparisons/s"),
    ]
    if other:
        figures.append(Figure("API answers other than 201 during the run", f"{sum(other.values())}",
                              "0", False, unit=", ".join(f"{count}× {status}" for status, count in other.items())))
    return figures


if __name__ == "__main__":
    print_table(main())
