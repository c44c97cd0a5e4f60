"""A waitress server on loopback that keeps connections open between requests, as providers'
production servers do (werkzeug's test server closes each one). Its loop runs in small steps on a
thread of its own and is stopped before any socket closes: closing them under a running select()
made the loop thread fail with EBADF, reported against whichever test ran next."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@contextmanager
def keep_alive_server(app: WsgiApp) -> Iterator[str]:
    """Serve `app`; yields its base URL, without a trailing slash."""
    from waitress import wasyncore
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join()
        for channel in list(server._map.values()):
            if channel is not server:
                channel.close()
        server.task_dispatcher.shutdown()
        server.close()
