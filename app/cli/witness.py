"""`flask audit cosign`: sign the log as it is now and ask every witness in CANDOR_WITNESSES to
cosign that checkpoint. Run it as often as checkpoints should be witnessed (cron, a scheduled
job; `flask demo run` does it every 30 seconds).

It writes no log entry of its own: an entry would grow the log past the checkpoint just witnessed.
The cosignatures are the record (audit_cosignatures, append-only), and the checkpoint served at
/log/checkpoint and by the API carries them.

Exit codes: 0 every witness has cosigned the latest checkpoint, 1 at least one has not (each is
named with why; "ALARM" when a witness claims a larger tree than ours), 2 no witness is configured.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.audit import checkpoints
from app.audit.cosigning import CosignOutcome, cosign
from app.audit.witnesses import current_witness_settings
from app.db import db, utcnow


def cosign_latest() -> list[CosignOutcome]:
    """One round: sign if the log grew, commit, ask every witness, commit what they gave."""
    checkpoint = checkpoints.checkpoint_now(db.session)
    db.session.commit()
    settings = current_witness_settings()
    outcomes = cosign(db.session, checkpoint, settings.witnesses, timeout_s=settings.timeout_s, now=utcnow())
    db.session.commit()
    return outcomes


@click.command("cosign")
@with_appcontext
def cosign_command() -> None:
    """Ask every witness (CANDOR_WITNESSES) to cosign the latest checkpoint, signing one first if
    the log has grown; store and print what each said."""
    if not current_witness_settings().witnesses:
        click.echo("No witnesses are configured: set CANDOR_WITNESSES to '<url> <verifier key>' per witness.", err=True)
        raise SystemExit(2)
    outcomes = cosign_latest()
    size = outcomes[0].tree_size
    for outcome in outcomes:
        click.echo(f"{outcome.witness}  {outcome.url}  {outcome.message}", err=not outcome.cosigned)
    cosigned = sum(outcome.cosigned for outcome in outcomes)
    click.echo(f"{cosigned} of {len(outcomes)} witnesses have cosigned the checkpoint of {size:,} entries.")
    if cosigned < len(outcomes):
        raise SystemExit(1)
