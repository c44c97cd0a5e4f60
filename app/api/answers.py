"""JSON answers written by orjson: the comparison documents are some 20 kB of plain data read back
from the log, which Flask's json.dumps took about ten times longer to write. The JSON is the same
as `jsonify` writes (keys sorted, Decimals as strings); only non-ASCII text is sent as UTF-8
rather than escaped. A value orjson cannot write as jsonify would goes to jsonify itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from flask import Response, current_app, jsonify

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS \
    | orjson.OPT_PASSTHROUGH_DATACLASS


def _as_jsonify_writes(value: Any) -> str:
    if type(value) is Decimal:
        return str(value)
    raise TypeError("left to jsonify")


def json_answer(document: Any, status: int = 200) -> Response:
    try:
        body = orjson.dumps(document, default=_as_jsonify_writes, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # A datetime, a float, a subclass, an integer past 64 bits: written as jsonify writes it.
        response = jsonify(document)
    else:
        response = current_app.response_class(body, mimetype="application/json")
    response.status_code = status
    return response
