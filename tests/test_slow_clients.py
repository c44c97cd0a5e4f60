"""Slow clients (slowloris): 64 connections sending their headers one byte a second must not stop
other shoppers' comparisons. gunicorn's gthread workers give each connection being read a whole
thread, so on their own they cannot hold out — this test shows that first, then that nginx with
deploy/nginx/ in front of the same gunicorn (gunicorn.conf.py) keeps comparisons completing.

Loopback only; bounded in connections (64) and time (about half a minute). Needs Debian's nginx
(`scripts/ensure-nginx`, which `make test` runs): missing, the test fails rather than skips."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from providers.sandbox.market import SandboxMarket
from tests.factories import auto_profile
from tests.server_support import (PROJECT_ROOT, Instance, free_port, site_environment, start_gunicorn, stop,
                                  wait_until_healthy)

SLOW_CLIENTS = 64
ANSWER_WITHIN_S = 5.0
ATTACK_S = 14  # longer than nginx's client_header_timeout (10 s), so the slow clients are dropped and come back
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = """
{user}
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {deploy}/candor-http.conf;
    upstream candor {{ server 127.0.0.1:{upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        access_log {directory}/access.log candor_json;
        include {deploy}/candor-server.conf;
    }}
}}
"""


@contextmanager
def slow_clients(port: int, count: int = SLOW_CLIENTS) -> Iterator[None]:
    """`count` connections, each sending a request's headers one byte a second, reconnecting when dropped."""
    stop_sending = threading.Event()
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 2000

    def dribble() -> None:
        while not stop_sending.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                    for byte in request:
                        connection.sendall(bytes([byte]))
                        if stop_sending.wait(1.0):
                            return
            except OSError:  # dropped by the server: come back, as an attacker would
                stop_sending.wait(0.2)

    threads = [threading.Thread(target=dribble, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)  # every connection open and started on its headers
        yield
    finally:
        stop_sending.set()
        for thread in threads:
            thread.join(timeout=5)


def compare(url: str) -> int | str:
    try:
        answer = requests.post(f"{url}/api/v1/comparisons", json={"product": "auto", "profile": auto_profile()},
                               timeout=ANSWER_WITHIN_S)
        return answer.status_code
    except requests.RequestException as error:
        return type(error).__name__


@pytest.fixture(scope="module")
def gunicorn_site(market: SandboxMarket, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    directory = tmp_path_factory.mktemp("slow-clients")
    environment = site_environment(f"sqlite:///{directory / 'candor.sqlite3'}", directory, market.providers_toml())
    # One worker of 8 threads (the production default per worker); no rate limit in the way.
    environment.update(WEB_CONCURRENCY="1", CANDOR_API_COMPARISON_RATE_LIMIT="100000 per minute",
                       CANDOR_COMPARISON_DEADLINE_S="3", GUNICORN_ACCESS_LOG="/dev/null")
    instance = start_gunicorn(environment, directory / "gunicorn.log")
    try:
        wait_until_healthy(instance)
        yield instance
    finally:
        stop(instance.process)


@pytest.fixture(scope="module")
def nginx(gunicorn_site: Instance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not Path(NGINX).exists():
        pytest.fail("These tests need Debian's nginx: run scripts/ensure-nginx (make test does), or apt-get install nginx.")
    directory = tmp_path_factory.mktemp("nginx")
    port = free_port()
    config = directory / "nginx.conf"
    config.write_text(NGINX_CONF.format(user="user root;" if os.geteuid() == 0 else "", directory=directory,
                                        deploy=PROJECT_ROOT / "deploy" / "nginx", upstream=gunicorn_site.port,
                                        port=port))
    process = subprocess.Popen([NGINX, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    proxied = Instance(f"http://127.0.0.1:{port}", process, directory / "error.log")  # type: ignore[arg-type]
    try:
        wait_until_healthy(proxied)
        yield proxied.url, directory / "access.log"
    finally:
        stop(process)  # type: ignore[arg-type]


def test_gunicorn_alone_is_stopped_by_slow_clients(gunicorn_site: Instance):
    """The measurement that makes nginx necessary, and the proof the attack below is real."""
    assert compare(gunicorn_site.url) == 201
    with slow_clients(gunicorn_site.port):
        assert compare(gunicorn_site.url) != 201


def test_through_nginx_comparisons_keep_completing_under_slow_clients(nginx: tuple[str, Path]):
    url, access_log = nginx
    with slow_clients(int(url.rsplit(":", 1)[1])):
        started = time.monotonic()
        answers = []
        while time.monotonic() - started < ATTACK_S:
            began = time.monotonic()
            answers.append((compare(url), time.monotonic() - began))
            time.sleep(0.5)
    assert answers and all(status == 201 and took < ANSWER_WITHIN_S for status, took in answers), answers
    # nginx's own log is JSON lines too, and shows the slow clients dropped (408) beside the comparisons.
    statuses = {json.loads(line)["status"] for line in access_log.read_text().splitlines()}
    assert {201, 408} <= statuses, statuses
