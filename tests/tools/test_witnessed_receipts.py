"""A shopper's receipt carries the witnesses' cosignatures once a witness has cosigned a checkpoint
that includes the comparison: candor-verify then proves, offline, that an independent witness saw
the same log (k of n with --witnesses-required); a receipt for an entry no witness has seen yet is
proven against our signature alone and is refused when a witness is required."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.audit import current_keys
from app.audit.cosignature import WitnessKey
from app.audit.witnesses import Witness, configure
from app.cli.witness_process import WitnessProcess, start_witness
from tests.app.audit.test_verify_page import compare
from tests.tools.test_candor_verify import run


@pytest.fixture
def witness(app: Flask, tmp_path: Path) -> Iterator[WitnessProcess]:
    with app.app_context():
        log_key = current_keys().verifier.verifier_key
    with start_witness(tmp_path / "witness", "witness.test/receipts", [log_key]) as running:
        configure(app, (Witness(running.url, WitnessKey.from_verifier_key(running.verifier_key)),))
        yield running


def test_a_receipt_after_cosigning_proves_a_witness_saw_the_entry(app, client, witness, candor_verify, tmp_path,
                                                                  capsys) -> None:  # type: ignore[no-untyped-def]
    witnessed = compare(client)
    assert app.test_cli_runner().invoke(args=["audit", "cosign"]).exit_code == 0
    not_yet = compare(client)
    with app.app_context():
        log_key = current_keys().verifier.verifier_key
    required = ("--key", log_key, "--witness", witness.verifier_key, "--witnesses-required", "1")

    receipt = client.get(f"/results/{witnessed}/proof").get_data(as_text=True)
    assert "— witness.test/receipts " in receipt
    assert run(candor_verify, tmp_path, receipt, *required) == 0
    assert "witness" in capsys.readouterr().out

    unwitnessed = client.get(f"/results/{not_yet}/proof").get_data(as_text=True)
    assert "— witness.test/receipts " not in unwitnessed
    assert run(candor_verify, tmp_path, unwitnessed, "--key", log_key) == 0
    assert run(candor_verify, tmp_path, unwitnessed, *required) == 1
    assert "NOT VERIFIED" in capsys.readouterr().err
