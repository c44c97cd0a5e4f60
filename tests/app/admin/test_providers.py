"""Provider settings changed by an administrator apply to the next comparison, with no restart,
and are logged with before and after."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.log import document
from app.audit.models import AuditEntry
from app.db import db
from app.provider_registry import ProviderSetting, current_registry
from tests.factories import auto_form


def admin_changes(app):
    with app.app_context():
        return [document(entry) for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.kind == "configuration-change", AuditEntry.channel == "admin")
            .order_by(AuditEntry.index))]


def compare(client):
    location = client.post("/compare/auto", data=auto_form()).headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def logged_result(app, location):
    reference = location.rsplit("/", 1)[1]
    with app.app_context():
        return document(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)).one())


def provider(app, key):
    with app.app_context():
        return next(config for config in current_registry().configs if config.key == key)


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def settings(enabled="yes", timeout_s="3", commission=""):
    return {"enabled": enabled, "timeout_s": timeout_s, "commission": commission}


def test_the_providers_page_lists_every_provider_with_its_settings(admin):
    page = admin.get("/admin/providers").get_data(as_text=True)
    for key in ("harbor", "acme", "bluebird", "summit", "keystone", "pioneer", "tortoise"):
        assert f'data-provider="{key}"' in page
    assert "8% of the first year" in page


def test_disabling_a_provider_leaves_it_out_of_the_next_comparison(app, admin, client):
    acme = provider(app, "acme")
    response = admin.post("/admin/providers/acme", data=settings("no", str(acme.timeout_s), acme.commission))
    assert response.status_code == 303
    assert provider(app, "acme").enabled is False
    location, _ = compare(client)
    assert "acme" not in [record["provider"] for record in logged_result(app, location)["providers"]]
    [change] = admin_changes(app)
    assert change["action"] == "provider.settings" and change["target"] == {"type": "provider", "id": "acme"}
    assert change["before"]["enabled"] is True and change["after"]["enabled"] is False
    assert change["actor"] == {"type": "admin", "id": str(admin.user_id)}
    assert "changed here" in admin.get("/admin/providers").get_data(as_text=True)


def test_commission_text_changes_what_customers_are_shown(app, admin, client):
    bluebird = provider(app, "bluebird")
    text = "12% of the first year's premium"
    assert admin.post("/admin/providers/bluebird", data=settings("yes", str(bluebird.timeout_s), text)).status_code == 303
    location, page = compare(client)
    assert f"Bluebird Insurance: {text}".replace("'", "&#39;") in page
    commissions = {item["provider"]: item["commission"] for item in logged_result(app, location)["disclosures"]["commissions"]}
    assert commissions["bluebird"] == text
    [change] = admin_changes(app)
    assert change["before"]["commission"] == bluebird.commission and change["after"]["commission"] == text


def test_a_timeout_change_is_stored_as_an_override_and_can_be_reset(app, admin):
    summit = provider(app, "summit")
    assert admin.post("/admin/providers/summit", data=settings("yes", "1.25", summit.commission)).status_code == 303
    assert provider(app, "summit").timeout_s == 1.25
    with app.app_context():
        row = db.session.get_one(ProviderSetting, "summit")
        assert row.timeout_s == Decimal("1.25") and row.enabled is None and row.commission is None
        assert row.updated_by == admin.user_id
    unchanged = admin.post("/admin/providers/summit", data=settings("yes", "1.25", summit.commission))
    assert unchanged.status_code == 303 and len(admin_changes(app)) == 1
    assert admin.post("/admin/providers/summit/reset").status_code == 303
    assert provider(app, "summit").timeout_s == summit.timeout_s
    reset = admin_changes(app)[-1]
    assert reset["action"] == "provider.reset"
    assert reset["before"]["timeout_s"] == "1.25" and Decimal(reset["after"]["timeout_s"]) == Decimal(str(summit.timeout_s))


def test_bad_settings_are_refused_and_nothing_changes(app, admin):
    for data, message in [
        (settings(timeout_s="0"), "between 0.1 and 60"),
        (settings(timeout_s="61"), "between 0.1 and 60"),
        (settings(timeout_s="soon"), "Not a valid decimal"),
        (settings(enabled="maybe"), "Not a valid choice"),
        (settings(commission="x" * 301), "under 300 characters"),
    ]:
        response = admin.post("/admin/providers/acme", data=data)
        assert (response.status_code, message in response.get_data(as_text=True)) == (400, True), data
    assert admin_changes(app) == []
    with app.app_context():
        assert db.session.get(ProviderSetting, "acme") is None


def test_an_unknown_provider_is_a_404(admin):
    assert admin.get("/admin/providers/nosuch").status_code == 404
    assert admin.post("/admin/providers/nosuch", data=settings()).status_code == 404
    assert admin.post("/admin/providers/nosuch/reset").status_code == 404


def test_the_providers_page_shows_health_from_logged_comparisons(app, admin, client, market):
    for mileage in (5000, 9000, 13000):  # different profiles, so no answer comes from the quote cache
        client.post("/compare/auto", data=auto_form(annual_mileage=mileage))
    page = admin.get("/admin/providers").get_data(as_text=True)
    harbor_row = page.split('data-provider="harbor"', 1)[1].split("</tr>", 1)[0]
    assert "100.0% of 3" in harbor_row
    assert " ms" in harbor_row and "none" in harbor_row
    lenders = [entry["key"] for entry in market.provider_entries() if entry["products"] == ["mortgage"]]
    lender_row = page.split(f'data-provider="{lenders[0]}"', 1)[1].split("</tr>", 1)[0]
    assert "not asked" in lender_row  # no mortgage comparison was run
    disabled = admin.post("/admin/providers/acme", data=settings("no", "3", ""))
    assert disabled.status_code == 303
    client.post("/compare/auto", data=auto_form(annual_mileage=17000))
    acme_row = admin.get("/admin/providers").get_data(as_text=True).split('data-provider="acme"', 1)[1].split("</tr>", 1)[0]
    assert "of 3" in acme_row  # its three earlier answers still count; the disabled run did not ask it
