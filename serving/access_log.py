"""The access log: one JSON object a line — time, method, path (never the query string), status,
duration and request id, nothing about the client.

JSON escapes every control character and quote, so a request path holding CR/LF or quotes stays
inside its own line and its own string: no one can forge a line. The secret in a results
permalink (/r/<reference>/<secret>, app/shop/permalink.py) is replaced before the line is written."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn.glogging import Logger

# app/request_ids.py puts each request's id in the WSGI environ under this key
# (tests/test_access_log.py checks the two agree).
REQUEST_ID_KEY = "candor.request_id"
PERMALINK_SECRET = re.compile(r"(/r/[^/]*/)[^/]+")
REDACTED = "[redacted]"


def redact(path: str) -> str:
    return PERMALINK_SECRET.sub(lambda match: match.group(1) + REDACTED, path)


def access_line(*, method: str, path: str, status: int | str, duration_ms: float, request_id: str | None) -> str:
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": method,
        "path": redact(path.split("?", 1)[0]),
        "status": int(status) if str(status).isdigit() else str(status),
        "duration_ms": round(duration_ms, 1),
        "request_id": request_id,
        "pid": os.getpid(),
    }
    return json.dumps(record, ensure_ascii=True, separators=(",", ":"))


class GunicornAccessLogger(Logger):
    """gunicorn's logger with the access line above (gunicorn.conf.py's `logger_class`)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        line = access_line(method=str(environ.get("REQUEST_METHOD", "-")), path=path, status=status,
                           duration_ms=request_time.total_seconds() * 1000, request_id=environ.get(REQUEST_ID_KEY))
        self.access_log.info(line)


DEV_LOGGER = logging.getLogger("candor.access")


def dev_log_to_stderr() -> None:
    """Where `flask demo run` writes its access lines, as Werkzeug's server would have."""
    if not DEV_LOGGER.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        DEV_LOGGER.addHandler(handler)
        DEV_LOGGER.setLevel(logging.INFO)


def dev_request_handler():  # type: ignore[no-untyped-def]
    """The request handler for Werkzeug's development server (`flask demo run`, the browser
    tests' live site): the same JSON lines, on the `candor.access` logger, in place of Werkzeug's
    own lines, which carry the client's address and the whole request line."""
    from werkzeug.serving import WSGIRequestHandler  # here: gunicorn's master never needs Werkzeug's server

    class JsonRequestHandler(WSGIRequestHandler):
        def run_wsgi(self) -> None:
            self.candor_started = time.perf_counter()
            self.candor_status: str = "-"
            try:
                super().run_wsgi()
            finally:
                environ = getattr(self, "environ", {})
                DEV_LOGGER.info(access_line(
                    method=str(environ.get("REQUEST_METHOD", self.command)),
                    path=environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                    status=self.candor_status, duration_ms=(time.perf_counter() - self.candor_started) * 1000,
                    request_id=environ.get(REQUEST_ID_KEY)))

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            self.candor_status = str(getattr(code, "value", code))

        def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - Werkzeug's name
            # Werkzeug's other lines (a malformed request, an error) quote the request line: the
            # text is kept, JSON-escaped and with any permalink secret redacted, without the address.
            getattr(DEV_LOGGER, type if type in ("info", "warning", "error") else "info")(
                json.dumps({"server": redact(message % args if args else message)}, ensure_ascii=True))

    return JsonRequestHandler
