"""`flask demo run` (what `make run` starts) runs a witness on a free port and has it cosign our
checkpoints as the log grows: /healthz says so, and /log/checkpoint carries its cosignature."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from app.audit.cosignature import WitnessKey, verify_cosignature
from app.audit.note import split_note
from app.cli.witness_process import DEMO_WITNESS_NAME
from tests.server_support import PROJECT_ROOT, VENV_BIN, Instance, flask, free_port, site_environment, stop, \
    wait_until_healthy

WAIT_S = 60  # a bound: cosigning takes a fraction of a second every half second here


def witnessed(instance: Instance, entries: int) -> dict[str, str]:
    """/healthz's checks once the witness has cosigned a checkpoint of at least `entries` entries."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        checks = requests.get(f"{instance.url}/healthz", timeout=5).json()["checks"]
        said = checks.get("witnesses", "")
        size = int(said.rsplit("(", 1)[1].split()[0]) if "(" in said else -1
        if "1 cosigned the latest checkpoint" in said and size >= entries:
            return checks
        time.sleep(0.2)
    raise AssertionError(f"the witness did not cosign a checkpoint of {entries} entries: {said}\n{instance.log()}")


def test_the_demo_runs_a_witness_that_cosigns_as_the_log_grows(tmp_path: Path) -> None:
    environment = site_environment(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path)
    environment.update(CANDOR_DEMO_WITNESS_DIR=str(tmp_path / "witness"), CANDOR_DEMO_COSIGN_EVERY_S="0.5",
                       CANDOR_CHECKPOINT_MAX_AGE_S="0")
    environment.pop("CANDOR_WITNESSES", None)
    assert flask(environment, "demo", "seed").returncode == 0
    port = free_port()
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "demo", "run", "--port", str(port),
                                    "--sandbox-port-base", "0"], cwd=PROJECT_ROOT, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    instance = Instance(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_until_healthy(instance)
        first = witnessed(instance, 1)
        assert first["witnesses"].startswith("1 configured; ")
        created = flask(environment, "tokens", "create", "--scope", "compliance")  # an entry more
        assert created.returncode == 0, created.stderr
        witnessed(instance, int(first["witnesses"].rsplit("(", 1)[1].split()[0]) + 1)
        note = requests.get(f"{instance.url}/log/checkpoint", timeout=5).text
    finally:
        stop(process)
    text, signatures = split_note(note)
    assert [signature.name for signature in signatures] == ["candor.example/recommendations", DEMO_WITNESS_NAME]
    key_file = tmp_path / "witness" / "witness-key.pem"
    private = load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    key = WitnessKey(DEMO_WITNESS_NAME, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    line = note.rstrip("\n").rsplit("\n", 1)[1] + "\n"
    assert verify_cosignature(line, key, text) is not None
    assert "cosigns our checkpoints every 0.5 s" in instance.log()
    assert os.path.exists(tmp_path / "witness" / "state")
