"""/log/ as C2SP tlog-tiles: tile paths spelled exactly one way, tiles and entry bundles that match
an independent tree implementation, and a client (TileStore) that computes any root and proof from
the tiles alone and gets what the database gives."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.audit import merkle
from app.audit.checkpoints import checkpoint_now, latest
from app.audit.models import AuditEntry
from app.audit.tile_client import TileStore, bundle_leaves, check_entries
from app.audit.tiles import BadTilePath, encode_index, parse_tile_path, tile_path
from app.audit.tree import DatabaseNodeStore, read_head
from app.db import db
from tests.app.audit.conftest import add_many
from tests.app.audit.test_api import token
from tests.app.audit.test_merkle import naive_mth


def leaves(app: Flask) -> list[bytes]:
    with app.app_context():
        return [bytes(leaf) for leaf in db.session.scalars(db.select(AuditEntry.leaf).order_by(AuditEntry.index))]


def leaf_hashes(items: list[bytes]) -> bytes:
    return b"".join(hashlib.sha256(b"\x00" + leaf).digest() for leaf in items)


def client_fetcher(client: FlaskClient, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    def fetch(path: str, max_bytes: int) -> bytes:
        answer = client.get(f"/log/{path}", headers=headers or {})
        assert answer.status_code == 200, (path, answer.status_code, answer.get_data(as_text=True))
        return answer.get_data()[:max_bytes + 1]
    return fetch


@pytest.mark.parametrize("index, path", [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"),
                                         (1234067, "x001/x234/067"), (2 ** 40, "x001/x099/x511/x627/776")])
def test_tile_indices_are_written_in_groups_of_three(index: int, path: str) -> None:
    assert encode_index(index) == path
    assert parse_tile_path(f"3/{path}").index == index
    assert parse_tile_path(f"entries/{path}.p/17").width == 17


@pytest.mark.parametrize("path", ["0/1", "0/x000", "0/001/002", "00/000", "64/000", "0/000.p/0", "0/000.p/256",
                                  "0/000.p/07", "0/000.p/", "0/-01", "0/x0001/000", "0/", "x/000", "0/000.p/1/2"])
def test_any_other_spelling_names_no_tile(path: str) -> None:
    with pytest.raises(BadTilePath):
        parse_tile_path(path)


def test_tiles_hold_the_tree_as_an_independent_implementation_computes_it(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        add_many(300)
    logged = leaves(app)
    assert len(logged) == 300
    answer = client.get("/log/tile/0/000")
    assert answer.status_code == 200 and answer.content_type == "application/octet-stream"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.get_data() == leaf_hashes(logged[:256])
    assert client.get("/log/tile/0/001.p/44").get_data() == leaf_hashes(logged[256:])
    assert client.get("/log/tile/0/001.p/10").get_data() == leaf_hashes(logged[256:266])
    assert client.get("/log/tile/1/000.p/1").get_data() == naive_mth(logged[:256])
    for missing in ("0/001", "0/001.p/45", "1/000", "0/002.p/1", "2/000.p/1"):
        assert client.get(f"/log/tile/{missing}").status_code == 404, missing
    for malformed in ("0/1", "00/000", "0/000.p/256", "nonsense"):
        answer = client.get(f"/log/tile/{malformed}")
        assert answer.status_code == 400 and answer.content_type.startswith("text/plain"), malformed


def test_the_checkpoint_is_the_latest_signed_one(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        add_many(3)
        signed = checkpoint_now(db.session)
        db.session.commit()
    answer = client.get("/log/checkpoint")
    assert answer.status_code == 200 and answer.content_type == "text/plain; charset=utf-8"
    assert answer.get_data(as_text=True) == signed.note
    assert answer.headers["Cache-Control"] == "public, max-age=5"


def test_entry_bundles_need_a_compliance_token_and_hold_the_leaves(app: Flask, client: FlaskClient) -> None:
    headers = token(app)
    with app.app_context():
        add_many(260)
    logged = leaves(app)
    assert client.get("/log/tile/entries/000").status_code == 401
    assert client.get("/log/tile/entries/000", headers=token(app, "advisor")).status_code == 403
    full = client.get("/log/tile/entries/000", headers=headers)
    assert full.status_code == 200 and full.headers["Cache-Control"].startswith("private")
    assert bundle_leaves(full.get_data()) == logged[:256]
    partial = client.get("/log/tile/entries/001.p/5", headers=headers)
    assert bundle_leaves(partial.get_data()) == logged[256:261]
    assert "Content-Encoding" not in full.headers
    compressed = client.get("/log/tile/entries/000", headers={**headers, "Accept-Encoding": "gzip, identity"})
    assert compressed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed.headers["Vary"]
    assert len(compressed.get_data()) < len(full.get_data()) / 2
    assert bundle_leaves(gzip.decompress(compressed.get_data())) == logged[:256]
    assert client.get("/log/tile/entries/001", headers=headers).status_code == 404
    assert client.get("/log/tile/entries/01", headers=headers).status_code == 400


def test_roots_and_proofs_from_the_tiles_alone_are_the_databases(app: Flask, client: FlaskClient) -> None:
    headers = token(app)
    with app.app_context():
        add_many(299)
        size = read_head(db.session).size
        database = DatabaseNodeStore(db.session)
        tiles = TileStore(client_fetcher(client, headers), size)
        for tree_size in (1, 2, 255, 256, 257, 299, size):
            assert merkle.root_hash(tree_size, tiles) == merkle.root_hash(tree_size, database), tree_size
        for first in (1, 3, 100, 256, 257):
            assert merkle.consistency_proof(first, size, tiles) == merkle.consistency_proof(first, size, database)
        assert merkle.inclusion_proof(258, size, tiles) == merkle.inclusion_proof(258, size, database)
        assert check_entries(tiles.fetch, tiles, 250, size) == size - 250
        assert latest(db.session) is not None


def test_tile_paths_are_what_the_routes_serve(client: FlaskClient) -> None:
    assert tile_path(0, 1, 44) == "tile/0/001.p/44"
    assert tile_path(2, 1234067) == "tile/2/x001/x234/067"
    assert tile_path(None, 3, 9) == "tile/entries/003.p/9"
