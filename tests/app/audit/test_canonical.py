"""canonical_json (orjson for plain values) writes exactly what the canonicaliser wrote before it
(reference_canonical_json: conversion + Python's C encoder, the rfc8785 package beyond U+FFFF):
on golden vectors frozen from the canonicaliser before orjson, on a real comparison record, on
10,000 random records from a plain seeded generator (random_records; the seed is in every failure
message), on 500 Hypothesis records (which shrinks a failure to a minimal record), and on random
records that mix every type a record holds with the ones it must refuse."""

from __future__ import annotations

import datetime
import hashlib
import os
import random
from collections import OrderedDict
from decimal import Decimal
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.canonical import NotLoggable, canonical_json, reference_canonical_json
from tests.app.audit import golden_comparison_record
from tests.app.audit.random_records import KINDS, RandomRecords

GOLDEN_VECTORS: list[tuple[Any, bytes]] = [
    ({},
     b'{}'),
    ([],
     b'[]'),
    (None,
     b'null'),
    (True,
     b'true'),
    (False,
     b'false'),
    (0,
     b'0'),
    (0,
     b'0'),
    (9007199254740991,
     b'9007199254740991'),
    (-9007199254740991,
     b'-9007199254740991'),
    ('',
     b'""'),
    ({'b': Decimal('1.50'), 'a': [1, True, None], 't': datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)},
     b'{"a":[1,true,null],"b":"1.50","t":"2026-03-01T12:30:00Z"}'),
    ({'premium': Decimal('1212.50'), 'rate': Decimal('0.0625'), 'zero': Decimal('0.00'), 'neg': Decimal('-3E+2')},
     b'{"neg":"-3E+2","premium":"1212.50","rate":"0.0625","zero":"0.00"}'),
    ({'when': datetime.datetime(2026, 12, 5, 7, 29, 9, 123456, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))},
     b'{"when":"2026-12-05T12:29:09.123456Z"}'),
    ({'controls': '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f "quote" \\back/slash'},
     b'{"controls":"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\x7f \\"quote\\" \\\\back/slash"}'),
    ({'unicode': 'café \u2028\u2029 € � 😀', 'é': 1, 'e': 2, 'É': 3},
     b'{"e":2,"unicode":"caf\xc3\xa9 \xe2\x80\xa8\xe2\x80\xa9 \xe2\x82\xac \xef\xbf\xbd \xf0\x9f\x98\x80","\xc3\x89":3,"\xc3\xa9":1}'),
    ({'😀': 1, '�': 2, 'a': 3, 'é': 4, '𐀀x': 5},
     b'{"a":3,"\xc3\xa9":4,"\xf0\x90\x80\x80x":5,"\xf0\x9f\x98\x80":1,"\xef\xbf\xbd":2}'),
    ({'nested': {'z': [{'y': (1, 2, 3)}, [[], {}]], 'a': {'c': None, 'b': 'x'}}},
     b'{"nested":{"a":{"b":"x","c":null},"z":[{"y":[1,2,3]},[[],{}]]}}'),
    ({'A': 1, 'a': 2, '_': 3, '1': 4, '': 5, ' ': 6, '~': 7},
     b'{"":5," ":6,"1":4,"A":1,"_":3,"a":2,"~":7}'),
    ([Decimal('1'), Decimal('1.0'), Decimal('1E+3'), Decimal('NaN')],
     b'["1","1.0","1E+3","NaN"]'),
    ({'tuple_of_mixed': ('s', 1, None, False, Decimal('2.5'))},
     b'{"tuple_of_mixed":["s",1,null,false,"2.5"]}'),
]


@pytest.mark.parametrize(("value", "expected"), GOLDEN_VECTORS)
def test_golden_vectors_keep_their_bytes(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected
    assert reference_canonical_json(value) == expected


def test_a_real_comparison_record_keeps_its_bytes() -> None:
    written = canonical_json(golden_comparison_record.RECORD)
    assert len(written) == golden_comparison_record.CANONICAL_BYTES
    assert hashlib.sha256(written).hexdigest() == golden_comparison_record.CANONICAL_SHA256
    assert written == reference_canonical_json(golden_comparison_record.RECORD)


class Colour(Enum):
    RED = "red"


class Size(IntEnum):
    LARGE = 3


class Label(str):
    def __str__(self) -> str:
        return "not the content"


_moments = st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1),
                        timezones=st.sampled_from([datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=-5)),
                                                   datetime.timezone(datetime.timedelta(hours=5, minutes=30))]))
_loggable_scalars = (st.none() | st.booleans() | st.text(max_size=24) | st.integers(-(2**53) + 1, 2**53 - 1)
                     | st.decimals(allow_nan=False, allow_infinity=False, places=4) | _moments)
# What a record must never carry, or carries only as the reference path converts it: each makes
# the two paths agree on an error or on bytes.
_awkward_scalars = (st.floats() | st.integers(2**53 - 2, 2**64) | st.integers(-(2**64), -(2**53) + 2)
                    | st.datetimes() | st.dates() | st.just(Colour.RED) | st.just(Size.LARGE)
                    | st.builds(Label, st.text(max_size=5)) | st.text(alphabet=st.characters(categories=["Cs"]), min_size=1))
_keys = st.text(max_size=8) | st.sampled_from(["\U0001f600", "\ufffd", "\u00e9", "a", "A"])


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (st.lists(children, max_size=5) | st.tuples(children, children)
            | st.dictionaries(_keys, children, max_size=5)
            | st.dictionaries(_keys, children, max_size=3).map(OrderedDict)
            | st.dictionaries(_keys, children, max_size=3).map(MappingProxyType)
            | st.dictionaries(st.integers(0, 9) | st.booleans(), children, max_size=2))


plain_records = st.recursive(_loggable_scalars, lambda children: st.lists(children, max_size=5)
                             | st.dictionaries(_keys, children, max_size=6), max_leaves=24)
any_records = st.recursive(_loggable_scalars | _awkward_scalars | st.decimals(), _containers, max_leaves=20)


def _outcome(canonicaliser: Any, value: Any) -> bytes | str:
    try:
        return canonicaliser(value)
    except NotLoggable:
        return "not loggable"
    except (UnicodeEncodeError, rfc8785.CanonicalizationError) as error:  # a lone surrogate
        return f"refused: {type(error).__name__}"


SEED_VARIABLE = "CANDOR_CANONICAL_SEED"


def _written(canonicaliser: Any, record: Any) -> bytes | str:
    """Bytes, or the error as text, so that a record one canonicaliser refuses still fails with
    the seed in the message rather than a bare traceback."""
    try:
        return canonicaliser(record)
    except Exception as error:
        return f"raised {error!r}"


def test_ten_thousand_random_records_are_written_byte_for_byte_as_before() -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(2**64))
    rerun = f"seed {seed}; rerun with {SEED_VARIABLE}={seed}"
    records = RandomRecords(seed)
    for index, record in enumerate(records.records(10_000)):
        written, before = _written(canonical_json, record), _written(reference_canonical_json, record)
        assert isinstance(before, bytes) and written == before, (
            f"record {index} ({rerun}): {record!r}\ncanonical_json:           {written!r}"
            f"\nreference_canonical_json: {before!r}")
    uncovered = [kind for kind in KINDS if records.kinds[kind] == 0]
    assert not uncovered, f"the 10,000 records never held {uncovered} ({rerun}); counts: {dict(records.kinds)}"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_records)
def test_five_hundred_hypothesis_records_are_written_byte_for_byte_as_before(record: Any) -> None:
    assert canonical_json(record) == reference_canonical_json(record)


@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_records)
def test_values_the_log_refuses_are_refused_alike_and_odd_types_written_alike(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(reference_canonical_json, value)


@pytest.mark.parametrize("value", [1.5, float("nan"), float("inf"), {"a": [{"b": 0.0}]},
                                   datetime.datetime(2026, 1, 1), {"n": 2**53}, {"n": -(2**53)},
                                   datetime.date(2026, 1, 1), Colour.RED, {"when": datetime.time(12)}])
def test_what_the_log_never_carries_is_refused_by_the_fast_path_too(value: Any) -> None:
    with pytest.raises(NotLoggable):
        canonical_json(value)
