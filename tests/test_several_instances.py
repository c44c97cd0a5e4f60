"""Two gunicorn instances, started with the production configuration (gunicorn.conf.py), sharing
one PostgreSQL database and one Redis, as DESIGN.md's "several instances" deployment runs them.

Comparisons made concurrently through both must all be in one log with dense indices that `flask
audit verify` accepts, and a comparison rate limit of N per minute must admit at most N from one
client across both instances. Needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both); an
unreachable server fails the test rather than skipping it.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.db import scratch_schema
import redis
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from providers.sandbox.market import SandboxMarket
from tests.factories import auto_form, auto_profile

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="several instances share PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL (CI does)",
)

RATE_LIMIT = 10  # comparisons per minute from one client address, across every instance
STARTUP_TIMEOUT_S = 60  # a bound, not the usual: start-up takes a few seconds on an idle machine
REQUEST_TIMEOUT_S = 20
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class Deployment:
    instances: tuple[Instance, Instance]
    database_url: str
    environment: dict[str, str]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the instance's own process group (its master and workers), KILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def _wait_until_healthy(instance: Instance) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_problem = "no answer"
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"gunicorn at {instance.url} exited with {instance.process.returncode}:\n{instance.log()}")
        try:
            answer = requests.get(f"{instance.url}/healthz", timeout=5)
            if answer.status_code == 200:
                return
            last_problem = answer.text
        except requests.RequestException as error:  # refused, or accepted before a worker is up
            last_problem = str(error)
        time.sleep(0.2)
    pytest.fail(f"gunicorn at {instance.url} was not healthy within {STARTUP_TIMEOUT_S} s ({last_problem}):\n{instance.log()}")


def _flask(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *arguments], cwd=PROJECT_ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def shared_schema_url() -> Iterator[str]:
    """A PostgreSQL schema of this module's own, dropped afterwards."""
    assert TEST_DATABASE_URL is not None
    with scratch_schema(TEST_DATABASE_URL, "test_instances") as url:
        yield url


@pytest.fixture(scope="module")
def deployment(shared_schema_url: str, market: SandboxMarket,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    assert TEST_REDIS_URL is not None
    redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()  # unreachable: fail, never skip
    directory = tmp_path_factory.mktemp("instances")
    providers_file = directory / "providers.toml"
    providers_file.write_text(market.providers_toml())
    signing_key = directory / "signing-key.pem"
    signing_key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    signing_key.chmod(0o600)
    environment = {
        **os.environ,
        "DATABASE_URL": shared_schema_url,
        "REDIS_URL": TEST_REDIS_URL,
        # Shared by every instance, as in production: a session (and its CSRF token) made by one
        # instance is honoured by the other, and quote-cache keys agree. Fresh per run, so neither
        # cache keys nor rate-limit counters meet an earlier run's.
        "CANDOR_SECRET_KEY": secrets.token_urlsafe(32),
        "RATELIMIT_KEY_PREFIX": f"test-instances-{uuid.uuid4().hex[:12]}",
        "CANDOR_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "CANDOR_SIGNING_KEY_FILE": str(signing_key),
        "CANDOR_PROVIDERS_FILE": str(providers_file),
        "CANDOR_API_COMPARISON_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "CANDOR_COMPARISON_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "CANDOR_COMPARISON_DEADLINE_S": "3",
        # Checkpoints signed by both instances while they append, so verify checks those too.
        "CANDOR_CHECKPOINT_EVERY": "5",
        # The tests stand in for a proxy, telling each instance who the client is.
        "CANDOR_PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
    }
    environment.pop("GUNICORN_BIND", None)
    migrated = _flask(environment, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr

    instances: list[Instance] = []
    try:
        for number in range(2):
            port = _free_port()
            log_path = directory / f"gunicorn-{number}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                    cwd=PROJECT_ROOT, env={**environment, "PORT": str(port)},
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
            instances.append(Instance(f"http://127.0.0.1:{port}", process, log_path))
        for instance in instances:
            _wait_until_healthy(instance)
        yield Deployment((instances[0], instances[1]), shared_schema_url, environment)
    finally:
        for instance in instances:
            _stop(instance.process)


class Client:
    """One API client with its own address (as the proxy in front would report it)."""

    def __init__(self, address: str) -> None:
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def compare(self, instance: Instance) -> tuple[int, int | None]:
        """The answer's status and, for a comparison made, the index of its log entry."""
        answer = self.http.post(f"{instance.url}/api/v1/comparisons", timeout=REQUEST_TIMEOUT_S,
                                json={"product": "auto", "profile": auto_profile()})
        if answer.status_code != 201:
            return answer.status_code, None
        document = answer.json()
        assert document["recommended"] is not None
        return 201, document["audit"]["index"]


def _log_entries(database_url: str) -> list[tuple[int, str, str | None]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                'SELECT "index", kind, recommended_provider FROM audit_entries ORDER BY "index"')).all()
    finally:
        engine.dispose()
    return [(row[0], row[1], row[2]) for row in rows]


def _recommendations(entries: list[tuple[int, str, str | None]]) -> int:
    return sum(1 for _, kind, _ in entries if kind == "recommendation")


def test_comparisons_through_both_instances_all_reach_one_dense_verified_log(deployment: Deployment) -> None:
    before = _recommendations(_log_entries(deployment.database_url))
    clients = [Client(f"192.0.2.{number}") for number in range(1, 9)]
    per_client = 3  # under the rate limit for each client address
    jobs = [(client, deployment.instances[(n + k) % 2]) for n, client in enumerate(clients) for k in range(per_client)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = list(pool.map(lambda job: job[0].compare(job[1]), jobs))

    assert [status for status, _ in answers] == [201] * len(jobs), [i.log()[-2000:] for i in deployment.instances]
    entries = _log_entries(deployment.database_url)
    assert [index for index, _, _ in entries] == list(range(len(entries)))
    assert _recommendations(entries) - before == len(jobs)
    kinds = {index: kind for index, kind, _ in entries}
    assert {kinds[index] for _, index in answers} == {"recommendation"}
    assert len({index for _, index in answers}) == len(jobs)

    verified = _flask(deployment.environment, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def test_a_session_made_by_one_instance_is_honoured_by_the_other(deployment: Deployment) -> None:
    """The shared secret key: a form read from one instance can be sent to the other."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = "192.0.2.100"
    form_page = browser.get(f"{deployment.instances[0].url}/compare/auto", timeout=REQUEST_TIMEOUT_S)
    match = CSRF_FIELD.search(form_page.text)
    assert form_page.status_code == 200 and match is not None
    answer = browser.post(f"{deployment.instances[1].url}/compare/auto", allow_redirects=False,
                          data={**auto_form(), "csrf_token": match.group(1)}, timeout=REQUEST_TIMEOUT_S)
    assert answer.status_code == 303
    results = browser.get(f"{deployment.instances[0].url}{answer.headers['Location']}", timeout=REQUEST_TIMEOUT_S)
    assert results.status_code == 200


def test_rate_limit_admits_at_most_n_per_minute_across_both_instances(deployment: Deployment) -> None:
    before = _recommendations(_log_entries(deployment.database_url))
    client = Client("198.51.100.7")
    attempts = 2 * RATE_LIMIT
    targets = [deployment.instances[n % 2] for n in range(attempts)]
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = Counter(status for status, _ in pool.map(client.compare, targets))

    assert statuses == Counter({201: RATE_LIMIT, 429: attempts - RATE_LIMIT})
    entries = _log_entries(deployment.database_url)
    assert _recommendations(entries) - before == RATE_LIMIT
    assert [index for index, _, _ in entries] == list(range(len(entries)))
    # Another client is not held back by this one's limit, on either instance.
    other = Client("198.51.100.8")
    assert [other.compare(instance)[0] for instance in deployment.instances] == [201, 201]
