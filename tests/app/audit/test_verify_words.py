"""What /verify and the receipt say, in words for a person, and only when it was checked: the
entry and when it was logged, the signed checkpoint that includes it, and that the log has only
grown since — or plainly what could not be proven."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit import receipt_words
from app.audit.models import AuditCheckpoint, AuditEntry
from app.db import db
from tests.app.audit.conftest import tamper
from tests.app.audit.test_verify_page import compare

GROWN = "includes it, and the log has only grown since."


def statements(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(item.get_text().split()) for item in soup.select("[data-statement]")]


def logged_at(app, reference: str) -> tuple[int, datetime]:
    with app.app_context():
        row = db.session.execute(sa.select(AuditEntry.index, AuditEntry.created_at)
                                 .where(AuditEntry.reference == reference)).one()
        checkpoint = db.session.scalar(sa.select(AuditCheckpoint.created_at).where(AuditCheckpoint.tree_size == 1))
        return row.index, row.created_at, checkpoint


def test_entry_numbers_and_dates_are_written_for_a_person():
    moment = datetime(2026, 12, 4, 14, 21, 37, tzinfo=timezone.utc)
    assert receipt_words.logged("recommendation", 1234, moment) == (
        "This recommendation was logged as entry 1,234 on 4 December 2026 at 14:21 UTC.")
    assert receipt_words.proven(datetime(2026, 12, 5, tzinfo=timezone.utc), latest=False) == (
        "Our log's signed checkpoint of 5 December 2026 includes it, and the log has only grown since.")


def test_a_verified_entry_says_what_was_proven(app, client):
    first = compare(client)   # entry 0; its append signs the checkpoint of 1 entry
    second = compare(client)  # entry 1: no checkpoint covers it until someone asks
    assert "signed checkpoint of" in client.get("/verify", query_string={"reference": second}).get_data(as_text=True)
    index, logged, checkpoint = logged_at(app, first)

    html = client.get("/verify", query_string={"reference": first}).get_data(as_text=True)
    [said] = statements(html)
    assert said == (f"This recommendation was logged as entry 0 on {logged.day} {logged:%B %Y} at {logged:%H:%M} UTC. "
                    f"Our log's signed checkpoint of {checkpoint.day} {checkpoint:%B %Y} {GROWN}")
    assert f"{first} is in our log" in html
    soup = BeautifulSoup(html, "html.parser")
    details = soup.select_one("details.technical-details")
    assert details is not None and details.select_one("code.hash") is not None
    assert not [code for code in soup.select("code.hash") if not code.find_parent("details")]  # hashes only inside
    for route in ("/api/v1/audit/checkpoint", "/api/v1/audit/verifier-key", "/api/v1/audit/proofs/inclusion",
                  "/api/v1/audit/proofs/consistency"):
        assert route in details.get_text()

    receipt = client.get(f"/results/{first}/receipt").get_data(as_text=True)
    assert said in statements(receipt)


def test_an_unknown_reference_says_so_and_claims_nothing(client):
    html = client.get("/verify", query_string={"reference": "CND-0000-0000"}).get_data(as_text=True)
    assert "We have no recommendation with the reference CND-0000-0000" in html
    assert statements(html) == [] and "includes it" not in html


def test_an_altered_entry_is_not_said_to_be_in_the_log(app, client):
    reference = compare(client)
    with app.app_context():
        tamper("audit_entries", 'UPDATE audit_entries SET leaf_hash = :hash WHERE "index" = 0', hash=bytes(32))
    html = client.get("/verify", query_string={"reference": reference}).get_data(as_text=True)
    assert f"The proof for {reference} did not check out" in html and "is in our log</h2>" not in html
    [said] = statements(html)
    assert re.search(r"^Our records say this recommendation was logged as entry 0 on .* UTC\. We could not prove that "
                     r"it is in our log: the proof for entry 0 does not lead to our signed checkpoint of \d+ \w+ \d{4}\.$",
                     said)
    assert "includes it" not in said
    receipt = client.get(f"/results/{reference}/receipt").get_data(as_text=True)
    assert "We could not prove that it is in our log" in receipt and "Something is wrong on our side" in receipt


def test_a_forged_checkpoint_is_not_trusted(app, client):
    reference = compare(client)
    with app.app_context():
        note = db.session.scalar(sa.select(AuditCheckpoint.note).where(AuditCheckpoint.tree_size == 1))
        tamper("audit_checkpoints", "UPDATE audit_checkpoints SET note = :note WHERE tree_size = 1",
               note=note.replace("—", "-"))
    response = client.get("/verify", query_string={"reference": reference})
    assert response.status_code == 200
    [said] = statements(response.get_data(as_text=True))
    assert "does not carry a valid signature by our published key" in said and "includes it" not in said


def test_a_log_that_did_not_only_grow_is_said_so(app, client):
    first, second = compare(client), compare(client)
    client.get("/verify", query_string={"reference": second})  # signs the checkpoint of 2 entries
    with app.app_context():
        # Entry 1 rewritten after the checkpoint of 2 was signed: the path from 1 to 2 no longer leads there.
        tamper("audit_entries", 'UPDATE audit_entries SET leaf_hash = :hash WHERE "index" = 1', hash=bytes(32))
    [said] = statements(client.get("/verify", query_string={"reference": first}).get_data(as_text=True))
    assert said.endswith("includes it, but we could not prove that the log has only grown since: the proof from "
                         "that checkpoint to our latest one does not check out.")
