"""The administrators' provider settings are read from the database at most once per TTL in each
process (app/provider_registry.py), not on every comparison; the process where a setting is
changed uses it from its next comparison on, and every other instance once its TTL has passed."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import event

from app.db import db
from app.provider_registry import SETTINGS_TTL_KEY, ProviderSetting, current_registry, file_registry
from tests.app.admin.test_providers import compare, logged_result, provider, settings


def _reads_of_settings(app) -> list[str]:  # type: ignore[no-untyped-def]
    reads: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda _conn, _cursor, statement, *_: reads.append(statement) if "FROM provider_settings" in statement
                     else None)
    return reads


def test_comparisons_within_the_ttl_read_the_settings_once(app, client):
    app.config[SETTINGS_TTL_KEY] = 3600.0
    reads = _reads_of_settings(app)
    for _ in range(3):
        compare(client)
    assert len(reads) == 1


def test_an_admins_change_applies_to_the_next_comparison_here_however_long_the_ttl(app, client, client_as):
    app.config[SETTINGS_TTL_KEY] = 3600.0
    compare(client)  # the settings are read and kept
    acme = provider(app, "acme")
    admin = client_as("admin")
    assert admin.post("/admin/providers/acme", data=settings("no", str(acme.timeout_s), acme.commission)).status_code == 303
    location, _ = compare(client)
    assert "acme" not in [record["provider"] for record in logged_result(app, location)["providers"]]


def test_a_change_another_instance_commits_applies_here_once_the_ttl_has_passed(make_apps, market):
    here, there = make_apps(market.provider_entries()), make_apps(market.provider_entries())
    here.config[SETTINGS_TTL_KEY] = 3600.0
    with here.app_context():
        assert next(config for config in current_registry().configs if config.key == "acme").enabled
    with there.app_context():
        db.session.add(ProviderSetting(key="acme", enabled=False, updated_at=datetime.now(timezone.utc)))
        db.session.commit()
    with here.app_context():
        assert next(config for config in current_registry().configs if config.key == "acme").enabled  # within the TTL
        here.config[SETTINGS_TTL_KEY] = 0.0  # the TTL has passed
        assert not next(config for config in current_registry().configs if config.key == "acme").enabled


def test_the_admin_pages_read_the_settings_as_stored(make_apps, market):
    here, there = make_apps(market.provider_entries()), make_apps(market.provider_entries())
    here.config[SETTINGS_TTL_KEY] = 3600.0
    with here.app_context():
        assert next(config for config in current_registry().configs if config.key == "acme").enabled
    with there.app_context():
        db.session.add(ProviderSetting(key="acme", enabled=False, updated_at=datetime.now(timezone.utc)))
        db.session.commit()
    with here.app_context():
        assert not next(config for config in current_registry(fresh=True).configs if config.key == "acme").enabled


def test_an_app_starts_with_every_providers_adapter_built(app):
    """Built by create_app, not by the first comparison, whose providers' deadlines would pay for it."""
    with app.app_context():
        registry = file_registry()
        assert registry.configs and all(config.key in registry._adapters for config in registry.configs)
