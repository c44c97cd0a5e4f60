"""The audit proof routes (DESIGN.md "Audit proofs"), used the way an outside auditor would: with
nothing but a compliance token, the routes' answers and an independent tree implementation."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from app.actors import Actor
from app.audit.note import CheckpointText, Verifier, open_note
from app.auth.service import create_token
from app.db import db
from tests.app.audit.conftest import add_many
from tests.app.audit.test_merkle import naive_consistency, naive_mth, naive_path

API = "/api/v1/audit"
TOTAL = 22


def token(app, scope: str = "compliance") -> dict[str, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        _, secret = create_token(db.session, scope, user=None, label="test", actor=Actor("admin", "1"), channel="test")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def auditor(app, client):  # type: ignore[no-untyped-def]
    """A client that sends a compliance token, over a log of 22 entries: the token's creation
    (logged as an account change) and 21 more."""
    headers = token(app)
    with app.app_context():
        add_many(21)

    def get(path: str, **params: object):  # type: ignore[no-untyped-def]
        return client.get(f"{API}{path}", query_string=params, headers=headers)

    return get


def all_leaves(get) -> list[bytes]:  # type: ignore[no-untyped-def]
    leaves, start = [], 0
    while start is not None:
        page = get("/entries", start=start, limit=8).get_json()
        leaves.extend(base64.b64decode(entry["leaf"]) for entry in page["entries"])
        start = page["next"]
    return leaves


def test_an_auditor_checks_the_whole_log_with_the_routes_alone(auditor):
    get = auditor
    key_response = get("/verifier-key")
    assert key_response.status_code == 200 and key_response.mimetype == "text/plain"
    verifier = Verifier.from_verifier_key(key_response.get_data(as_text=True))

    note_response = get("/checkpoint")
    assert note_response.status_code == 200 and note_response.mimetype == "text/plain"
    checkpoint = CheckpointText.parse(open_note(note_response.get_data(as_text=True), verifier))
    assert checkpoint.size == TOTAL

    leaves = all_leaves(get)
    assert len(leaves) == TOTAL and naive_mth(leaves) == checkpoint.root_hash

    for index in (0, 7, 20, 21):
        proof = get("/proofs/inclusion", index=index, tree_size=TOTAL).get_json()
        assert proof["leaf_hash"] == hashlib.sha256(b"\x00" + leaves[index]).hexdigest()
        assert [bytes.fromhex(h) for h in proof["inclusion_path"]] == naive_path(index, leaves)
        assert proof["index"] == index and proof["tree_size"] == TOTAL
    for first in (1, 8, 13, 22):
        proof = get("/proofs/consistency", first=first, second=TOTAL).get_json()
        assert proof == {"first": first, "second": TOTAL,
                         "consistency_path": [h.hex() for h in naive_consistency(first, leaves)]}


def test_entries_page_with_their_metadata(auditor):
    page = auditor("/entries", start=20).get_json()
    assert [entry["index"] for entry in page["entries"]] == [20, 21]
    assert page["next"] is None and page["tree_size"] == TOTAL
    entry = page["entries"][0]
    assert entry["kind"] == "test" and entry["reference"] == "R19" and entry["time"] == "2026-11-23T05:00:00Z"
    assert entry["leaf_hash"] == hashlib.sha256(b"\x00" + base64.b64decode(entry["leaf"])).hexdigest()
    assert auditor("/entries", start=500).get_json()["entries"] == []
    everything = auditor("/entries").get_json()
    assert len(everything["entries"]) == TOTAL and everything["next"] is None


def test_the_checkpoint_route_signs_the_log_when_it_has_grown(app, auditor):
    first = auditor("/checkpoint").get_data(as_text=True)
    assert auditor("/checkpoint").get_data(as_text=True) == first
    with app.app_context():
        add_many(2)
    grown = auditor("/checkpoint").get_data(as_text=True)
    assert grown.split("\n")[1] == str(TOTAL + 2)


BAD_QUERIES = [
    ("/entries", {"limit": 0}, "'limit' must be from 1 to 1000"),
    ("/entries", {"limit": 1001}, "'limit' must be from 1 to 1000"),
    ("/entries", {"start": "-1"}, "'start' must be a whole number"),
    ("/entries", {"start": "abc"}, "'start' must be a whole number"),
    ("/proofs/inclusion", {"tree_size": 5}, "'index' is required"),
    ("/proofs/inclusion", {"index": 1}, "'tree_size' is required"),
    ("/proofs/inclusion", {"index": 5, "tree_size": 5}, "Leaf 5 is not in a tree of 5 leaves"),
    ("/proofs/inclusion", {"index": 1, "tree_size": 23}, "The log has 22 entries, so it has no tree of 23"),
    ("/proofs/consistency", {"first": 5, "second": 3}, "No consistency proof from 5 leaves to 3"),
    ("/proofs/consistency", {"first": 5, "second": 99}, "The log has 22 entries, so it has no tree of 99"),
    ("/proofs/consistency", {"first": 5}, "'second' is required"),
]


def test_bad_queries_get_a_problem_document(auditor):
    for path, params, detail in BAD_QUERIES:
        response = auditor(path, **params)
        assert response.status_code == 400, (path, params)
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == 400 and detail in body["detail"], (path, params, body)


def test_every_route_needs_a_compliance_token(app, client):
    advisor_token = token(app, "advisor")
    for path in ("/entries", "/checkpoint", "/verifier-key", "/proofs/inclusion?index=0&tree_size=1",
                 "/proofs/consistency?first=0&second=0"):
        anonymous = client.get(f"{API}{path}")
        assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json", path
        advisor = client.get(f"{API}{path}", headers=advisor_token)
        assert advisor.status_code == 403 and advisor.mimetype == "application/problem+json", path
        assert client.get(f"{API}{path}", headers={"Authorization": "Bearer cnd_not-a-token"}).status_code == 401


def test_the_python_check_in_the_docs_works_against_the_api(auditor):
    """docs/audit-log.md shows outsiders how to check an entry; its code must keep working."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "audit-log.md").read_text()
    snippet = re.search(r"In Python, with only `cryptography`:\n\n```python\n(.*?)```", text, re.S).group(1)
    leaf = base64.b64decode(auditor("/entries", start=9, limit=1).get_json()["entries"][0]["leaf"])
    proof = auditor("/proofs/inclusion", index=9, tree_size=TOTAL).get_json()
    namespace = {"checkpoint_text": auditor("/checkpoint").get_data(as_text=True),
                 "verifier_key": auditor("/verifier-key").get_data(as_text=True),
                 "index": 9, "leaf_hash": hashlib.sha256(b"\x00" + leaf).hexdigest(),
                 "inclusion_path": proof["inclusion_path"]}
    exec(compile(snippet, "docs/audit-log.md", "exec"), namespace)  # noqa: S102 - our own documentation
    namespace["leaf_hash"] = "00" * 32
    with pytest.raises(AssertionError):
        exec(compile(snippet, "docs/audit-log.md", "exec"), namespace)  # noqa: S102
