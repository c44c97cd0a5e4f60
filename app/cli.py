"""Flask CLI commands (`flask --app wsgi …`)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import make_server

from app import provider_registry
from app.products import UnknownProduct, get_product_line
from app.provider_registry import current_registry
from providers.base import QuoteQuery
from providers.errors import AdapterLoadError, ProviderError
from providers.sandbox.market import SandboxMarket

DEFAULT_SANDBOX_PORT_BASE = 5101

providers_cli = AppGroup("providers", help="Inspect and probe the configured providers.")
demo_cli = AppGroup("demo", help="The local demonstration: sandbox market and site together.")


@click.command("sandbox")
@click.option("--port-base", type=click.IntRange(0, 65000), default=DEFAULT_SANDBOX_PORT_BASE, show_default=True,
              help="Port of the first simulated provider; the others follow. 0 picks free ports.")
@click.option("--host", default="127.0.0.1", show_default=True)
def sandbox_command(port_base: int, host: str) -> None:
    """Run the simulated market of providers alone, until interrupted."""
    with SandboxMarket(host=host, base_port=port_base) as market:
        for key, url in market.urls.items():
            click.echo(f"{key:10} {url}")
        _wait_for_interrupt()


@providers_cli.command("list")
def providers_list() -> None:
    """List configured providers and any adapter plug-in that failed to load."""
    registry = current_registry()
    if not registry.configs:
        click.echo(f"No providers configured (providers file: {current_app.config['CANDOR_PROVIDERS_FILE']}).")
    for config in registry.configs:
        flags = ", ".join(flag for flag, on in (("our offer", config.house), ("disabled", not config.enabled)) if on)
        click.echo(f"{config.key:10} {config.name:24} {config.adapter:16} {'/'.join(config.products):12} "
                   f"timeout {config.timeout_s:g}s{'  (' + flags + ')' if flags else ''}")
    for error in registry.load_errors:
        click.echo(f"plug-in failed: {error}", err=True)


@providers_cli.command("check")
@click.option("--product", default="auto", show_default=True)
def providers_check(product: str) -> None:
    """Ask every provider for a live quote with the product line's example profile."""
    try:
        line = get_product_line(product)
    except UnknownProduct:
        raise click.BadParameter(f"unknown product {product!r}", param_hint="--product") from None
    registry = current_registry()
    failures = 0
    for config in registry.for_product(product):
        started = time.monotonic()
        try:
            quotes = registry.adapter(config).fetch_quotes(
                QuoteQuery(product, line.profile_schema["examples"][0], "providers-check"), timeout_s=config.timeout_s)
            outcome = f"{len(quotes)} quote(s)"
        except (ProviderError, AdapterLoadError) as error:
            failures += 1
            outcome = f"{getattr(error, 'kind', 'not loaded')}: {getattr(error, 'message', error)}"
        click.echo(f"{config.key:10} {(time.monotonic() - started) * 1000:7.0f} ms  {outcome}")
    if failures:
        raise SystemExit(1)


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
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with SandboxMarket(base_port=sandbox_port_base) as market:
        providers_file = Path(app.config["CANDOR_PROVIDERS_FILE"])
        if "CANDOR_PROVIDERS_FILE" not in os.environ:
            providers_file.write_text(market.providers_toml(), encoding="utf-8")
            click.echo(f"Sandbox market: {len(market.urls)} providers; wrote {providers_file}")
        provider_registry.reload(app)
        server = make_server(host, port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="candor-site", daemon=True)
        thread.start()
        click.echo(f"Candor is running at http://{host}:{port}/  (Ctrl-C stops it)")
        try:
            _wait_for_interrupt()
        finally:
            server.shutdown()
            thread.join()
            current_registry().close()


def init_app(app: Flask) -> None:
    app.cli.add_command(sandbox_command)
    app.cli.add_command(providers_cli)
    app.cli.add_command(demo_cli)
