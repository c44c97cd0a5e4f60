"""No change to a receipt makes candor-verify prove something else: every single-byte change,
anywhere in the file, is refused — or, where it changes nothing that is proven (a base64 character's
unused low bits, an extra cosignature-like line by no key given), is verified as the very same
entry, index and checkpoint. Nothing but Refused ever comes out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit import current_keys, tlog_proof
from app.db import db
from tests.app.audit.conftest import add

ENTRIES = 11


@pytest.fixture
def receipt(app) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        for n in range(ENTRIES):
            add({"n": n, "amount": f"{n}.50"}, kind="recommendation", reference=f"CND-AAAA-AA{n:02d}",
                created_at=datetime(2026, 12, 5, 8, n, tzinfo=timezone.utc))
        db.session.commit()
        text = tlog_proof(db.session, "CND-AAAA-AA06").text()
        db.session.commit()
        return text.encode("utf-8"), current_keys().verifier.verifier_key


def test_every_single_byte_change_is_refused_or_proves_the_same(candor_verify, receipt):
    data, vkey = receipt
    key = candor_verify.LogKey.parse(vkey)
    original = candor_verify.verify_receipt(data, [key])
    assert original.index == 6 and original.tree_size == ENTRIES

    @given(position=st.integers(0, len(data) - 1), value=st.integers(0, 255))
    @settings(max_examples=400, deadline=None, database=None)
    def changed(position: int, value: int) -> None:
        if data[position] == value:
            return
        mutated = data[:position] + bytes([value]) + data[position + 1:]
        try:
            proven = candor_verify.verify_receipt(mutated, [key])
        except candor_verify.Refused:
            return
        assert (proven.index, proven.leaf_hash, proven.tree_size, proven.root_hash) == (
            original.index, original.leaf_hash, original.tree_size, original.root_hash)

    changed()


def test_every_cut_is_refused(candor_verify, receipt):
    data, vkey = receipt
    key = candor_verify.LogKey.parse(vkey)
    for end in [*range(0, len(data) - 1, 7), len(data) - 1]:
        with pytest.raises(candor_verify.Refused):
            candor_verify.verify_receipt(data[:end], [key])
