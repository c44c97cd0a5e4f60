"""What the HTTP client's transport (urllib3 directly, providers/http.py and providers/pinned.py)
must handle on its own, against real servers on loopback: headers dripped past the deadline,
header floods, compression bombs, oversized chunked replies on kept-alive connections, a server
that closes a kept-alive connection, and certificates it must not trust."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from providers.errors import ProviderTimeout, ProviderUnavailable, ReplyTooLarge
from providers.http import Deadline, HttpClient
from providers.testing.faults import static_app
from tests.keep_alive_server import keep_alive_server
from tests.providers.tls_support import self_signed

JSON = ("application/json",)
CAP = 64 * 1024
SLACK_S = 1.5  # generous: these check that waiting is bounded, not how fast the machine is
BOMB_BYTES = 32 * 1024 * 1024
DRIP_FOR_S = 6.0
"""How long a dripping server keeps at it: long past any deadline here, but a client that waited
for it fails its test rather than hanging the run."""

Handler = Callable[[socket.socket, threading.Event], None]


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(max_reply_bytes=CAP)
    yield http
    http.close()


@contextmanager
def raw_server(handle: Handler) -> Iterator[tuple[str, list[int]]]:
    """A TCP server on loopback handing each connection to `handle` on a thread of its own; yields
    its URL and the client port of each connection it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stopping = threading.Event()
    ports: list[int] = []
    workers: list[threading.Thread] = []

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, (_, port) = listener.accept()
            except TimeoutError:
                continue
            ports.append(port)
            worker = threading.Thread(target=serve, args=(connection,), daemon=True)
            workers.append(worker)
            worker.start()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                handle(connection, stopping)
            except OSError:
                pass  # the client hung up, as it should when it gives up

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", ports
    finally:
        stopping.set()
        acceptor.join()
        for worker in workers:
            worker.join(timeout=5)
        listener.close()


def read_request(connection: socket.socket) -> bytes | None:
    """One request's head and body off the connection; None when the client closed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += connection.recv(65536)
    return head


def reply(body: bytes = b'{"ok": 1}', *headers: bytes) -> bytes:
    return b"".join([b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
                     *(header + b"\r\n" for header in headers),
                     b"Content-Length: %d\r\n\r\n" % len(body), body])


# --- the deadline covers the headers too -----------------------------------------------------------

def test_headers_dripped_past_the_deadline_are_cut_off_at_it(client: HttpClient) -> None:
    def drip(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ")
        until = time.monotonic() + DRIP_FOR_S
        while not stopping.wait(0.05) and time.monotonic() < until:
            connection.sendall(b"z")  # a byte every 50 ms: never idle long enough for a read timeout

    with raw_server(drip) as (url, _):
        started = time.monotonic()
        with pytest.raises(ProviderTimeout):
            client.post_json(url, {"x": 1}, deadline=Deadline.after(0.5), accept=JSON)
        assert time.monotonic() - started < 0.5 + SLACK_S


def test_a_status_line_that_never_ends_is_cut_off_at_the_deadline(client: HttpClient) -> None:
    def drip(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        until = time.monotonic() + DRIP_FOR_S
        while not stopping.wait(0.05) and time.monotonic() < until:
            connection.sendall(b"H")

    with raw_server(drip) as (url, _):
        started = time.monotonic()
        with pytest.raises(ProviderTimeout):
            client.get(url, deadline=Deadline.after(0.5), accept=JSON)
        assert time.monotonic() - started < 0.5 + SLACK_S


# --- header floods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("flood", [
    pytest.param([b"X-Flood-%d: 1" % n for n in range(150)], id="too-many-headers"),
    pytest.param([b"X-Long: " + b"a" * 70_000], id="one-header-too-long"),
])
def test_a_header_flood_is_refused(client: HttpClient, flood: list[bytes]) -> None:
    def flooding(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        connection.sendall(reply(b'{"ok": 1}', *flood))

    with raw_server(flooding) as (url, ports):
        with pytest.raises(ProviderUnavailable, match="could not be reached"):
            client.post_json(url, {}, deadline=Deadline.after(2), accept=JSON)
        assert len(ports) == 1, "a POST that reached the provider is not sent again"


# --- compression -----------------------------------------------------------------------------------

def bomb(encoding: str) -> bytes:
    zeros = bytes(BOMB_BYTES)
    return gzip.compress(zeros) if encoding == "gzip" else zlib.compress(zeros, 9)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_is_refused_without_unpacking_it(client: HttpClient, encoding: str) -> None:
    compressed = bomb(encoding)
    assert len(compressed) < CAP, "small enough on the wire to pass the declared-length check"

    def bombing(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        connection.sendall(reply(compressed, b"Content-Encoding: " + encoding.encode()))
        connection.recv(1)  # until the client hangs up

    # A bare socket server: it allocates nothing while the client reads, so the peak is the client's.
    with raw_server(bombing) as (url, _):
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(ReplyTooLarge, match="cap"):
                client.get(url, deadline=Deadline.after(5), accept=JSON)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert time.monotonic() - started < SLACK_S
    assert peak < 1024 * 1024, f"{peak:,} bytes held at once for a {BOMB_BYTES:,}-byte bomb"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_reply_within_the_cap_is_read(loopback: Any, client: HttpClient, encoding: str) -> None:
    document = b'{"quotes": [' + b", ".join(b'{"n": %d}' % n for n in range(4000)) + b"]}"
    assert CAP / 2 < len(document) < CAP
    compressed = gzip.compress(document) if encoding == "gzip" else zlib.compress(document)
    server = loopback(static_app(compressed, headers=[("Content-Encoding", encoding)]))
    assert client.get(server.url, deadline=Deadline.after(2), accept=JSON).body == document
    assert "gzip" in server.requests[0].headers["Accept-Encoding"]


# --- kept-alive connections ------------------------------------------------------------------------

def test_an_oversized_chunked_reply_is_refused_and_its_connection_not_used_again(client: HttpClient) -> None:
    ports: list[int] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        ports.append(int(environ["REMOTE_PORT"]))
        environ["wsgi.input"].read()
        if environ["PATH_INFO"] == "/big":
            start_response("200 OK", [("Content-Type", "application/json")])  # no length: chunked
            return (b" " * 16384 for _ in range(64))
        body = b'{"ok": 1}'
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    with keep_alive_server(app) as url:
        assert client.get(f"{url}/small", deadline=Deadline.after(2), accept=JSON).body == b'{"ok": 1}'
        with pytest.raises(ReplyTooLarge, match="cap"):
            client.get(f"{url}/big", deadline=Deadline.after(2), accept=JSON)
        assert client.get(f"{url}/small", deadline=Deadline.after(2), accept=JSON).body == b'{"ok": 1}'
    assert ports[0] == ports[1], "the reply read to its end left its connection for the next request"
    assert ports[2] != ports[1], "the connection left mid-reply was closed, not used again"


def test_a_kept_alive_connection_the_server_closed_is_not_used(client: HttpClient) -> None:
    closed = threading.Event()

    def once_then_close(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        connection.sendall(reply())  # no Connection: close, so the client keeps the connection …
        connection.shutdown(socket.SHUT_RDWR)  # … which the server then drops, as idle ones are
        closed.set()

    with raw_server(once_then_close) as (url, ports):
        assert client.post_json(url, {"n": 1}, deadline=Deadline.after(2), accept=JSON).body == b'{"ok": 1}'
        assert closed.wait(2)
        time.sleep(0.05)
        assert client.post_json(url, {"n": 2}, deadline=Deadline.after(2), accept=JSON).body == b'{"ok": 1}'
        assert len(ports) == 2, "the second POST went on a new connection, once"


# --- TLS -------------------------------------------------------------------------------------------

def test_a_certificate_nobody_vouches_for_is_refused(loopback: Any, tmp_path: Path) -> None:
    _, context = self_signed(tmp_path, "127.0.0.1")
    secure = loopback(static_app(b'{"ok": 1}'), ssl_context=context)
    http = HttpClient(max_attempts=1)
    with pytest.raises(ProviderUnavailable, match="SSLError") as caught:
        http.get(secure.url, deadline=Deadline.after(2), accept=JSON)
    http.close()
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.__cause__)
    assert secure.requests == []


def test_certificate_checks_cannot_be_turned_off() -> None:
    http = HttpClient()
    with pytest.raises(ValueError, match="always checked"):
        http.session.verify = False  # type: ignore[assignment]
    http.close()
