"""Canonical JSON of real log records: the reference path (conversion + Python's C encoder) and
the orjson path, timed alternately in one run (issue 19), their bytes compared on every record.

The records are the leaves of auto comparisons run against the sandbox market in this process
(SQLite, quote cache off), each as the JSON document it was logged from.

    python -m bench.canonical          # BENCH_CANONICAL_ROUNDS=7
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from flask_migrate import upgrade

from app import create_app
from app.audit.canonical import canonical_json, reference_canonical_json
from app.audit.log import latest_for_reference
from app.comparison.api import run_comparison
from app.db import db
from app.products import get_product_line
from bench import Figure, print_table
from bench.api_throughput import consistent_auto_profile
from providers.sandbox.market import SandboxMarket

COMPARISONS = 20
ROUNDS = max(3, int(os.environ.get("BENCH_CANONICAL_ROUNDS", "7")))


def logged_records() -> list[Any]:
    with SandboxMarket(overrides={"tortoise": {"latency_s": 0.0}}) as market, \
            tempfile.TemporaryDirectory() as directory:
        entries = [{**entry, "quote_cache": False} for entry in market.provider_entries()]
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "REDIS_URL": None, "CANDOR_PROVIDERS": entries,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/canonical.db",
                          "CANDOR_SIGNING_KEY_FILE": f"{directory}/signing-key.pem",
                          "CANDOR_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode()})
        rng, today, records = random.Random(11), datetime.now(UTC).date(), []
        with app.app_context():
            upgrade()
            registry = app.extensions["candor.providers"]
            for _ in range(COMPARISONS):
                entry = run_comparison(db.session, registry, get_product_line("auto"),
                                       consistent_auto_profile(rng, today), preferences={}, channel="web")
                db.session.commit()
                records.append(json.loads(latest_for_reference(db.session, entry.reference, (entry.kind,)).leaf))
            registry.close()
            db.session.remove()
            db.engine.dispose()
    return records


def _per_record_ms(encode: Any, records: list[Any]) -> float:
    started = time.perf_counter()
    for record in records:
        encode(record)
    return (time.perf_counter() - started) * 1000 / len(records)


def main() -> list[Figure]:
    records = logged_records()
    identical = all(canonical_json(record) == reference_canonical_json(record) for record in records)
    timings: dict[str, list[float]] = {"reference": [], "orjson": []}
    for round_ in range(ROUNDS):
        paths = [("reference", reference_canonical_json), ("orjson", canonical_json)]
        for name, encode in paths if round_ % 2 == 0 else paths[::-1]:
            timings[name].append(_per_record_ms(encode, records))
    size = statistics.median(len(reference_canonical_json(record)) for record in records)
    before, after = (statistics.median(timings[name]) for name in ("reference", "orjson"))
    return [
        Figure(f"canonical JSON of a logged comparison (~{size / 1000:.0f} KB), reference path, median of {ROUNDS}",
               f"{before:.3f}", unit="ms"),
        Figure(f"canonical JSON of a logged comparison (~{size / 1000:.0f} KB), orjson path, median of {ROUNDS}",
               f"{after:.3f}", unit=f"ms ({before / after:.1f}× faster)"),
        Figure(f"orjson bytes identical to the reference path on {len(records)} records", str(identical),
               "True", identical),
    ]


if __name__ == "__main__":
    print_table(main())
