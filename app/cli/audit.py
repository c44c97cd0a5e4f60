"""`flask audit …`: verify the log, print or sign checkpoints, replay a recommendation, erase a
customer's personal data, apply the retention period, print a receipt.

Exit codes: 0 done (verify: intact; replay: identical), 1 verify found damage or replay differs,
2 the command could not do what was asked (unknown reference, inputs erased, nothing to erase).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click
from flask.cli import AppGroup

from app.audit import checkpoints
from app.audit.canonical import loggable
from app.audit.erasure import erase, erase_expired, subject_of_reference
from app.audit.keys import current_keys
from app.audit.personal import PersonalDataErased, UnknownSubject
from app.audit.tlog_proof import tlog_proof
from app.audit.verify import verify_log
from app.comparison.api import InputsErased, load_result, replay
from app.db import db, utcnow
from app.products import UnknownProduct, get_product_line

audit_cli = AppGroup("audit", help="Verify, checkpoint and replay the recommendation log; erase personal data.")

REPLAYED_PARTS = ("ranking", "excluded", "failures", "recommended", "house", "explanation")


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number:,} {word if number == 1 else plural or word + 's'}"


@audit_cli.command("verify")
@click.option("--batch-size", type=click.IntRange(100, 100_000), default=2000, show_default=True,
              help="Entries read per query.")
@click.option("--skip-columns", is_flag=True,
              help="Do not check the columns copied out of each leaf (faster; the proofs are still checked).")
def verify_command(batch_size: int, skip_columns: bool) -> None:
    """Recompute every leaf hash, tree node and checkpoint, and check the checkpoints' signatures
    and their consistency. Exits 1 and names the first bad entry if anything is wrong."""
    if db.engine.dialect.name == "postgresql":
        # One snapshot for the whole run, so appends made meanwhile neither show up half-way nor
        # look like damage.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = verify_log(db.session, current_keys(), batch_size=batch_size, check_columns=not skip_columns)
    db.session.rollback()
    click.echo(f"Checked {_count(report.entries, 'entry', 'entries')}, {_count(report.nodes, 'tree node')}, "
               f"{_count(report.checkpoints, 'checkpoint')} and {_count(report.consistency_proofs, 'consistency proof')} "
               f"in {report.seconds:.2f} s ({report.entries_per_second:,.0f} entries/s).")
    if report.ok:
        click.echo(f"The log of {report.size:,} entries is intact.")
        return
    if report.first_bad_entry is not None:
        click.echo(f"First bad entry: {report.first_bad_entry}", err=True)
    for problem in report.problems:
        click.echo(f"  {problem.message}", err=True)
    if report.problems_left_out:
        click.echo(f"  … and {report.problems_left_out} more problems", err=True)
    raise SystemExit(1)


@audit_cli.command("checkpoint")
@click.option("--no-sign", is_flag=True, help="Only print the latest stored checkpoint.")
def checkpoint_command(no_sign: bool) -> None:
    """Print the latest signed checkpoint, signing the log as it is now first if it has grown."""
    if no_sign:
        latest = checkpoints.latest(db.session)
        if latest is None:
            click.echo("No checkpoint has been signed yet.", err=True)
            raise SystemExit(2)
    else:
        latest = checkpoints.checkpoint_now(db.session)
        db.session.commit()
    click.echo(latest.note, nl=False)


@audit_cli.command("verifier-key")
def verifier_key_command() -> None:
    """Print the verifier key that checks our checkpoints (signed-note form)."""
    click.echo(current_keys().verifier.verifier_key)


def _differences(logged: Mapping[str, Any], replayed: Mapping[str, Any]) -> list[str]:
    differences = []
    for part in REPLAYED_PARTS:
        again = json.loads(json.dumps(loggable(replayed[part])))
        if again != logged.get(part):
            differences.append(f"{part}:\n  logged:   {json.dumps(logged.get(part), sort_keys=True)}\n"
                               f"  replayed: {json.dumps(again, sort_keys=True)}")
    return differences


@audit_cli.command("replay")
@click.argument("reference")
def replay_command(reference: str) -> None:
    """Re-rank a logged recommendation from its logged inputs and say whether the result is identical."""
    reference = reference.strip().upper()
    result = load_result(db.session, reference)
    if result is None:
        click.echo(f"No recommendation has the reference {reference}.", err=True)
        raise SystemExit(2)
    try:
        line = get_product_line(result["product"]["key"])
        replayed = replay(line, result)
    except InputsErased:
        erasure = result["erasure"]
        click.echo(f"{reference} (entry {result['index']}) cannot be replayed: the customer's details it was "
                   f"ranked on were erased on {erasure['at']} by {erasure['by']}. The entry itself is unchanged "
                   f"and still verifies.", err=True)
        raise SystemExit(2) from None
    except UnknownProduct:
        click.echo(f"{reference} is for the product line {result['product']['key']!r}, which this version "
                   f"does not have.", err=True)
        raise SystemExit(2) from None
    differences = _differences(result, replayed)
    if not differences:
        click.echo(f"{reference} (entry {result['index']}): identical. Re-ranking the logged inputs gives "
                   f"exactly the logged ranking.")
        return
    click.echo(f"{reference} (entry {result['index']}): DIFFERENT from the logged result.")
    for difference in differences:
        click.echo(difference)
    raise SystemExit(1)


@audit_cli.command("erase")
@click.argument("reference")
@click.option("--by", "actor_id", required=True, help="Who asked for the erasure (your staff id).")
@click.option("--reason", default="the customer asked for their personal data to be erased", show_default=True)
def erase_command(reference: str, actor_id: str, reason: str) -> None:
    """Erase the personal data of the customer behind REFERENCE; the log stays intact."""
    reference = reference.strip().upper()
    try:
        subject = subject_of_reference(db.session, reference)
        entry = erase(db.session, subject, actor={"type": "admin", "id": actor_id}, reason=reason, now=utcnow())
    except UnknownSubject:
        click.echo(f"No personal data is logged under {reference}.", err=True)
        raise SystemExit(2) from None
    except PersonalDataErased as erased:
        click.echo(f"The personal data under {reference} was already erased on {erased.erasure.at:%d %B %Y} "
                   f"by {erased.erasure.by}.", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"Erased the personal data under {reference}; the erasure is entry {entry.index} of the log.")


@audit_cli.command("retention")
def retention_command() -> None:
    """Erase the personal data of every customer not seen for CANDOR_RETENTION_DAYS."""
    days = current_keys().settings.retention_days
    if days is None:
        click.echo("CANDOR_RETENTION_DAYS is not set, so personal data is kept until someone asks for it to be erased.")
        return
    total = 0
    while True:
        erased = erase_expired(db.session, now=utcnow(), retention_days=days)
        db.session.commit()
        total += len(erased)
        if not erased:
            break
    click.echo(f"Erased the personal data of {total} customer{'s' if total != 1 else ''} not seen for {days} days.")


@audit_cli.command("receipt")
@click.argument("reference")
@click.option("--index", type=click.IntRange(0), default=None,
              help="An entry filed under the reference (default: its latest ranking).")
def receipt_command(reference: str, index: int | None) -> None:
    """Print the receipt of REFERENCE: a C2SP tlog-proof with the entry's bytes, for candor-verify."""
    reference = reference.strip().upper()
    found = tlog_proof(db.session, reference, index)
    if found is None:
        which = "No ranking" if index is None else f"No entry {index}"
        click.echo(f"{which} is filed under the reference {reference}.", err=True)
        raise SystemExit(2)
    db.session.commit()  # the checkpoint the proof may have had to sign
    click.echo(found.text(), nl=False)
