"""`flask audit cosign` and `flask audit monitor`: our checkpoints witnessed by others, and anyone's
check that a tiled log (ours or a mirror) only ever grows.

`flask audit cosign` signs the log as it is now and asks every witness in CANDOR_WITNESSES to
cosign that checkpoint. Run it as often as checkpoints should be witnessed (cron, a scheduled
job; `flask demo run` does it every 30 seconds).

It writes no log entry of its own: an entry would grow the log past the checkpoint just witnessed.
The cosignatures are the record (audit_cosignatures, append-only), and the checkpoint served at
/log/checkpoint and by the API carries them.

Exit codes of cosign: 0 every witness has cosigned the latest checkpoint, 1 at least one has not
(each is named with why; "ALARM" when a witness claims a larger tree than ours), 2 no witness is
configured. Of monitor: 0 all consistent, 1 an alarm (split view, rewritten history, tiles that
do not match, a checkpoint our key did not sign), 2 something could not be checked.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.audit import checkpoints
from app.audit.cosigning import CosignOutcome, cosign
from app.audit.keys import current_keys
from app.audit.monitor import ALARM, OK, UNAVAILABLE, Finding, Monitor, MonitorState
from app.audit.note import NoteError, Verifier
from app.audit.tile_client import http_fetcher
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


def _state_path(origin: str) -> Path:
    return Path(current_app.instance_path) / "monitor" / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"


def _report(findings: list[Finding]) -> int:
    """Prints each finding; the exit code: 1 any alarm, 2 anything unchecked, else 0."""
    for finding in findings:
        label = {OK: "ok", ALARM: "ALARM", UNAVAILABLE: "not checked"}[finding.kind]
        click.echo(f"{label}: {finding.source}: {finding.message}", err=finding.kind != OK)
    kinds = {finding.kind for finding in findings}
    return 1 if ALARM in kinds else 2 if UNAVAILABLE in kinds else 0


@click.command("monitor")
@click.argument("urls", nargs=-1, required=True, metavar="URL…")
@click.option("--key", "verifier_key", default=None,
              help="The log's verifier key (default: this log's own, as `flask audit verifier-key` prints).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to remember the checkpoints seen (default: instance/monitor/<log>.json).")
@click.option("--entries", is_flag=True, help="Also fetch the entry bundles and check every new entry's leaf hash.")
@click.option("--token", envvar="CANDOR_MONITOR_TOKEN", default=None,
              help="API token for the entry bundles (or CANDOR_MONITOR_TOKEN).")
@click.option("--witness-url", "witness_urls", multiple=True, metavar="URL",
              help="Also compare the checkpoint of ours a witness last cosigned (its monitoring prefix); repeatable.")
@click.option("--follow", is_flag=True, help="Keep watching, every --interval seconds, until an alarm or Ctrl-C.")
@click.option("--interval", type=click.FloatRange(1, 86_400), default=60, show_default=True)
@with_appcontext
def monitor_command(urls: tuple[str, ...], verifier_key: str | None, state_path: Path | None, entries: bool,
                    token: str | None, witness_urls: tuple[str, ...], follow: bool, interval: float) -> None:
    """Follow a tiled log at each URL (its /log/ prefix: ours, or a mirror's copy): check each
    checkpoint's signature, its root against the tiles, and a consistency proof from every
    checkpoint seen before; with --witness-url, also the checkpoint each witness last cosigned,
    against the log's tiles. Two checkpoints of one size with different roots — a split view — is
    an alarm. Exits 1 on an alarm, 2 when something could not be checked, 0 when all is well."""
    try:
        verifier = Verifier.from_verifier_key(verifier_key) if verifier_key else current_keys().verifier
    except NoteError as error:
        raise click.BadParameter(str(error), param_hint="--key") from None
    path = state_path or _state_path(verifier.name)
    try:
        state = MonitorState.load(path, verifier.name)
    except (ValueError, KeyError, TypeError) as error:
        raise click.BadParameter(f"{path} is not a monitor's state for this log ({error})", param_hint="--state") from None
    fetchers = {url.rstrip("/"): http_fetcher(url, token=token) for url in urls}
    origin_hash = hashlib.sha256(verifier.name.encode("utf-8")).hexdigest()
    for url in witness_urls:
        fetchers[f"{url.rstrip('/')}/{origin_hash}"] = http_fetcher(f"{url.rstrip('/')}/{origin_hash}")
    witnesses = frozenset(fetchers) - {url.rstrip("/") for url in urls}
    monitor = Monitor(state, verifier, fetchers, check_entry_bundles=entries, witnesses=witnesses)
    while True:
        code = _report([monitor.observe(source) for source in fetchers])
        state.save()
        if code == 1 or not follow:
            raise SystemExit(code)
        time.sleep(interval)
