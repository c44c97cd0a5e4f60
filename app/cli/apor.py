"""`flask apor …`: the tables of average prime offer rates (APOR) the mortgage line checks offers
against for the higher-priced mortgage loan test (app/products/mortgage/apor.py). The FFIEC
publishes them weekly; `flask apor import FILE` refreshes one, `flask apor status` says what each
comparison would use today."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from flask.cli import AppGroup

from app.products.mortgage.apor import KINDS, MAX_FILE_BYTES, AporFileError, comparison_day
from app.products.mortgage.apor_store import import_table, load_table, table_path

apor_cli = AppGroup("apor", help="The average prime offer rate tables of the higher-priced mortgage test.")


def kind_from_name(name: str) -> str | None:
    """"fixed" or "adjustable" from a file's name (YieldTableFixed.txt, YieldTableAdjustable.txt)."""
    lowered = name.lower()
    found = [kind for kind in KINDS if kind in lowered]
    return found[0] if len(found) == 1 else None


@apor_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="Which table the file is (default: from its name, …Fixed… or …Adjustable…).")
def import_command(file: Path, kind: str | None) -> None:
    """Check an FFIEC APOR table FILE and make it the one comparisons use. Exits 1, changing
    nothing, when the file cannot be read as one."""
    kind = kind or kind_from_name(file.name)
    if kind is None:
        raise click.BadParameter(f"say which table {file.name} is with --kind fixed or --kind adjustable",
                                 param_hint="--kind")
    if file.stat().st_size > MAX_FILE_BYTES:
        click.echo(f"{file}: larger than {MAX_FILE_BYTES // 1024} KiB; an APOR table is far smaller. Nothing imported.",
                   err=True)
        raise SystemExit(1)
    try:
        table = import_table(file.read_text(encoding="utf-8"), kind)
    except UnicodeDecodeError:
        click.echo(f"{file}: not text (UTF-8). Nothing imported.", err=True)
        raise SystemExit(1) from None
    except AporFileError as error:
        click.echo(f"{file}: {error}. Nothing imported.", err=True)
        raise SystemExit(1) from None
    click.echo(f"Imported the {kind}-rate table: {len(table.weeks)} weeks, {table.first_week.isoformat()} to "
               f"the week of {table.newest_week.isoformat()}, into {table_path(kind)}.")
    today = comparison_day(datetime.now(timezone.utc))
    if table.status(today) != "current":
        click.echo(f"Warning: it does not cover today ({today.isoformat()}); comparisons will say they could not "
                   "check which offers are higher-priced until a newer table is imported.", err=True)


@apor_cli.command("status")
def status_command() -> None:
    """Say, for each table, where it is read from and whether it covers today. Exits 1 when a
    table is missing or out of date (comparisons then show a warning)."""
    today = comparison_day(datetime.now(timezone.utc))
    problems = 0
    for kind in KINDS:
        table = load_table(kind)
        if table is None:
            problems += 1
            click.echo(f"{kind:10} MISSING: no table (flask apor import FILE)")
            continue
        state = table.status(today)
        problems += state != "current"
        click.echo(f"{kind:10} {state.upper() if state != 'current' else state}: weeks {table.first_week.isoformat()} "
                   f"to {table.newest_week.isoformat()}, from {table_path(kind)}")
    if problems:
        raise SystemExit(1)
