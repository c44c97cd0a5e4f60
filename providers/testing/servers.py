"""Real HTTP servers on loopback for tests: any WSGI app, served by werkzeug in a thread, with
every request it received recorded (method, path, headers) so a test can check what was sent."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SHUTDOWN_POLL_S = 0.05


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # A client that gave up at its deadline resets the connection: expected here, not news.
        pass


class LoopbackServer:
    """`with LoopbackServer(app) as server: server.url`. `stopping` is set when the server stops,
    so an app that hangs on purpose can wait on it and let the server shut down promptly."""

    def __init__(self, app: WSGIApp | Callable[[threading.Event], WSGIApp], *, host: str = "127.0.0.1",
                 takes_stopping: bool = False, ssl_context: ssl.SSLContext | None = None) -> None:
        self.stopping = threading.Event()
        self._app = app(self.stopping) if takes_stopping else app  # type: ignore[call-arg]
        self.host = host
        self.ssl_context = ssl_context
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _recording(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        with self._lock:
            self.requests.append(SeenRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), headers))
        return self._app(environ, start_response)  # type: ignore[operator]

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self._server.server_port}"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_port)

    def start(self) -> LoopbackServer:
        self._server = make_server(self.host, 0, self._recording, threaded=True, request_handler=_QuietHandler,
                                   ssl_context=self.ssl_context)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": _SHUTDOWN_POLL_S},
                                        name="loopback-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._server.server_close()
        self._server = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
