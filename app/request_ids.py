"""A request id on every request: answered in `X-Request-Id` and put in the WSGI environ, where
the access log (serving/access_log.py) reads it, so one line of the log can be matched with what a
shopper or another server reports. An id the proxy in front sends (nginx's $request_id) is kept
when it is plainly an id; anything else is replaced, so no one can write what they like into a log
line through it."""

from __future__ import annotations

import re
import secrets

from flask import Flask, request
from werkzeug.wrappers import Response

HEADER = "X-Request-Id"
ENVIRON_KEY = "candor.request_id"
PLAIN_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def _assign() -> None:
    offered = request.headers.get(HEADER, "")
    request.environ[ENVIRON_KEY] = offered if PLAIN_ID.match(offered) else secrets.token_hex(16)


def _answer(response: Response) -> Response:
    request_id = request.environ.get(ENVIRON_KEY)
    if request_id:
        response.headers[HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    app.before_request(_assign)
    app.after_request(_answer)
