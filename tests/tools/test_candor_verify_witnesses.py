"""candor-verify against real witnesses: two candor-witness processes (tools/candor-witness) on
loopback cosign our checkpoint through `flask audit cosign`; the receipt `flask audit receipt`
prints carries their cosignatures, and candor-verify, given their keys, counts them — k of n — and
refuses a receipt whose checkpoint no witness has cosigned yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import Flask

from app.audit.cosignature import WitnessKey
from app.audit.keys import current_keys
from app.audit.witnesses import Witness, configure
from app.cli.witness_process import WitnessProcess, start_witness
from app.db import db
from tests.app.audit.conftest import add
from tests.tools.conftest import Witness as SpecWitness

MOMENT = datetime(2026, 12, 5, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def witnesses(app: Flask, tmp_path: Path) -> Iterator[list[WitnessProcess]]:
    with app.app_context():
        log_key = current_keys().verifier.verifier_key
    with start_witness(tmp_path / "w1", "witness.test/w1", [log_key]) as first, \
            start_witness(tmp_path / "w2", "witness.test/w2", [log_key]) as second:
        configure(app, tuple(Witness(running.url, WitnessKey.from_verifier_key(running.verifier_key))
                             for running in (first, second)))
        yield [first, second]


def log(app: Flask, *references: str) -> None:
    with app.app_context():
        for reference in references:
            add({"shown": reference}, kind="recommendation", reference=reference, created_at=MOMENT)
        db.session.commit()


def receipt(app: Flask, reference: str, tmp_path: Path) -> str:
    printed = app.test_cli_runner().invoke(args=["audit", "receipt", reference])
    assert printed.exit_code == 0, printed.output
    path = tmp_path / f"{reference}.tlog-proof"
    path.write_text(printed.output)
    return str(path)


def test_a_receipt_carries_the_witnesses_cosignatures_and_k_of_n_holds(candor_verify, app, witnesses, tmp_path,
                                                                       capsys):
    log(app, "CND-AAAA-AAA1", "CND-AAAA-AAA2", "CND-AAAA-AAA3")
    cosigned = app.test_cli_runner().invoke(args=["audit", "cosign"])
    assert cosigned.exit_code == 0 and "2 of 2 witnesses have cosigned the checkpoint of 3 entries" in cosigned.output
    with app.app_context():
        key = ("--key", current_keys().verifier.verifier_key)
    named = [argument for running in witnesses for argument in ("--witness", running.verifier_key)]
    stranger = ("--witness", SpecWitness("witness.test/never-asked").vkey)

    assert candor_verify.cli.main([receipt(app, "CND-AAAA-AAA2", tmp_path), *key, *named]) == 0
    out = capsys.readouterr().out
    assert "2 of the 2 witnesses you named cosigned that checkpoint (you required 2): witness.test/w1 at " in out
    assert "; witness.test/w2 at " in out

    path = receipt(app, "CND-AAAA-AAA1", tmp_path)
    assert candor_verify.cli.main([path, *key, *named, *stranger]) == 1
    assert ("missing witness: 2 of the 3 witnesses you named cosigned the checkpoint and you require 3 "
            "(witness.test/never-asked did not cosign it)") in capsys.readouterr().err
    assert candor_verify.cli.main([path, *key, *named, *stranger, "--witnesses-required", "2"]) == 0
    capsys.readouterr()

    # An entry logged after the witnesses last cosigned: its receipt's checkpoint has no cosignature yet.
    log(app, "CND-AAAA-AAA4")
    late = receipt(app, "CND-AAAA-AAA4", tmp_path)
    assert candor_verify.cli.main([late, *key]) == 0  # the log's own signature still holds
    capsys.readouterr()
    assert candor_verify.cli.main([late, *key, *named, "--witnesses-required", "1"]) == 1
    assert "missing witness: 0 of the 2 witnesses you named cosigned" in capsys.readouterr().err
    assert app.test_cli_runner().invoke(args=["audit", "cosign"]).exit_code == 0
    assert candor_verify.cli.main([receipt(app, "CND-AAAA-AAA4", tmp_path), *key, *named]) == 0
