"""`flask audit cosign` against real witness processes (tools/candor-witness) on loopback: our
checkpoints get cosigned as the log grows, the checkpoint we serve carries the cosignatures, and a
witness that lost track, claims a larger tree, answers garbage or does not answer is named, never
trusted, and never stored."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.checkpoints import sign
from app.audit.cosigning import latest_cosigned
from app.audit.cosignature import WitnessKey, signature_lines, verify_cosignature
from app.audit.keys import current_keys
from app.audit.models import AuditCosignature
from app.audit.note import split_note
from app.audit.tree import root_hash
from app.audit.witnesses import Witness, WitnessConfigurationError, configure
from app.cli.witness_process import WitnessProcess, start_witness
from app.db import db
from providers.testing.faults import static_app
from providers.testing.servers import LoopbackServer
from tests.app.audit.conftest import add_many
from tests.app.audit.test_api import token
from tests.conftest import make_app
from tests.server_support import free_port
from tests.tools.witness_log import submit


def verifier_key(app: Flask) -> str:
    with app.app_context():
        return current_keys().verifier.verifier_key


@pytest.fixture
def witness(app: Flask, tmp_path: Path) -> Iterator[WitnessProcess]:
    with start_witness(tmp_path / "w1", "witness.test/w1", [verifier_key(app)]) as running:
        configure(app, (Witness(running.url, WitnessKey.from_verifier_key(running.verifier_key)),))
        yield running


def cosign(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "cosign"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def stored(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return [(row.tree_size, row.witness) for row in db.session.query(AuditCosignature).order_by("tree_size")]


def test_checkpoints_are_cosigned_as_the_log_grows_and_served_with_the_cosignature(app, client, witness) -> None:
    headers = token(app)  # the token's creation is entry 0
    with app.app_context():
        add_many(5)
    assert cosign(app) == (0, "witness.test/w1  " + witness.url + "  cosigned it\n"
                              "1 of 1 witnesses have cosigned the checkpoint of 6 entries.\n")
    with app.app_context():
        add_many(9)
    code, said = cosign(app)
    assert code == 0 and "checkpoint of 15 entries" in said
    assert cosign(app)[1].startswith("witness.test/w1  " + witness.url + "  had already cosigned it")
    assert stored(app) == [(6, "witness.test/w1"), (15, "witness.test/w1")]

    served = client.get("/api/v1/audit/checkpoint", headers=headers).get_data(as_text=True)
    text, signatures = split_note(served)
    assert text.split("\n")[1] == "15"
    assert [signature.name for signature in signatures] == ["candor.example/recommendations", "witness.test/w1"]
    key = WitnessKey.from_verifier_key(witness.verifier_key)
    lines = signature_lines(served[len(text) + 1:])
    assert [verify_cosignature(line, key, text) is not None for line in lines] == [False, True]

    with app.app_context():
        assert latest_cosigned(db.session, covering=3).tree_size == 15
        assert latest_cosigned(db.session, covering=6).tree_size == 15
        add_many(1)
        assert latest_cosigned(db.session, covering=15) is None, "no witness has seen entry 15 yet"
    served = client.get("/api/v1/audit/checkpoint", headers=headers).get_data(as_text=True)
    text, signatures = split_note(served)
    assert text.split("\n")[1] == "16", "a checkpoint signed on demand is served at once, not yet witnessed"
    assert [signature.name for signature in signatures] == ["candor.example/recommendations"]


def test_a_witness_that_knows_a_later_size_is_asked_again_from_there(app, witness) -> None:
    with app.app_context():
        add_many(6)
        keys = current_keys()
        note = sign(keys, 4, root_hash(db.session, 4))
    assert submit(witness.url, f"old 0\n\n{note}".encode()).status_code == 200  # someone else showed it size 4
    assert cosign(app)[0] == 0
    assert stored(app) == [(6, "witness.test/w1")]


def test_a_witness_that_saw_a_larger_tree_under_our_name_raises_the_alarm(app, witness) -> None:
    with app.app_context():
        add_many(3)
        forged_root = bytes(32)
        note = sign(current_keys(), 50, forged_root)  # a checkpoint signed with our key that the log never made
    assert submit(witness.url, f"old 0\n\n{note}".encode()).status_code == 200
    code, said = cosign(app)
    assert code == 1
    assert "ALARM: it has cosigned a tree of 50 entries, more than our latest checkpoint (3)" in said
    assert stored(app) == []


@pytest.mark.parametrize("answer, said", [
    (static_app("not a signature\n", "text/plain", status="200 OK"), "sent a cosignature that does not check"),
    (static_app("— someone.else/w9 " + base64.b64encode(bytes(76)).decode() + "\n", "text/plain"),
     "answered without a cosignature by its key"),
    (static_app("x" * 20_000, "text/plain"), "answered with more than 8,192 bytes"),
    (static_app("busy\n", "text/plain", status="503 Service Unavailable"), "refused with HTTP 503: busy"),
    (static_app("many\n", "text/x.tlog.size", status="409 Conflict"), "answered 409 without the size"),
    (static_app("", "text/plain", status="302 Found", headers=[("Location", "http://127.0.0.1:1/")]),
     "refused with HTTP 302"),
])
def test_a_misbehaving_witness_is_named_and_nothing_is_stored(app, answer, said) -> None:
    with app.app_context():
        add_many(2)
    with LoopbackServer(answer) as hostile:
        configure(app, (Witness(hostile.url, WitnessKey("witness.test/hostile", bytes(range(32)))),))
        code, output = cosign(app)
    assert code == 1 and said in output, output
    assert stored(app) == []


def test_a_forged_cosignature_by_the_witness_key_is_refused(app, witness, tmp_path) -> None:
    """A second witness process under the same name with a different key: its cosignature names
    the right witness but does not verify with the configured key."""
    with start_witness(tmp_path / "impostor", "witness.test/w1", [verifier_key(app)]) as impostor:
        genuine = WitnessKey.from_verifier_key(witness.verifier_key)
        configure(app, (Witness(impostor.url, genuine),))
        with app.app_context():
            add_many(2)
        code, output = cosign(app)
    assert code == 1 and "answered without a cosignature by its key" in output
    assert stored(app) == []


def test_an_unreachable_witness_is_named_and_the_others_still_cosign(app, witness) -> None:
    good = Witness(witness.url, WitnessKey.from_verifier_key(witness.verifier_key))
    gone = Witness(f"http://127.0.0.1:{free_port()}", WitnessKey("witness.test/gone", bytes(32)))
    configure(app, (gone, good))
    with app.app_context():
        add_many(2)
    code, output = cosign(app)
    assert code == 1
    assert "witness.test/gone" in output and "did not answer (ConnectionError)" in output
    assert "1 of 2 witnesses have cosigned" in output
    assert stored(app) == [(2, "witness.test/w1")]


def test_no_witness_configured_is_said_plainly(app) -> None:
    assert cosign(app) == (2, "No witnesses are configured: set CANDOR_WITNESSES to '<url> <verifier key>' per witness.\n")


def test_cosignatures_are_append_only(app, witness) -> None:
    with app.app_context():
        add_many(2)
    cosign(app)
    for statement in ("DELETE FROM audit_cosignatures", "UPDATE audit_cosignatures SET witness = 'x'"):
        with app.app_context():
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text(statement))
                db.session.commit()
            db.session.rollback()
    assert stored(app) == [(2, "witness.test/w1")]


@pytest.mark.parametrize("setting, problem", [
    ("ftp://w.example w+00000000+BA==", "is not an http(s) URL"),
    ("http://127.0.0.1:7380", "give its URL and its verifier key"),
    ("http://127.0.0.1:7380 witness.test/w1+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
     "type 0x04"),
    ("http://127.0.0.1:7380 witness.test/w1+00000000+" + base64.b64encode(b"\x04" + bytes(32)).decode(),
     "does not match its name and key"),
])
def test_a_malformed_witness_setting_stops_the_start_with_a_clear_message(database_url, setting, problem) -> None:
    with pytest.raises(WitnessConfigurationError, match=re.escape(problem)):
        make_app(database_url, [], CANDOR_WITNESSES=setting)


@pytest.mark.parametrize("timeout, problem", [("soon", "must be a number of seconds"), ("0", "more than 0"),
                                              ("61", "at most 60 seconds")])
def test_a_malformed_witness_timeout_stops_the_start_with_a_clear_message(database_url, timeout, problem) -> None:
    with pytest.raises(WitnessConfigurationError, match=problem):
        make_app(database_url, [], CANDOR_WITNESS_TIMEOUT_S=timeout)
