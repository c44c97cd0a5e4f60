"""The recommendation log's speed: appends per second with several writer processes, `flask audit
verify` entries per second, and inclusion/consistency proof times at a large size.

    python -m bench.audit [--writers 4] [--append-seconds 10] [--verify-entries 20000] [--proof-size 1000000]

Runs on PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (in a schema of its own,
dropped afterwards), else on a SQLite file. The same settings can be given as BENCH_AUDIT_WRITERS,
BENCH_AUDIT_APPEND_SECONDS, BENCH_AUDIT_VERIFY_ENTRIES and BENCH_AUDIT_PROOF_SIZE. Entries are the
size of a real recommendation (about 15 kB, with a sealed profile); the entries that only make the
tree large for the proof figures are small and bulk-loaded.

Targets (issue 19): ≥ 2,000 appends/s with 4 writers, verify ≥ 100,000 entries/s, an inclusion
proof in ≤ 1 ms (median) and the compliance list's p95 ≤ 50 ms at a million entries; each figure
is the median of three runs. Next to the rates it prints the CPU they cost (the writer processes
and their PostgreSQL backends per append, the verifying processes per entry, a proof with the
server's share): on a machine shared with other work the rates move a lot from run to run, the
CPU much less.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade
from psycopg import sql as psycopg_sql

from app import create_app
from app.actors import Actor
from app.audit import checkpoints, merkle, tree
from app.audit.canonical import canonical_json, loggable
from app.audit.entries import columns_of_header, header_of
from app.audit.keys import current_keys
from app.audit.log import append, make_leaf
from app.audit.models import AuditEntry, AuditHead, AuditTreeNode
from app.audit.verify import verify_log
from app.auth import session_fields
from app.auth.service import create_user as create_account
from app.db import db, scratch_schema, utcnow
from bench import Figure, print_table
from bench.api_throughput import cpu_seconds

DEFAULTS = {"writers": 4, "append_seconds": 10.0, "verify_entries": 20_000, "proof_size": 1_000_000}
BULK_BATCH = 20_000


def recommendation_body(rng: random.Random, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A body shaped and sized like a logged auto-insurance recommendation, and its profile."""
    providers = []
    for p in range(7):
        terms = {f"field_{k}": f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}" for k in range(18)}
        providers.append({
            "provider": f"provider-{p}", "provider_name": f"Provider {p} Mutual", "house": p == 0,
            "adapter": "quote_protocol", "commission": f"{rng.randint(1, 15)}% of the first year's premium",
            "request_id": uuid.UUID(int=rng.getrandbits(128)).hex, "latency_ms": rng.randint(20, 900),
            "outcome": "quoted", "failure": None, "invalid_quotes": [],
            "quotes": [{"id": f"q-{n}-{p}", "product": "auto", "currency": "USD",
                        "valid_until": "2026-12-23T05:00:00Z", "terms": terms,
                        "url": f"https://provider-{p}.example/quotes/{n}"}],
        })
    ranking = [{
        "provider": f"provider-{p}", "provider_name": f"Provider {p} Mutual", "house": p == 0, "handle": f"offer-{p}",
        "rank": p + 1, "tied": False, "quote_id": f"q-{n}-{p}", "url": f"https://provider-{p}.example/quotes/{n}",
        "currency": "USD", "valid_until": "2026-12-23T05:00:00Z",
        "score": str(Decimal(rng.randint(10_000_000, 99_999_999)) / 1_000_000),
        "contributions": {f"criterion_{c}": str(Decimal(rng.randint(0, 9_999_999)) / 1_000_000) for c in range(5)},
        "values": {f"criterion_{c}": str(Decimal(rng.randint(0, 999_999)) / 100) for c in range(5)},
        "facts": {f"fact_{c}": f"${rng.randint(100, 9999):,}.00 a year" for c in range(6)},
        "dominated_by": [], "why": ["costs $120.00 a year less", "a better claims satisfaction rating"],
    } for p in range(6)]
    body = {
        "product": {"key": "auto", "version": "1", "name": "Auto insurance"},
        "engine": {"version": "1", "tie_tolerance": "0.5"}, "deadline_ms": 5000,
        "preferences": {"preset": "balanced", "weights": {f"criterion_{c}": "20" for c in range(5)}},
        "criteria": [{"key": f"criterion_{c}", "label": f"Criterion {c}", "weight": "20",
                      "description": "What this criterion measures and how it is scaled. " * 3} for c in range(5)],
        "providers": providers, "ranking": ranking, "excluded": [], "failures": [],
        "recommended": {"provider": "provider-1", "quote_id": f"q-{n}-1"},
        "house": {"provider": "provider-0", "rank": 2, "best": False},
        "explanation": {"top_reasons": ["It is the cheapest offer that meets everything you asked for."] * 3,
                        "house_notice": "Provider 1 Mutual fits you better than our offer.", "house_gap": None},
        "disclosures": {"methodology_version": "auto-methodology-1", "disclosure_version": "auto-disclosure-1",
                        "commissions": [{"provider": f"provider-{p}", "name": f"Provider {p} Mutual",
                                         "house": p == 0, "commission": "10%"} for p in range(7)]},
        "actor": {"type": "anonymous", "id": None},
    }
    profile = {"zip_code": f"{rng.randint(10000, 99999)}", "state": "CA", "driver_birth_date": "1988-04-12",
               "years_licensed": 15, "at_fault_accidents_5y": 0, "violations_5y": 1, "vehicle_year": 2019,
               "vehicle_make": "Toyota", "vehicle_model": "Corolla", "vehicle_value": "16500.00",
               "annual_mileage": 11000, "vehicle_use": "commute", "continuous_cover": True,
               "liability_limits": "100/300/100", "comprehensive": True, "collision": True, "deductible": "500"}
    return body, profile


@contextmanager
def bench_database() -> Iterator[str]:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    with scratch_schema(base, "bench") as url:
        yield url


def app_config(database_url: str, key_directory: str) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "TESTING": True,
            "CANDOR_SIGNING_KEY_FILE": f"{key_directory}/signing.pem",
            "CANDOR_DATA_KEY": "YmVuY2gtZGF0YS1rZXktYmVuY2gtZGF0YS1rZXktMzI=",
            "CANDOR_COMPARISON_RATE_LIMIT": "100000 per minute", "CANDOR_PROVIDERS": []}


def _backend_cpu(session: Any) -> tuple[int, float]:
    """The PostgreSQL backend serving this session, and the CPU it has used so far; 0.0 where
    its process cannot be read (a server on another machine)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0, 0.0
    pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    return pid, cpu_seconds([pid]).get(pid, 0.0)


def _writer(config: dict[str, Any], writer: int, run: str, seconds: float, start: Any, counts: Any) -> None:
    try:
        counts.put(_appends_of_one_writer(config, writer, run, seconds, start))
    except Exception as error:  # the parent says which writer failed and why, instead of waiting out its timeout
        start.abort()
        counts.put(f"writer {writer}: {type(error).__name__}: {error}")


def _appends_of_one_writer(config: dict[str, Any], writer: int, run: str, seconds: float,
                           start: Any) -> tuple[int, float, float]:
    application = create_app(config)
    rng = random.Random(writer)
    bodies = [recommendation_body(rng, n) for n in range(50)]
    written = 0
    with application.app_context():
        # One pooled connection serves every append, so its backend's CPU is the appends' share
        # of the server's (the WAL writer and checkpointer are not counted).
        pid, backend_before = _backend_cpu(db.session)
        db.session.commit()
        start.wait(timeout=120)
        client_before = time.process_time()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            body, profile = bodies[written % len(bodies)]
            append(db.session, body, kind="recommendation", channel="web", created_at=utcnow(),
                   reference=f"B{run}-{writer}-{written}", product="auto", personal={"profile": profile})
            db.session.commit()
            written += 1
        client = time.process_time() - client_before
        backend = cpu_seconds([pid]).get(pid, 0.0) - backend_before if pid else 0.0
        db.session.remove()
        db.engine.dispose()
    return written, client, backend


def measure_appends(config: dict[str, Any], writers: int, seconds: float) -> tuple[int, float, float, float]:
    """Appends made, seconds taken, and the CPU seconds the writers and their database backends
    used: CPU per append is what the machine's cores can be asked for, whoever else is busy."""
    context = multiprocessing.get_context("spawn")
    start, counts = context.Barrier(writers + 1), context.Queue()
    run = uuid.uuid4().hex[:8]  # each run's references its own: a reference is logged once
    processes = [context.Process(target=_writer, args=(config, w, run, seconds, start, counts)) for w in range(writers)]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass  # a writer failed before starting: its report says why
    began = time.perf_counter()
    reports = [counts.get(timeout=seconds + 120) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)
    failures = [report for report in reports if isinstance(report, str)]
    if failures:
        raise RuntimeError("; ".join(failures))
    return (sum(report[0] for report in reports), elapsed, sum(report[1] for report in reports),
            sum(report[2] for report in reports))


def bulk_load(count: int, *, realistic: bool) -> None:
    """Appends `count` entries straight into the tables, in the exact format `append` writes (the
    same leaves, columns, tree nodes and head), far faster than one transaction each."""
    if count <= 0:
        return
    session = db.session
    head = tree.read_head(session)
    frontier, index = head.frontier, head.size
    rng = random.Random(index)
    moment = datetime(2026, 11, 23, tzinfo=timezone.utc)
    keys = current_keys()
    while count > 0:
        batch = min(count, BULK_BATCH if not realistic else BULK_BATCH // 10)
        entry_rows, node_rows = [], []
        for _ in range(batch):
            created_at = moment + timedelta(seconds=index)
            if realistic:
                body, _ = recommendation_body(rng, index)
                body["personal"] = {"v": 1, "alg": "A256GCM", "subject": f"s-bench-{index}", "nonce": "AAAAAAAAAAAAAAAA",
                                    "ciphertext": "QUJD" * 150}
            else:
                body = {"note": "bulk-loaded entry"}
            actor = body.pop("actor", None)
            header = header_of({**body, "actor": actor, "index": index, "time": loggable(created_at),
                                "kind": "recommendation" if realistic else "test", "channel": "web",
                                "reference": f"BULK-{index}"})
            leaf = make_leaf(header, canonical_json(body))
            leaf_hash = merkle.leaf_hash(leaf)
            columns = columns_of_header(header)
            entry_rows.append({**columns, "leaf": leaf, "leaf_hash": leaf_hash})
            frontier, completed = merkle.extend(frontier, index, leaf_hash)
            node_rows.extend({"level": level, "index": i, "hash": h} for (level, i), h in completed)
            index += 1
        _insert(session, AuditEntry.__table__, entry_rows)
        _insert(session, AuditTreeNode.__table__, node_rows)
        session.execute(sa.update(AuditHead).where(AuditHead.id == 1)
                        .values(size=index, frontier=merkle.pack_frontier(frontier)))
        session.commit()
        count -= batch
    checkpoints.record(session, index, merkle.frontier_root(frontier), now=utcnow(), keys=keys)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum's analyze does after a load this size, and the bench would otherwise
        # measure before it ran: planning on a table believed to be empty (the compliance list's
        # "channel=web" took 50 ms instead of 0.04 on a bitmap plan over all million entries).
        session.execute(sa.text("ANALYZE audit_entries, audit_tree_nodes"))
        session.commit()


def _insert(session: Any, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Many rows at once: COPY on PostgreSQL (a million rows in seconds), plain inserts elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    statement = psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg_sql.Identifier(table.name), psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, names)))
    with session.connection().connection.driver_connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])


def measure_proofs(size: int, samples: int = 300) -> tuple[float, float, float, float]:
    """Median and p95 inclusion proof (ms), median consistency proof (ms), and the CPU per
    inclusion proof of this process and its PostgreSQL backend together (ms)."""
    rng = random.Random(7)
    inclusion, consistency = [], []
    pid, backend_before = _backend_cpu(db.session)
    cpu = 0.0
    for _ in range(samples):
        index = rng.randrange(size)
        cpu_before, started = time.process_time(), time.perf_counter()
        tree.inclusion_proof(db.session, index, size)
        inclusion.append((time.perf_counter() - started) * 1000)
        cpu += time.process_time() - cpu_before
        first = rng.randrange(1, size + 1)
        started = time.perf_counter()
        tree.consistency_proof(db.session, first, size)
        consistency.append((time.perf_counter() - started) * 1000)
    backend = cpu_seconds([pid]).get(pid, 0.0) - backend_before if pid else 0.0
    db.session.rollback()
    inclusion.sort()
    # The backend served the consistency proofs too: half of its CPU is put on the inclusion proofs.
    return (statistics.median(inclusion), inclusion[int(len(inclusion) * 0.95)], statistics.median(consistency),
            (cpu + backend / 2) / samples * 1000)


# The compliance list page with the filters a reviewer reaches for; "channel=api" and
# "house_best=yes" match nothing in the bench data, the worst case for keyset pagination.
CONSOLE_QUERIES = ("", "kind=all", "channel=web", "channel=api", "house_best=yes", "failures=yes",
                   "failures=yes&channel=web")


def measure_console(application: Any, samples: int = 20) -> tuple[float, float, str]:
    """Median and p95 of the compliance list page over CONSOLE_QUERIES, and the query whose
    median is slowest."""
    with application.app_context():
        officer = create_account(db.session, f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench-password-1234",
                                 ("compliance",), actor=Actor("bench"), channel="bench")
        db.session.commit()
        session_id, fields = officer.get_id(), session_fields(officer)
    client = application.test_client()
    with client.session_transaction() as session:
        session.update({"_user_id": session_id, "_fresh": True, **fields})
    client.get("/compliance/")  # the first request compiles templates and warms the pool
    timings: list[float] = []
    worst = (0.0, "")
    for query in CONSOLE_QUERIES:
        per_query = []
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(f"/compliance/?{query}")
            per_query.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (query, response.status_code)
        timings.extend(per_query)
        worst = max(worst, (statistics.median(per_query), query))
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)], worst[1] or "(no filter)"


RUNS = 3  # every figure is the median of three runs: the machine is shared, one run says little


def _median_of_runs(measure: Any) -> Any:
    """The run whose first figure is the median of RUNS runs of `measure()`."""
    results = sorted((measure() for _ in range(RUNS)), key=lambda result: result[0])
    return results[len(results) // 2]


def _append_figures(config: dict[str, Any], dialect: str, writers: int, seconds: float) -> tuple[list[Figure], int]:
    def one_run() -> tuple[float, int, float, float]:
        appended, elapsed, client_cpu, backend_cpu = measure_appends(config, writers, seconds)
        return appended / elapsed, appended, client_cpu / max(appended, 1), backend_cpu / max(appended, 1)

    runs = [one_run() for _ in range(RUNS)]
    rate, _, client, backend = sorted(runs)[len(runs) // 2]
    rates = ", ".join(f"{run[0]:,.0f}" for run in runs)
    server = f" + PostgreSQL backend {backend * 1000:.2f} ms" if backend else ""
    return [Figure(f"audit appends, {writers} writer processes, {dialect} (median of {RUNS}: {rates})",
                   f"{rate:,.0f} appends/s", "≥ 2,000/s", rate >= 2000 if dialect == "postgresql" else None),
            Figure("audit append CPU per entry (less noisy than the rate on a shared machine)",
                   f"writer {client * 1000:.2f} ms{server}", "", None)], sum(run[1] for run in runs)


def _verify_figures(dialect: str) -> list[Figure]:
    figures = []
    for processes in sorted({1, os.cpu_count() or 1}):
        def one_run() -> tuple[float, float, int]:
            if dialect == "postgresql":  # as `flask audit verify` runs it: one snapshot throughout
                db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            cpu_before, children_before = time.process_time(), os.times().children_user + os.times().children_system
            report = verify_log(db.session, current_keys(), processes=processes)
            children = os.times().children_user + os.times().children_system - children_before
            cpu = time.process_time() - cpu_before + children
            db.session.rollback()
            assert report.ok, report.problems
            return report.entries_per_second, cpu / max(report.entries, 1), report.entries

        rate, cpu, entries = _median_of_runs(one_run)
        figures.append(Figure(f"audit verify, {entries:,} recommendation-sized entries, {dialect}, "
                              f"{processes} process{'es' if processes > 1 else ''} (median of {RUNS})",
                              f"{rate:,.0f} entries/s ({cpu * 1e6:.0f} µs CPU per entry here)",
                              "≥ 100,000/s", rate >= 100_000))
    return figures


def run(writers: int, append_seconds: float, verify_entries: int, proof_size: int) -> list[Figure]:
    with bench_database() as database_url, tempfile.TemporaryDirectory() as key_directory:
        config = app_config(database_url, key_directory)
        application = create_app(config)
        dialect = sa.make_url(database_url).get_backend_name()
        with application.app_context():
            upgrade()
        figures, appended = _append_figures(config, dialect, writers, append_seconds)
        with application.app_context():
            bulk_load(max(0, verify_entries - appended), realistic=True)
            figures += _verify_figures(dialect)
            started = time.perf_counter()
            bulk_load(max(0, proof_size - verify_entries), realistic=False)
            loaded = time.perf_counter() - started
            size = tree.read_head(db.session).size
            median, p95, consistency, cpu = _median_of_runs(lambda: measure_proofs(size))
            figures.append(Figure(f"audit inclusion proof at {size:,} entries, {dialect} (median of {RUNS})",
                                  f"median {median:.2f} ms, p95 {p95:.2f} ms, {cpu:.2f} ms CPU with the server's "
                                  f"(tree bulk-loaded in {loaded:.0f} s)", "median ≤ 1 ms", median <= 1))
            figures.append(Figure(f"audit consistency proof at {size:,} entries", f"median {consistency:.2f} ms",
                                  "", None))
            db.session.remove()
        median, p95, slowest = _median_of_runs(lambda: measure_console(application))
        figures.append(Figure(f"compliance list page at {size:,} entries, {dialect} (median of {RUNS})",
                              f"median {median:.0f} ms, p95 {p95:.0f} ms (slowest filter: {slowest})",
                              "p95 ≤ 50 ms", p95 <= 50))
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    return figures


def _settings(argv: list[str] | None = None) -> argparse.Namespace:
    def default(name: str, kind: type) -> Any:
        return kind(os.environ.get(f"BENCH_AUDIT_{name.upper()}", DEFAULTS[name]))

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=default("writers", int))
    parser.add_argument("--append-seconds", type=float, default=default("append_seconds", float))
    parser.add_argument("--verify-entries", type=int, default=default("verify_entries", int))
    parser.add_argument("--proof-size", type=int, default=default("proof_size", int))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[Figure]:
    settings = _settings(argv if argv is not None else [])
    return run(settings.writers, settings.append_seconds, settings.verify_entries, settings.proof_size)


if __name__ == "__main__":
    print_table(main(sys.argv[1:]))
