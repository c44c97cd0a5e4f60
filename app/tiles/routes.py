"""/log/: the log as C2SP tlog-tiles, for mirrors and monitors that speak nothing but HTTP GET.

- /log/checkpoint: our latest signed checkpoint with every witness cosignature of it (public;
  cached for a few seconds at most, it changes).
- /log/tile/<L>/<N>[.p/<W>]: the tree's hashes (public; immutable, cached for a year). Hashes say
  nothing about what an entry holds, and they are all anyone needs to hold us to our checkpoints,
  check a receipt's inclusion proof, or see a split view.
- /log/tile/entries/<N>[.p/<W>]: the entries themselves, as their leaf bytes. Their clear parts
  (offers, rankings, staff ids; docs/audit-log.md) are compliance's, as on GET /api/v1/audit/entries,
  so the bundles need a compliance API token: a regulator's or auditor's mirror has one. They are
  sent gzip-compressed to a client that accepts gzip.

Errors are short plain text, like the resources: 400 a path that names no tile, 404 a tile the
log does not have yet.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, request, stream_with_context

from app.audit import (
    BadTilePath, EntryTooLong, TileNotFound, entry_bundle, latest_checkpoint, log_size, parse_tile_path, tile_bytes,
    with_cosignatures,
)
from app.auth.access import api_scope_required, public
from app.db import db

bp = Blueprint("tiles", __name__, url_prefix="/log")

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, content_type=TEXT, headers={"Cache-Control": "no-store"})


@bp.get("/checkpoint")
@public
def checkpoint() -> Response:
    latest = latest_checkpoint(db.session)
    if latest is None:
        return _text(404, "No checkpoint has been signed yet.")
    return Response(with_cosignatures(db.session, latest), content_type=TEXT,
                    headers={"Cache-Control": "public, max-age=5"})


@bp.get("/tile/<path:path>")
@public
def tile(path: str) -> Response:
    try:
        body = tile_bytes(db.session, parse_tile_path(path), log_size(db.session))
    except BadTilePath as error:
        return _text(400, f"No such tile: {error}.")
    except TileNotFound as error:
        return _text(404, f"Not yet: {error}.")
    return Response(body, content_type=BINARY, headers={"Cache-Control": IMMUTABLE})


@bp.get("/tile/entries/<path:path>")
@api_scope_required("compliance")
def entries(path: str) -> Response:
    try:
        address = parse_tile_path(f"entries/{path}")
        chunks = entry_bundle(db.session, address, log_size(db.session))
    except BadTilePath as error:
        return _text(400, f"No such entry bundle: {error}.")
    except TileNotFound as error:
        return _text(404, f"Not yet: {error}.")
    except EntryTooLong as error:
        return _text(422, f"{str(error)[:1].upper()}{str(error)[1:]}.")
    # Private: the bundle needs a token, so shared caches must not keep it.
    headers = {"Cache-Control": "private, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if request.accept_encodings["gzip"]:
        # The spec asks for compressed bundles; entries are JSON and shrink several times over.
        headers["Content-Encoding"] = "gzip"
        chunks = _gzipped(chunks)
    return Response(stream_with_context(chunks), content_type=BINARY, headers=headers)


def _gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip wrapper
    for chunk in chunks:
        compressed = compressor.compress(chunk)
        if compressed:
            yield compressed
    yield compressor.flush()
