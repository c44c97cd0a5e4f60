"""pytest fixtures for adapter tests: `pytest_plugins = ["providers.testing.plugin"]` in a
top-level conftest.py (or import the fixtures into a conftest)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from providers.testing.faults import WSGIApp, misbehave
from providers.testing.servers import LoopbackServer
from providers.testing.servers import closed_port as _closed_port


@pytest.fixture
def loopback() -> Iterator[Callable[..., LoopbackServer]]:
    """loopback(app) serves a WSGI app on 127.0.0.1 for the test; loopback(make_app,
    takes_stopping=True) passes the server's stopping event to a factory first; host= (another
    loopback address, 127.0.0.2, stands for another site) and ssl_context= go to LoopbackServer."""
    servers: list[LoopbackServer] = []

    def serve(app: Any, *, takes_stopping: bool = False, **options: Any) -> LoopbackServer:
        server = LoopbackServer(app, takes_stopping=takes_stopping, **options).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def faulty(loopback: Callable[..., LoopbackServer]) -> Callable[..., LoopbackServer]:
    """faulty(make_app, "trickle") serves the app built by make_app(stopping), failing that way."""

    def serve(make_app: Callable[[threading.Event], WSGIApp], fault: str | None, **options: Any) -> LoopbackServer:
        return loopback(lambda stopping: misbehave(make_app(stopping), fault, stopping=stopping, **options),
                        takes_stopping=True)

    return serve


@pytest.fixture
def closed_port() -> int:
    return _closed_port()
