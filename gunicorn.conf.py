"""gunicorn's production configuration: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting can be changed from the environment (names below); docs/deploying.md explains them.
The site is stateless, so any number of these instances can run behind one reverse proxy, sharing
PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving.access_log import GunicornAccessLogger  # noqa: E402 - needs the path above


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from error
    if value < 1:
        raise RuntimeError(f"{name} must be at least 1, got {value}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise RuntimeError(f"{name} must be a number of seconds, got {raw!r}") from error


def _cpu_count() -> int:
    # The CPUs this process may run on (a container's cpuset), not the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# Behind a reverse proxy on the same machine by default; GUNICORN_BIND (e.g. "0.0.0.0:8000" or
# "unix:/run/candor.sock") when the proxy is elsewhere.
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]

# A comparison spends almost all of its time waiting for providers over the network (and the
# progress page holds its request open until the last provider answers or the deadline passes),
# so each process runs threads: a few processes for the CPU work of ranking and logging, many
# threads for the waiting. WEB_CONCURRENCY is the name platforms conventionally set.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", _int("GUNICORN_WORKERS", 2 * _cpu_count()))
threads = _int("GUNICORN_THREADS", 8)
# Every thread may hold a database connection for its request; a pool smaller than the threads
# opens and closes an overflow connection (a new PostgreSQL backend) whenever they are all busy.
os.environ.setdefault("CANDOR_DB_POOL_SIZE", str(threads))

# A comparison may legitimately take the whole provider deadline (CANDOR_COMPARISON_DEADLINE_S,
# 5 s by default) plus ranking and the log write; a worker is only declared stuck well after
# that, and a restart lets comparisons in flight finish before the worker goes.
_deadline_s = _seconds("CANDOR_COMPARISON_DEADLINE_S", 5.0)
timeout = max(30, int(_deadline_s * 4))
graceful_timeout = max(30, int(_deadline_s * 2) + 10)
# The reverse proxy keeps connections open to us; a little longer than one request-response.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# preload_app stays off. create_app() opens things a forked child must not share with its parent
# or its siblings: the database pool (psycopg connections are not fork-safe), the Redis client of
# the rate limiter, the provider registry's HTTP sessions and key files read at start-up. Loading
# the app in each worker after the fork gives every worker its own. The memory preloading would
# save is small in CPython (reference counting writes to shared pages, so they are copied
# anyway), and without it `kill -HUP` picks up new code.
preload_app = False

# Recycle a worker now and then, so a slow leak in any library cannot grow without bound; the
# jitter keeps the workers from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max(1, max_requests // 10)

# Heartbeat files in memory: a container's overlay disk can stall long enough to look like a
# stuck worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Proxies whose X-Forwarded-* headers gunicorn believes for the request's scheme (comma-separated
# addresses, "*" for any: only when nothing but the proxy can reach gunicorn). The app's own
# CANDOR_PROXY_COUNT decides how many X-Forwarded-For hops it believes for client addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Access log as JSON lines (serving/access_log.py): method, path without the query string, status,
# duration and request id; never the client's address, the referrer or the user agent (personal data
# never goes into logs, and a query string or a referrer can carry it). JSON escapes control
# characters and quotes, so a hostile path cannot forge a line, and a permalink's secret is redacted.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or "-"
logger_class = GunicornAccessLogger
errorlog = os.environ.get("GUNICORN_ERROR_LOG") or "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# The app's own log lines (warnings, exceptions) go to the error log with gunicorn's.
capture_output = False
proc_name = "candor"

# gunicorn's control socket (for gunicornc) lives at one path per user by default, so a second
# instance on the same machine would take over the first one's. Off unless a path is given; signals
# (HUP, TTIN, TTOU, TERM) manage an instance without it.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True


# Rate limits ("30 comparisons a minute") are counted in Redis when REDIS_URL is set; without it each
# worker process counts alone, and N workers would admit N times the limit. So more than one worker
# without REDIS_URL is refused at start (and when TTIN asks for a second one). Several instances need
# REDIS_URL just the same, which no instance can see for itself: docs/deploying.md says so.
# CANDOR_RATE_LIMITS_PER_WORKER=1 accepts the multiplied limits knowingly (a benchmark, a test rig).
PER_WORKER_REFUSAL = (
    "{workers} workers without REDIS_URL would each count rate limits alone, admitting {workers} times "
    "every limit. Set REDIS_URL to a Redis every worker and instance shares, or run one worker "
    "(WEB_CONCURRENCY=1), or set CANDOR_RATE_LIMITS_PER_WORKER=1 to accept limits multiplied by the workers."
)


def _refuse_per_worker_limits(workers: int) -> None:
    shared = (os.environ.get("REDIS_URL") or "").strip()
    accepted = (os.environ.get("CANDOR_RATE_LIMITS_PER_WORKER") or "").strip() == "1"
    if workers > 1 and not shared and not accepted:
        raise RuntimeError(PER_WORKER_REFUSAL.format(workers=workers))


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    _refuse_per_worker_limits(server.cfg.workers)  # the final count, after any -w on the command line


def nworkers_changed(server, new_value: int, old_value: int | None) -> None:  # type: ignore[no-untyped-def]
    try:
        _refuse_per_worker_limits(new_value)
    except RuntimeError as refusal:
        if old_value is None:  # at start-up on_starting has already refused
            raise
        server.log.error("Not adding a worker: %s", refusal)
        server.num_workers = old_value
