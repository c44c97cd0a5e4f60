"""The commands that run the sandbox market: `flask sandbox`, `flask demo run` and `flask ranking
sweep` (app/cli/sweep.py). This module and the sweep are the only application code that imports
providers.sandbox (.importlinter says so), and only inside a command: every web worker loads this
module to register the commands, and would otherwise carry the sandbox and the numpy its lenders
use, some 30 MB (tests/test_footprint.py)."""

from __future__ import annotations

import os
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import make_server

from app import provider_registry
from app.cli.demo_witness import demo_witness
from app.products.mortgage.apor_store import FILE_NAMES, import_table, imported_folder, is_simulated
from app.provider_registry import current_registry
from serving.access_log import dev_log_to_stderr, dev_request_handler

DEFAULT_SANDBOX_PORT_BASE = 5101

demo_cli = AppGroup("demo", help="The local demonstration: sandbox market and site together.")
ranking_cli = AppGroup("ranking", help="Check the ranking engine.")


@click.command("sandbox")
@click.option("--port-base", type=click.IntRange(0, 65000), default=DEFAULT_SANDBOX_PORT_BASE, show_default=True,
              help="Port of the first simulated provider; the others follow. 0 picks free ports.")
@click.option("--host", default="127.0.0.1", show_default=True)
def sandbox_command(port_base: int, host: str) -> None:
    """Run the simulated market of providers alone, until interrupted."""
    # Imported here rather than at the top: the sandbox (and numpy, which its lenders use) is for
    # these commands only, and every web worker would otherwise carry some 30 MB of it.
    from providers.sandbox.market import SandboxMarket

    with SandboxMarket(host=host, base_port=port_base) as market:
        for key, url in market.urls.items():
            click.echo(f"{key:10} {url}")
        _wait_for_interrupt()


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


@demo_cli.command("run")
@click.option("--port", type=click.IntRange(1, 65535), default=lambda: int(os.environ.get("PORT", "5000")),
              show_default="PORT or 5000")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--sandbox-port-base", type=click.IntRange(0, 65000),
              default=lambda: int(os.environ.get("SANDBOX_PORT_BASE", DEFAULT_SANDBOX_PORT_BASE)),
              show_default="SANDBOX_PORT_BASE or 5101")
def demo_run(port: int, host: str, sandbox_port_base: int) -> None:
    """Start the sandbox market and the site together; Ctrl-C stops both."""
    from providers.sandbox.market import SandboxMarket  # here, not at the top: see sandbox_command

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with SandboxMarket(base_port=sandbox_port_base) as market, demo_witness(app):
        providers_file = Path(app.config["CANDOR_PROVIDERS_FILE"])
        if "CANDOR_PROVIDERS_FILE" not in os.environ:
            providers_file.write_text(market.providers_toml(), encoding="utf-8")
            click.echo(f"Sandbox market: {len(market.urls)} providers; wrote {providers_file}")
        import_sandbox_apor(market)
        provider_registry.reload(app)
        dev_log_to_stderr()
        server = make_server(host, port, app, threaded=True, request_handler=dev_request_handler())
        thread = threading.Thread(target=server.serve_forever, name="candor-site", daemon=True)
        thread.start()
        click.echo(f"Candor is running at http://{host}:{port}/  (Ctrl-C stops it)")
        try:
            _wait_for_interrupt()
        finally:
            server.shutdown()
            thread.join()
            current_registry().close()


def import_sandbox_apor(market: Any) -> None:
    """Gives the demo APOR tables that match its simulated market, unless tables were imported
    (`flask apor import`) or CANDOR_APOR_DIR names a folder of its own: never replaces real ones."""
    if "CANDOR_APOR_DIR" in os.environ:
        return
    for kind, text in market.apor_tables(datetime.now(timezone.utc).date()).items():
        # A table the demo wrote before is refreshed, so that it covers this week.
        if not (imported_folder() / FILE_NAMES[kind]).is_file() or is_simulated(kind):
            import_table(text, kind, simulated=True)
    click.echo(f"Sandbox market: simulated average prime offer rates in {imported_folder()} (flask apor status)")


@ranking_cli.command("sweep")
@click.option("--profiles", type=click.IntRange(1, 1_000_000), default=200, show_default=True,
              help="How many generated customer profiles to rank, per product line.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the profiles and the shuffles.")
@click.option("--product", default=None, help="Sweep only this product line (default: every line with a sweep).")
@click.option("--preset", default=None, help="Rank with this preset (default: the product line's).")
def sweep_command(profiles: int, seed: int, product: str | None, preset: str | None) -> None:
    """Rank generated profiles against the sandbox market twice — as is, and with provider names
    and the our-offer flag shuffled — and report mismatches (must be 0) and how often our offer
    wins, by customer segment; and check that every preset named after a measure puts first an
    offer best on it, within its tolerance (misses must be 0). Exits 1 on any mismatch or miss."""
    from app.cli.sweep import run_sweep  # here, not at the top: see the module's docstring

    run_sweep(profiles=profiles, seed=seed, product=product, preset=preset)
