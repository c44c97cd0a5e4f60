"""`flask providers list` and `flask providers check` against the sandbox market."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskCliRunner

from app.db import db
from providers.sandbox.market import SandboxMarket
from providers.testing.servers import closed_port
from tests.conftest import make_app


def cli(database_url: str, providers: list[dict[str, Any]]) -> tuple[FlaskCliRunner, Any]:
    app = make_app(database_url, providers)
    return app.test_cli_runner(), app


def dispose(app: Any) -> None:
    with app.app_context():
        app.extensions["candor.providers"].close()
        db.session.remove()
        db.engine.dispose()


def test_list_shows_every_provider_its_kind_and_that_it_is_ready(runner: FlaskCliRunner, market: SandboxMarket) -> None:
    result = runner.invoke(args=["providers", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line and not line.startswith("Adapter")}
    assert "html_rate_table" in lines["lighthouse"] and lines["lighthouse"].rstrip().endswith("ready")
    assert "(our offer)" in lines["harbor"]
    assert "Adapter kinds: html_rate_table (built in), quote_protocol (built in), rate_sheet (built in)" in result.output
    assert set(market.urls) <= set(lines)


def test_list_names_a_provider_that_cannot_be_asked_and_fails(database_url: str, market: SandboxMarket) -> None:
    runner, app = cli(database_url, [*market.provider_entries()[:1], {
        "key": "ghost", "name": "Ghost Mutual", "adapter": "telepathy", "products": ["auto"]}])
    result = runner.invoke(args=["providers", "list"])
    dispose(app)
    assert result.exit_code == 1
    assert "NOT SET UP: adapter 'telepathy' from provider 'ghost' could not be loaded" in result.output


def test_check_asks_each_provider_live_and_reports_time_and_offers(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["providers", "check", "--product", "auto"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 8 and all(" ms  ok" in line for line in lines)
    assert any(line.startswith("lighthouse") and "1 of 1 offer(s) usable" in line for line in lines)


def test_check_fails_when_a_provider_does_not_answer(database_url: str, market: SandboxMarket) -> None:
    runner, app = cli(database_url, [*market.provider_entries()[:1], {
        "key": "gone", "name": "Gone Insurance", "adapter": "quote_protocol", "products": ["auto"], "timeout_s": 1,
        "url": f"http://127.0.0.1:{closed_port()}"}])
    result = runner.invoke(args=["providers", "check"])
    only = runner.invoke(args=["providers", "check", "--provider", "harbor"])
    unknown = runner.invoke(args=["providers", "check", "--provider", "nobody"])
    dispose(app)
    assert result.exit_code == 1
    assert "FAILED unavailable: could not be reached" in result.output and "harbor" in result.output
    assert only.exit_code == 0 and "gone" not in only.output
    assert unknown.exit_code == 2 and "no provider nobody" in unknown.output
