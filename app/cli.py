"""Flask CLI commands (`flask --app wsgi …`)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import make_server

from app import provider_registry
from app.audit.cli import audit_cli
from app.auth import cli as auth_cli
from app.comparison.api import probe
from app.products import UnknownProduct, get_product_line
from app.provider_registry import current_registry
from app.ranking.cli import ranking_cli
from providers.registry import BUILTIN_KINDS
from serving.access_log import dev_log_to_stderr, dev_request_handler

DEFAULT_SANDBOX_PORT_BASE = 5101

providers_cli = AppGroup("providers", help="Inspect and probe the configured providers.")
demo_cli = AppGroup("demo", help="The local demonstration: sandbox market and site together.")


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


@providers_cli.command("list")
def providers_list() -> None:
    """List the configured providers, whether each can be asked, and the adapter kinds installed.
    Exits 1 when a provider is not set up correctly or a plug-in failed to load."""
    registry = current_registry()
    problems = 0
    if not registry.configs:
        click.echo(f"No providers configured (providers file: {current_app.config['CANDOR_PROVIDERS_FILE']}).")
    for config in registry.configs:
        flags = [flag for flag, on in (("our offer", config.house), ("disabled", not config.enabled)) if on]
        circuit = registry.circuit(config)
        if circuit.state != "closed":
            flags.append(f"circuit {circuit.state}: {circuit.reason}")
        problem = registry.problem(config)
        if problem is not None:
            problems += 1
        click.echo(f"{config.key:16} {config.name:26} {config.adapter:16} {'/'.join(config.products):10} "
                   f"timeout {config.timeout_s:g}s  {'NOT SET UP: ' + problem if problem else 'ready'}"
                   f"{'  (' + '; '.join(flags) + ')' if flags else ''}")
    click.echo("Adapter kinds: " + ", ".join(
        f"{name} ({'built in' if name in BUILTIN_KINDS else kind.__module__})" for name, kind in registry.kinds.items()))
    for error in registry.load_errors:
        click.echo(f"plug-in failed: {error}", err=True)
    if problems or registry.load_errors:
        raise SystemExit(1)


@providers_cli.command("check")
@click.option("--product", default=None, help="Only this product line (default: every line each provider serves).")
@click.option("--provider", "keys", multiple=True, metavar="KEY", help="Only this provider (repeatable).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 60), default=None,
              help="Seconds to wait for each provider (default: its own timeout).")
def providers_check(product: str | None, keys: tuple[str, ...], timeout_s: float | None) -> None:
    """Ask each provider for a live quote with the product line's example profile, past the quote
    cache and the circuit breaker, and check every offer. Exits 1 if any provider fails."""
    if product is not None:
        try:
            get_product_line(product)
        except UnknownProduct:
            raise click.BadParameter(f"unknown product {product!r}", param_hint="--product") from None
    registry = current_registry()
    unknown = set(keys) - {config.key for config in registry.configs}
    if unknown:
        raise click.BadParameter(f"no provider {', '.join(sorted(unknown))}", param_hint="--provider")
    failures = checked = 0
    for config in registry.configs:
        if (keys and config.key not in keys) or (not keys and not config.enabled):
            continue
        for product_key in config.products:
            if product is not None and product_key != product:
                continue
            try:
                line = get_product_line(product_key)
            except UnknownProduct:
                click.echo(f"{config.key:16} {product_key:9}       -  skipped: Candor has no {product_key!r} product line")
                continue
            checked += 1
            result = probe(registry, config, line, timeout_s=timeout_s)
            if result.failure is not None:
                words = f"{result.failure.kind}: {result.failure.message}" + (
                    f" ({result.failure.detail})" if result.failure.detail and result.failure.kind != "declined" else "")
                outcome = ("ok, " if result.ok else "FAILED ") + words
            else:
                outcome = f"{'ok' if result.ok else 'FAILED'}: {result.usable} of {result.offers} offer(s) usable"
                if result.problems:
                    outcome += " — " + "; ".join(result.problems[:3])
            failures += 0 if result.ok else 1
            click.echo(f"{config.key:16} {product_key:9} {result.latency_ms:7d} ms  {outcome}")
    if not checked:
        click.echo("No providers to check.")
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
    from providers.sandbox.market import SandboxMarket  # here, not at the top: see sandbox_command

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with SandboxMarket(base_port=sandbox_port_base) as market:
        providers_file = Path(app.config["CANDOR_PROVIDERS_FILE"])
        if "CANDOR_PROVIDERS_FILE" not in os.environ:
            providers_file.write_text(market.providers_toml(), encoding="utf-8")
            click.echo(f"Sandbox market: {len(market.urls)} providers; wrote {providers_file}")
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


def init_app(app: Flask) -> None:
    app.cli.add_command(sandbox_command)
    app.cli.add_command(providers_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(ranking_cli)
    auth_cli.init_app(app, demo=demo_cli)
