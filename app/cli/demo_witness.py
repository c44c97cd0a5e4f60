"""The demo's witness: `flask demo run` starts a candor-witness on a free loopback port (unless
CANDOR_WITNESSES names witnesses already), points the site at it, and asks it to cosign the latest
checkpoint every 30 seconds, as a deployment's cron would run `flask audit cosign`."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask

from app.audit.cosignature import WitnessKey
from app.audit.keys import current_keys
from app.audit.witnesses import Witness, configure, current_witness_settings
from app.cli.transparency import cosign_latest
from app.cli.witness_process import DEMO_COSIGN_EVERY_S, DEMO_WITNESS_NAME, start_witness
from app.db import db

logger = logging.getLogger(__name__)


def _cosign_round(app: Flask) -> None:
    with app.app_context():
        try:
            for outcome in cosign_latest():
                if not outcome.cosigned:
                    click.echo(f"Witness {outcome.witness}: {outcome.message}", err=True)
                if outcome.alarm:
                    click.echo("(A demo database made afresh with the same signing key looks like a log that "
                               "shrank: delete the witness's directory too, instance/witness by default.)", err=True)
        except Exception:  # a round that fails must not end the demo; the next round tries again
            logger.exception("cosigning the latest checkpoint failed")
        finally:
            db.session.remove()


@contextmanager
def demo_witness(app: Flask) -> Iterator[None]:
    """CANDOR_DEMO_WITNESS_DIR (default instance/witness) keeps the witness's key and what it has
    cosigned; CANDOR_DEMO_COSIGN_EVERY_S (default 30) is how often it is asked."""
    stop = threading.Event()
    witness = None
    raw_every = os.environ.get("CANDOR_DEMO_COSIGN_EVERY_S") or str(DEMO_COSIGN_EVERY_S)
    try:
        every_s = float(raw_every)
    except ValueError:
        raise click.BadParameter(f"CANDOR_DEMO_COSIGN_EVERY_S must be a number of seconds, not {raw_every!r}") from None
    if not 0 < every_s <= 86_400:
        raise click.BadParameter("CANDOR_DEMO_COSIGN_EVERY_S must be more than 0 and at most a day")
    if not current_witness_settings(app).witnesses:
        with app.app_context():
            log_key = current_keys().verifier.verifier_key
        directory = Path(os.environ.get("CANDOR_DEMO_WITNESS_DIR") or Path(app.instance_path) / "witness")
        witness = start_witness(directory, DEMO_WITNESS_NAME, [log_key])
        configure(app, (Witness(witness.url, WitnessKey.from_verifier_key(witness.verifier_key)),))
        click.echo(f"Witness {DEMO_WITNESS_NAME} at {witness.url} cosigns our checkpoints every {every_s:g} s")

    def cosign_until_stopped() -> None:
        while not stop.is_set():
            _cosign_round(app)
            stop.wait(every_s)

    thread = threading.Thread(target=cosign_until_stopped, name="candor-cosign", daemon=True)
    if current_witness_settings(app).witnesses:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        if witness is not None:
            witness.stop()
