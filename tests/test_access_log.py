"""The access log is JSON lines (serving/access_log.py): a request path carrying CR/LF or quotes
cannot forge a line, the query string and the client never appear, and a permalink's secret is
redacted — checked through a real gunicorn with the production configuration, and through the
development server's handler."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from app import request_ids
from serving import access_log
from tests.conftest import make_app
from tests.server_support import Instance, site_environment, start_gunicorn, stop, wait_until_healthy

SECRET = "Zq9secretValueThatMustNeverBeLogged"
# Each: the raw request target, and the path the log must show for it.
HOSTILE = [
    ("/forged%0d%0a%7B%22status%22:200%7D", '/forged\r\n{"status":200}'),
    ('/quote%22%20%22GET%20/admin', '/quote" "GET /admin'),
    ("/nul%00bell%07", "/nul\x00bell\x07"),
    (f"/r/CND-0000-0000/{SECRET}?zip=94110", "/r/CND-0000-0000/[redacted]"),
    (f"/r/CND-0000-0000/{SECRET}/more", "/r/CND-0000-0000/[redacted]/more"),
]
FIELDS = {"time", "method", "path", "status", "duration_ms", "request_id", "pid"}


def _raw_get(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply


def _check(lines: list[str], sent: int) -> list[dict[str, object]]:
    records = [json.loads(line) for line in lines]  # every line is one whole JSON object
    assert len(records) == sent, lines
    assert all(set(record) == FIELDS for record in records)
    assert not any(SECRET in line or "94110" in line or "127.0.0.1" in line for line in lines)
    return records


def test_one_line_is_one_json_object_whatever_the_path():
    line = access_log.access_line(method="GET", path='/a\r\n{"forged": 1}\u2028"', status=404, duration_ms=1.25,
                                  request_id="abc")
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert json.loads(line)["path"] == '/a\r\n{"forged": 1}\u2028"'
    assert access_log.REQUEST_ID_KEY == request_ids.ENVIRON_KEY


@pytest.fixture(scope="module")
def gunicorn_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Path]]:
    directory = tmp_path_factory.mktemp("access-log")
    environment = site_environment(f"sqlite:///{directory / 'candor.sqlite3'}", directory)
    access_path = directory / "access.log"
    environment.update(WEB_CONCURRENCY="1", GUNICORN_THREADS="2", GUNICORN_ACCESS_LOG=str(access_path))
    instance = start_gunicorn(environment, directory / "gunicorn.log")
    try:
        wait_until_healthy(instance, "/")
        yield instance, access_path
    finally:
        stop(instance.process)


def test_gunicorn_writes_json_lines_that_a_hostile_path_cannot_forge(gunicorn_site):
    instance, access_path = gunicorn_site
    replies = [_raw_get(instance.port, target) for target, _ in HOSTILE]
    assert all(reply.startswith(b"HTTP/1.1 404") for reply in replies), replies
    answer = requests.get(f"{instance.url}/healthz?who=94110", timeout=10)
    lines = _written_until(access_path, answer.headers["X-Request-Id"])
    # The start-up checks ask for "/"; under load one may time out and be retried, and its line may
    # come late, so they are set aside by path rather than counted.
    records = [record for record in _check(lines, len(lines)) if record["path"] != "/"]
    assert [record["path"] for record in records] == [path for _, path in HOSTILE] + ["/healthz"]
    assert records[-1]["request_id"] == answer.headers["X-Request-Id"]
    assert all(record["method"] == "GET" and record["status"] in (404, 200, 503) for record in records)


def _written_until(path: Path, request_id: str) -> list[str]:
    """The log's lines once the line of the request with this id is among them, or after 10 s."""
    deadline = time.monotonic() + 10
    while request_id not in (text := path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return text.splitlines()


def test_the_development_server_writes_the_same_lines(tmp_path, market, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'dev.sqlite3'}", market.provider_entries())
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=access_log.dev_request_handler())
    caplog.set_level(logging.DEBUG)
    try:
        for target, _ in HOSTILE:
            _raw_get_and_serve(server, target)
    finally:
        server.server_close()
    lines = [record.getMessage() for record in caplog.records if record.name in ("candor.access", "werkzeug")]
    records = _check(lines, len(HOSTILE))
    assert [record["path"] for record in records] == [path for _, path in HOSTILE]
    assert SECRET not in caplog.text


def _raw_get_and_serve(server, target: str) -> None:  # type: ignore[no-untyped-def]
    """One request to a single-threaded server, served in this thread while the client waits."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        server.handle_request()
        assert connection.recv(12)[8:] == b" 404"
