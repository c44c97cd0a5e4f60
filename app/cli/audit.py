"""`flask audit …`: verify the log, print or sign checkpoints, replay a recommendation, erase a
customer's personal data, apply the retention period, print a receipt.

Exit codes: 0 done (verify: intact; replay: identical), 1 verify found damage or replay differs,
2 the command could not do what was asked (unknown reference, inputs erased, nothing to erase).
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit import checkpoints, data_key_rotation, retention, signing_keys
from app.audit.canonical import loggable
from app.audit.erasure import erase, subject_of_reference
from app.audit.keys import current_keys, load_signing_key
from app.audit.note import Signer
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
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="PostgreSQL: processes that share the entries' own checks (hashes and columns); "
                   "the machine's cores is a good number.")
def verify_command(batch_size: int, skip_columns: bool, processes: int) -> None:
    """Recompute every leaf hash, tree node and checkpoint, and check the checkpoints' signatures
    and their consistency. Exits 1 and names the first bad entry if anything is wrong."""
    if db.engine.dialect.name == "postgresql":
        # One snapshot for the whole run, so appends made meanwhile neither show up half-way nor
        # look like damage.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = verify_log(db.session, current_keys(), batch_size=batch_size, check_columns=not skip_columns,
                        processes=processes)
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
@click.option("--all", "every_key", is_flag=True, help="Also print the keys that signed before each rotation, newest first.")
def verifier_key_command(every_key: bool) -> None:
    """Print the verifier key that checks our checkpoints (signed-note form)."""
    chain = signing_keys.key_chain(db.session, current_keys())
    db.session.rollback()
    click.echo(chain.current.verifier.verifier_key)
    for key in reversed(chain.earlier if every_key else ()):
        click.echo(key.verifier.verifier_key)


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


def _prune_all(rule: retention.RetentionRule, days: int) -> int:
    """Batch after batch, each committed, until the rule finds nothing more past its time."""
    total = 0
    while count := retention.prune_once(db.session, rule, now=utcnow(), days=days):
        db.session.commit()
        total += count
    return total


@audit_cli.command("retention")
def retention_command() -> None:
    """Remove what every retention rule says is past its time (see /retention), and log what was done."""
    outcomes = []
    for rule in retention.rules():
        days = retention.period_days(rule, current_app.config)
        removed = 0
        if not rule.kept:
            click.echo(f"{rule.name}: not kept, nothing to remove.")
        elif days is None:
            click.echo(f"{rule.name}: kept until erased on request ({rule.setting} is not set).")
        else:
            removed = _prune_all(rule, days)
            click.echo(f"{rule.name}: removed {removed:,} older than {_count(days, 'day')} ({rule.setting}).")
        outcomes.append(retention.Pruned(rule, days, removed))
    entry = retention.record_run(db.session, outcomes, now=utcnow())
    db.session.commit()
    click.echo(f"Logged as entry {entry.index}.")


@audit_cli.command("rotate-data-key")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Customer keys re-wrapped (and committed, with a log entry) at a time.")
def rotate_data_key_command(batch_size: int) -> None:
    """Re-wrap every customer's key under CANDOR_DATA_KEY, reading the earlier wrapping with the keys
    in CANDOR_READ_DATA_KEYS. The site keeps running; a run that stops can simply be started again.
    Exits 1 while customer keys remain under a key that is not at hand."""
    keys = current_keys()
    before = data_key_rotation.still_wrapped_by_old_keys(db.session, keys)
    click.echo(f"CANDOR_DATA_KEY is {keys.data_key_id}; {_count(sum(before.values()), 'customer key')} to re-wrap.")
    rewrapped, after = 0, ""
    while True:
        batch = data_key_rotation.rewrap_batch(db.session, keys, after=after, limit=batch_size, now=utcnow())
        db.session.commit()
        if batch.last_subject is None:
            break
        rewrapped += sum(batch.rewrapped.values())
        after = batch.last_subject
    left = data_key_rotation.still_wrapped_by_old_keys(db.session, keys)
    db.session.rollback()
    click.echo(f"Re-wrapped {_count(rewrapped, 'customer key')} under {keys.data_key_id}.")
    if left:
        for key_id, count in sorted(left.items()):
            if key_id in keys.unwrapping_ciphers:
                click.echo(f"{_count(count, 'customer key')} wrapped by {key_id} did not open with that key: "
                           f"they are damaged, and the personal data they protect cannot be read.", err=True)
            else:
                click.echo(f"{_count(count, 'customer key')} still wrapped by {key_id}, which is neither "
                           f"CANDOR_DATA_KEY nor in CANDOR_READ_DATA_KEYS: add that key there and run this again.",
                           err=True)
        raise SystemExit(1)
    click.echo("Every customer key is wrapped by CANDOR_DATA_KEY: earlier keys can be removed from "
               "CANDOR_READ_DATA_KEYS.")


@audit_cli.command("rotate-signing-key")
@click.option("--new-key-file", required=True, type=click.Path(dir_okay=False),
              help="The new Ed25519 key (PEM, PKCS #8); generated there, readable by its owner only, if absent.")
@click.option("--by", "actor_id", required=True, help="Who rotates the key (your staff id).")
def rotate_signing_key_command(new_key_file: str, actor_id: str) -> None:
    """Announce a new checkpoint signing key in the log, in a hand-over checkpoint signed by the
    current key and the new one. Then set CANDOR_SIGNING_KEY_FILE to the new file on every
    instance; checkpoints signed by either key verify meanwhile."""
    keys = current_keys()
    new_signer = Signer(keys.settings.origin, load_signing_key(Path(new_key_file)))
    try:
        handover = signing_keys.rotate(db.session, keys, new_signer, actor={"type": "admin", "id": actor_id},
                                       now=utcnow())
    except signing_keys.RotationError as refused:
        db.session.rollback()
        click.echo(f"Not rotated: {refused}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"Announced {new_signer.verifier.verifier_key} in entry {handover.entry.index}; the hand-over "
               f"checkpoint of {handover.checkpoint.tree_size:,} entries is signed by both keys:")
    click.echo(handover.checkpoint.note, nl=False)
    click.echo(f"Now set CANDOR_SIGNING_KEY_FILE={new_key_file} on every instance and publish the new verifier key.")


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
