"""Flask CLI commands (`flask --app wsgi …`): `flask providers …` here, the others from their modules
(app/cli/audit.py, app/cli/demo.py, app/auth/cli.py). The top of the application below create_app:
nothing else in app imports app.cli."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth import cli as auth_cli
from app.cli.apor import apor_cli
from app.cli.audit import audit_cli
from app.cli.demo import demo_cli, ranking_cli, sandbox_command
from app.cli.transparency import cosign_command, monitor_command
from app.comparison.api import probe
from app.products import UnknownProduct, get_product_line
from app.provider_registry import current_registry
from providers.registry import BUILTIN_KINDS

providers_cli = AppGroup("providers", help="Inspect and probe the configured providers.")


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


def init_app(app: Flask) -> None:
    app.cli.add_command(sandbox_command)
    app.cli.add_command(providers_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    audit_cli.add_command(cosign_command)
    audit_cli.add_command(monitor_command)
    app.cli.add_command(ranking_cli)
    app.cli.add_command(apor_cli)
    auth_cli.init_app(app, demo=demo_cli)
