"""Rate limits never multiply by the number of workers: gunicorn with more than one worker and no
REDIS_URL refuses to start and says why; with REDIS_URL, a limit of N admits exactly N requests
from one address across two workers (gunicorn.conf.py, app/security.py)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from tests.server_support import PROJECT_ROOT, VENV_BIN, free_port, site_environment, start_gunicorn, stop, wait_until_healthy

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
LIMIT = 12
REFUSAL = "workers without REDIS_URL would each count rate limits alone"


def _refused(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", *arguments, "wsgi:app"],
                          cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("workers, arguments", [("2", ()), ("1", ("--workers", "3"))])
def test_more_than_one_worker_without_redis_refuses_to_start(tmp_path: Path, workers, arguments):
    environment = site_environment(f"sqlite:///{tmp_path / 'candor.sqlite3'}", tmp_path)
    environment.update(WEB_CONCURRENCY=workers, PORT=str(free_port()))
    refused = _refused(environment, *arguments)
    assert refused.returncode == 1, refused.stderr
    assert REFUSAL in refused.stderr and "Set REDIS_URL" in refused.stderr


def test_one_worker_without_redis_starts(tmp_path: Path):
    environment = site_environment(f"sqlite:///{tmp_path / 'candor.sqlite3'}", tmp_path)
    environment.update(WEB_CONCURRENCY="1", GUNICORN_THREADS="2")
    instance = start_gunicorn(environment, tmp_path / "gunicorn.log")
    try:
        wait_until_healthy(instance)
    finally:
        stop(instance.process)


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL (CI sets it)")
def test_with_redis_a_limit_of_n_admits_exactly_n_across_two_workers(tmp_path: Path):
    assert TEST_REDIS_URL is not None
    redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()  # unreachable: fail, never skip
    environment = site_environment(f"sqlite:///{tmp_path / 'candor.sqlite3'}", tmp_path)
    access_path = tmp_path / "access.log"
    environment.update(WEB_CONCURRENCY="2", GUNICORN_THREADS="4", REDIS_URL=TEST_REDIS_URL,
                       CANDOR_REFERENCE_RATE_LIMIT=f"{LIMIT} per minute", GUNICORN_ACCESS_LOG=str(access_path))
    # A worker holding 2 connections takes no more, so concurrent look-ups reach both workers.
    instance = start_gunicorn(environment, tmp_path / "gunicorn.log", "--worker-connections", "2")
    try:
        wait_until_healthy(instance)
        _wait_for_both_workers(instance.url, access_path)
        url = f"{instance.url}/api/v1/comparisons/CND-0000-0000"
        with ThreadPoolExecutor(max_workers=3 * LIMIT) as pool:
            statuses = Counter(pool.map(lambda _: requests.get(url, timeout=20).status_code, range(3 * LIMIT)))
    finally:
        stop(instance.process)
    assert statuses == Counter({404: LIMIT, 429: 2 * LIMIT})
    assert len(_workers_seen(access_path, "/api/v1/comparisons/")) == 2, \
        "both workers must have answered some of the look-ups for this to mean anything"


def _workers_seen(access_path: Path, prefix: str) -> set[int]:
    records = [json.loads(line) for line in access_path.read_text().splitlines()]
    return {record["pid"] for record in records if record["path"].startswith(prefix)}


def _wait_for_both_workers(url: str, access_path: Path) -> None:
    """The first worker answers while the second may still be loading the app: wait for both."""
    deadline = time.monotonic() + 60
    while len(_workers_seen(access_path, "/healthz")) < 2:
        assert time.monotonic() < deadline, "the second worker did not answer within 60 s"
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _: requests.get(f"{url}/healthz", timeout=20), range(8)))
        time.sleep(0.2)
