"""app/api/answers.py writes the comparison documents with orjson: whatever the document holds,
the client reads the very JSON `jsonify` would have sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from flask import Flask, jsonify
from hypothesis import given
from hypothesis import strategies as st

from app.api.answers import json_answer

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(timezone.utc)),
)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                         max_leaves=25)


@dataclass
class Point:
    x: int


def _both(document: object) -> tuple[object, object]:
    app = Flask(__name__)
    with app.app_context():
        ours = json_answer(document, 201)
        theirs = jsonify(document)
        assert ours.status_code == 201 and ours.mimetype == "application/json"
        return json.loads(ours.get_data()), json.loads(theirs.get_data())


@given(documents)
def test_any_document_reads_as_jsonify_would_have_written_it(document):
    ours, theirs = _both(document)
    assert ours == theirs


def test_plain_documents_are_written_by_orjson_with_sorted_keys_and_utf8():
    app = Flask(__name__)
    with app.app_context():
        body = json_answer({"b": "Zürich", "a": [Decimal("1.50"), 2, None]}).get_data()
    assert body == '{"a":["1.50",2,null],"b":"Zürich"}'.encode()


def test_what_orjson_would_write_otherwise_goes_to_jsonify():
    when = datetime(2026, 12, 5, 23, 0, tzinfo=timezone.utc)
    for document in ({"when": when}, {"point": Point(3)}, {"big": 2**70}, {"ratio": 0.1}):
        ours, theirs = _both(document)
        assert ours == theirs
