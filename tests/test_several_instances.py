"""Two gunicorn instances, started with the production configuration (gunicorn.conf.py), sharing
one PostgreSQL database and one Redis, as DESIGN.md's "several instances" deployment runs them.

Comparisons made concurrently through both must all be in one log with dense indices that `flask
audit verify` accepts; rate limits of N per minute (comparisons, look-ups by reference) must admit
at most N from one client across both instances; a session begun on one is honoured by the other,
and a results permalink made on one opens on the other. Needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both); an
unreachable server fails the test rather than skipping it.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from app.db import scratch_schema
import redis
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from providers.sandbox.market import SandboxMarket
from tests.factories import auto_form, auto_profile
from tests.server_support import Instance, flask, start_gunicorn, stop, wait_until_healthy

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="several instances share PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL (CI does)",
)

RATE_LIMIT = 10  # comparisons per minute from one client address, across every instance
REQUEST_TIMEOUT_S = 20
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PERMALINK = re.compile(r'<a rel="bookmark" href="https?://[^/"]+(?P<path>/r/[^"]+)"')
ENTRY_INDEX = re.compile(r"data-entry-index>\d+<")


@dataclass(frozen=True)
class Deployment:
    instances: tuple[Instance, Instance]
    database_url: str
    environment: dict[str, str]


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
        "CANDOR_REFERENCE_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "CANDOR_COMPARISON_DEADLINE_S": "3",
        # Checkpoints signed by both instances while they append, so verify checks those too.
        "CANDOR_CHECKPOINT_EVERY": "5",
        # The tests stand in for a proxy, telling each instance who the client is.
        "CANDOR_PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
    }
    environment.pop("GUNICORN_BIND", None)
    migrated = flask(environment, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr

    instances: list[Instance] = []
    try:
        for number in range(2):
            instances.append(start_gunicorn(environment, directory / f"gunicorn-{number}.log"))
        for instance in instances:
            wait_until_healthy(instance)
        yield Deployment((instances[0], instances[1]), shared_schema_url, environment)
    finally:
        for instance in instances:
            stop(instance.process)


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

    verified = flask(deployment.environment, "audit", "verify")
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
    for instance in deployment.instances:
        results = browser.get(f"{instance.url}{answer.headers['Location']}", timeout=REQUEST_TIMEOUT_S)
        assert results.status_code == 200
        receipt = browser.get(f"{instance.url}{answer.headers['Location']}/receipt", timeout=REQUEST_TIMEOUT_S)
        assert receipt.status_code == 200


def _compared_in_a_browser(instance: Instance, address: str) -> tuple[requests.Session, str]:
    """A shopper's comparison through the form on `instance`: their browser and the results page."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = address
    form_page = browser.get(f"{instance.url}/compare/auto", timeout=REQUEST_TIMEOUT_S)
    match = CSRF_FIELD.search(form_page.text)
    assert match is not None
    results = browser.post(f"{instance.url}/compare/auto", data={**auto_form(), "csrf_token": match.group(1)},
                           timeout=REQUEST_TIMEOUT_S)
    assert results.status_code == 200, results.text[:500]
    return browser, results.text


def test_a_permalink_made_on_one_instance_opens_on_the_other(deployment: Deployment) -> None:
    first, second = deployment.instances
    _, page = _compared_in_a_browser(first, "192.0.2.101")
    link = PERMALINK.search(page)
    assert link is not None, "no permalink on the results page"
    path = link["path"]
    stranger = requests.Session()
    stranger.headers["X-Forwarded-For"] = "192.0.2.102"
    opened = stranger.get(f"{second.url}{path}", timeout=REQUEST_TIMEOUT_S)
    assert opened.status_code == 200
    assert ENTRY_INDEX.search(opened.text)[0] == ENTRY_INDEX.search(page)[0]
    # Opened there, it is that browser's too, on either instance.
    reference = path.split("/")[2]
    assert stranger.get(f"{first.url}/results/{reference}/receipt", timeout=REQUEST_TIMEOUT_S).status_code == 200
    wrong = stranger.get(f"{first.url}{path[:-1]}{'A' if path[-1] != 'A' else 'B'}", timeout=REQUEST_TIMEOUT_S)
    assert wrong.status_code == 404


def test_reference_lookups_share_one_limit_across_both_instances(deployment: Deployment) -> None:
    client = Client("198.51.100.20")
    attempts = 2 * RATE_LIMIT
    statuses = Counter(
        client.http.get(f"{deployment.instances[n % 2].url}/api/v1/comparisons/CND-0000-0000",
                        timeout=REQUEST_TIMEOUT_S).status_code for n in range(attempts))
    assert statuses == Counter({404: RATE_LIMIT, 429: attempts - RATE_LIMIT})


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
