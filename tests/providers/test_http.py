"""The HTTP discipline every adapter gets, against real servers on loopback."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from werkzeug.serving import make_server

from providers.errors import (
    InvalidReply,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    RedirectLoop,
    ReplyTooLarge,
)
from providers.http import USER_AGENT, Deadline, HttpClient, parse_retry_after
from providers.testing.faults import misbehave, static_app
from providers.testing.servers import LoopbackServer
from tests.keep_alive_server import keep_alive_server as serving_keep_alive

JSON = ("application/json",)
SLACK_S = 1.5  # generous: these check that waiting is bounded, not how fast the machine is


def counting(app: Callable[..., Iterable[bytes]], statuses: list[str]) -> Callable[..., Iterable[bytes]]:
    """The app, answering the given statuses in turn before it answers normally."""
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            status = statuses.pop(0) if statuses else None
        if status is not None:
            start_response(status, [("Content-Type", "text/plain")])
            return [b"not now"]
        return app(environ, start_response)

    return wrapped


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(max_reply_bytes=64 * 1024)
    yield http
    http.close()


def test_it_says_who_it_is_and_what_it_accepts(loopback: Any, client: HttpClient) -> None:
    server = loopback(static_app(b'{"ok": true}'))
    reply = client.get(server.url, deadline=Deadline.after(2), accept=JSON)
    assert reply.body == b'{"ok": true}' and reply.media_type == "application/json"
    [seen] = server.requests
    assert seen.headers["User-Agent"] == USER_AGENT and "+https://" in USER_AGENT
    assert seen.headers["Accept"] == "application/json"


def test_the_wrong_content_type_is_refused(loopback: Any, client: HttpClient) -> None:
    server = loopback(static_app(b"<html>maintenance</html>", "text/html"))
    with pytest.raises(InvalidReply, match="not a quote reply") as caught:
        client.get(server.url, deadline=Deadline.after(2), accept=JSON, what="a quote reply")
    assert "text/html" in (caught.value.detail or "")


@pytest.mark.parametrize("fault", ["oversized", "oversized_declared"])
def test_a_body_over_the_cap_is_refused_while_reading(faulty: Any, client: HttpClient, fault: str) -> None:
    server = faulty(lambda stopping: static_app(b'{"quotes": []}'), fault)
    started = time.monotonic()
    with pytest.raises(ReplyTooLarge) as caught:
        client.get(server.url, deadline=Deadline.after(5), accept=JSON)
    assert caught.value.kind == "too_large"
    assert time.monotonic() - started < 5, "the cap must stop the read long before the whole body arrives"


def test_a_trickling_reply_is_cut_off_at_the_deadline(faulty: Any, client: HttpClient) -> None:
    server = faulty(lambda stopping: static_app(b'{"quotes": [], "declined": null}' * 20), "trickle")
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        client.get(server.url, deadline=Deadline.after(0.5), accept=JSON)
    # Bytes keep arriving every 0.1 s, so a per-read timeout alone would wait for the whole body (30 s).
    assert time.monotonic() - started < 0.5 + SLACK_S


def test_a_silent_server_is_a_timeout(faulty: Any, client: HttpClient) -> None:
    server = faulty(lambda stopping: static_app(b"{}"), "hang")
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        client.post_json(server.url, {"x": 1}, deadline=Deadline.after(0.4), accept=JSON)
    assert time.monotonic() - started < 0.4 + SLACK_S


def test_connection_refused_is_unavailable(closed_port: int, client: HttpClient) -> None:
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        client.post_json(f"http://127.0.0.1:{closed_port}/quotes", {}, deadline=Deadline.after(1), accept=JSON)


def test_a_post_refused_before_it_was_sent_is_sent_again(closed_port: int, client: HttpClient,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="candor.providers.http")
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        client.post_json(f"http://127.0.0.1:{closed_port}/quotes", {}, deadline=Deadline.after(2), accept=JSON)
    retries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("Retrying POST")]
    assert len(retries) == 2, "a refused connection never reached the provider, so it is safe to try again"


def test_a_refused_post_gets_through_once_the_provider_is_up(client: HttpClient) -> None:
    port = free_port()
    late = threading.Timer(0.03, lambda: servers.append(start_on(port)))
    servers: list[Any] = []
    late.start()
    try:
        # Attempts at ~0, 50 and 150 ms: the provider comes up at ~30 ms.
        reply = client.post_json(f"http://127.0.0.1:{port}/quotes", {}, deadline=Deadline.after(2), accept=JSON)
        assert reply.status == 200
    finally:
        late.join()
        for server in servers:
            server.shutdown()
            server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_on(port: int) -> Any:
    server = make_server("127.0.0.1", port, static_app(b'{"quotes": []}'), threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def test_a_post_that_reached_the_server_is_never_sent_twice(loopback: Any, client: HttpClient) -> None:
    server = loopback(counting(static_app(b'{"quotes": []}'), ["503 Service Unavailable"]))
    with pytest.raises(ProviderUnavailable, match="had a problem on its side"):
        client.post_json(server.url, {}, deadline=Deadline.after(2), accept=JSON)
    assert len(server.requests) == 1


def test_a_get_is_retried_after_a_server_error_within_the_deadline(loopback: Any, client: HttpClient) -> None:
    server = loopback(counting(static_app(b'{"ok": 1}'), ["503 Service Unavailable", "502 Bad Gateway"]))
    reply = client.get(server.url, deadline=Deadline.after(2), accept=JSON)
    assert reply.body == b'{"ok": 1}' and len(server.requests) == 3


def test_no_retry_is_started_without_time_for_it(loopback: Any, client: HttpClient) -> None:
    server = loopback(counting(static_app(b"{}"), ["503 Service Unavailable"] * 5))
    with pytest.raises(ProviderUnavailable):
        client.get(server.url, deadline=Deadline.after(0.12), accept=JSON)
    assert len(server.requests) == 1


def test_429_says_how_long_to_stay_away(faulty: Any, client: HttpClient) -> None:
    server = faulty(lambda stopping: static_app(b"{}"), "status_429", retry_after_s=42)
    with pytest.raises(RateLimited) as caught:
        client.post_json(server.url, {}, deadline=Deadline.after(2), accept=JSON)
    assert caught.value.kind == "rate_limited" and caught.value.retry_after_s == 42


def test_a_redirect_loop_ends(faulty: Any, client: HttpClient) -> None:
    server = faulty(lambda stopping: static_app(b"{}"), "redirect_loop")
    with pytest.raises(RedirectLoop):
        client.get(f"{server.url}/rates", deadline=Deadline.after(2), accept=JSON)
    with pytest.raises(RedirectLoop):
        client.post_json(f"{server.url}/quotes", {}, deadline=Deadline.after(2), accept=JSON)
    assert len(server.requests) <= 4


def test_redirects_are_followed_but_not_to_another_site(loopback: Any, client: HttpClient) -> None:
    target = loopback(static_app(b'{"here": 1}'))
    hop = loopback(static_app(b"", status="302 Found", headers=[("Location", f"{target.url}/x")]))
    assert client.get(hop.url, deadline=Deadline.after(2), accept=JSON).body == b'{"here": 1}'
    with pytest.raises(InvalidReply, match="another site"):
        client.get(hop.url, deadline=Deadline.after(2), accept=JSON, same_origin=True)


def test_a_post_is_not_turned_into_a_get_by_a_redirect(loopback: Any, client: HttpClient) -> None:
    hop = loopback(static_app(b"", status="302 Found", headers=[("Location", "/elsewhere")]))
    with pytest.raises(InvalidReply, match="refused our request"):
        client.post_json(hop.url, {}, deadline=Deadline.after(2), accept=JSON)


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    assert parse_retry_after("999999") == 3600  # capped
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_no_time_left_means_nothing_is_sent(loopback: Any, client: HttpClient) -> None:
    server = loopback(static_app(b"{}"))
    with pytest.raises(ProviderTimeout):
        client.get(server.url, deadline=Deadline.after(0), accept=JSON)
    assert server.requests == []


def test_misbehave_refuses_unknown_faults() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        misbehave(static_app(b""), "gremlins", stopping=threading.Event())


def test_a_loopback_server_stops_promptly_even_with_a_request_hanging(client: HttpClient) -> None:
    server = LoopbackServer(lambda stopping: misbehave(static_app(b"{}"), "hang", stopping=stopping),
                            takes_stopping=True).start()
    waiting = threading.Thread(target=lambda: pytest.raises(Exception, client.get, server.url,
                                                             deadline=Deadline.after(5), accept=JSON))
    waiting.start()
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    waiting.join(timeout=10)
    assert time.monotonic() - started < 3


@pytest.fixture
def keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    """A server that keeps connections open between requests, as providers' production servers
    do (werkzeug's closes each one), recording the client port each request came from."""
    ports: list[int] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        ports.append(int(environ["REMOTE_PORT"]))
        environ["wsgi.input"].read()
        body = b'{"ok": true}'
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    with serving_keep_alive(app) as url:
        yield url, ports


def test_a_connection_is_used_again_once_a_reply_has_been_read(keep_alive_server: Any, client: HttpClient) -> None:
    url, ports = keep_alive_server
    for _ in range(3):
        client.get(url, deadline=Deadline.after(2), accept=JSON)
        client.post_json(url, {"n": 1}, deadline=Deadline.after(2), accept=JSON)
    assert len(ports) == 6
    assert len(set(ports)) == 1, f"six requests took {len(set(ports))} connections"


def test_a_connection_whose_reply_was_refused_is_not_used_again(keep_alive_server: Any, client: HttpClient) -> None:
    url, ports = keep_alive_server
    with pytest.raises(InvalidReply):  # the server sends JSON, which this caller does not accept
        client.get(url, deadline=Deadline.after(2), accept=("text/html",))
    client.get(url, deadline=Deadline.after(2), accept=JSON)
    assert len(set(ports)) == 2


def test_a_providers_cookie_is_neither_kept_nor_sent_back(loopback: Any, client: HttpClient) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Set-Cookie", "visitor=customer-1; Path=/")])
        return [b"{}"]

    server = loopback(app)
    offered = client.get(server.url, deadline=Deadline.after(2), accept=JSON)
    client.get(server.url, deadline=Deadline.after(2), accept=JSON)
    assert offered.headers["Set-Cookie"] == "visitor=customer-1; Path=/", "the provider did offer a cookie"
    assert [request.headers.get("Cookie") for request in server.requests] == [None, None]
