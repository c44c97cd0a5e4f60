"""The shopper's pages through the Flask test client, with the sandbox market answering over HTTP."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.db import db
from tests.conftest import make_app
from tests.factories import auto_form


def entry_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def submit(client, **changes):
    return client.post("/compare/auto", data=auto_form(**changes))


def test_landing_says_what_candor_does_and_offers_the_product_lines(client):
    page = client.get("/").get_data(as_text=True)
    assert "show you the best fit — even when it isn’t ours" in page
    assert 'href="/compare/auto"' in page
    assert "No name, e-mail or phone number needed." in page


def test_the_form_has_sections_defaults_and_help(client):
    page = client.get("/compare/auto").get_data(as_text=True)
    for legend in ("You", "Your car", "The cover you want"):
        assert f"<legend>{legend}</legend>" in page
    assert re.search(r'<option selected value="100/300/100">', page)
    assert "up to $100,000 per injured person" in page
    assert "name=\"email\"" not in page and "phone" not in page.lower()


def test_a_comparison_redirects_to_its_results_and_is_logged(app, client):
    response = submit(client)
    assert response.status_code == 303
    reference = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert entry_count(app) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert reference in page
    assert "Every offer, best fit first" in page
    assert "Our offer" in page
    assert "Who pays us" in page
    for url_part in ("1988", "94110"):
        assert url_part not in response.headers["Location"]


def test_results_show_failures_exclusions_and_the_notice_when_ours_loses(client):
    # Pioneer declines 3 accidents; Acme only offers 50/100/50 when 250/500/250 is asked.
    response = submit(client, at_fault_accidents_5y=3, liability_limits="250/500/250")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pioneer Casualty</strong> declined to quote." in page
    assert "Acme Auto</strong>: Its liability limits (50/100/50) are lower than the 250/500/250 you asked for." in page


def test_the_receipt_is_printable_and_has_the_fingerprint(app, client):
    location = submit(client).headers["Location"]
    receipt = client.get(f"{location}/receipt").get_data(as_text=True)
    with app.app_context():
        leaf_hash = db.session.scalar(sa.select(AuditEntry.leaf_hash)).hex()
    assert leaf_hash in receipt
    assert "print.css" in receipt and "How to check this receipt" in receipt


def test_someone_elses_reference_is_not_shown(app, client):
    location = submit(client).headers["Location"]
    stranger = app.test_client()
    assert stranger.get(location).status_code == 404
    assert stranger.get(f"{location}/receipt").status_code == 404
    assert client.get("/results/CND-0000-0000").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field_name", "message"),
    [
        ({"zip_code": "9411"}, "zip_code", "A ZIP code is 5 digits"),
        ({"zip_code": ""}, "zip_code", "Enter the 5-digit ZIP code"),
        ({"driver_birth_date": (date.today() + timedelta(days=3)).isoformat()}, "driver_birth_date", "must be in the past"),
        ({"driver_birth_date": "1890-01-01"}, "driver_birth_date", "over 110"),
        ({"driver_birth_date": "12/04/1988"}, "driver_birth_date", "as year-month-day, for example 1988-04-12"),
        ({"years_licensed": "-1"}, "years_licensed", "between 0 and 85"),
        ({"years_licensed": "40", "driver_birth_date": "2000-01-01"}, "years_licensed", "more years than your age allows"),
        ({"at_fault_accidents_5y": "lots"}, "at_fault_accidents_5y", "Not a valid integer value."),
        ({"vehicle_year": "1900"}, "vehicle_year", "between 1950 and"),
        ({"vehicle_make": "   "}, "vehicle_make", "Enter the car's make"),
        ({"vehicle_value": "12"}, "vehicle_value", "between $500 and $500,000"),
        ({"annual_mileage": "9999999"}, "annual_mileage", "between 0 and 150,000"),
        ({"state": "ZZ"}, "state", "Not a valid choice."),
        ({"liability_limits": "1/2/3"}, "liability_limits", "Not a valid choice."),
        ({"preset": "sponsored"}, "preset", "Not a valid choice."),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_nothing_is_written(app, client, changes, field_name, message):
    response = submit(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field_name}-error"' in page
    assert message.replace("'", "&#39;") in page
    assert 'class="error-summary"' in page and f'href="#{field_name}"' in page
    assert entry_count(app) == 0


def test_a_missing_field_is_reported_not_crashed_on(app, client):
    data = auto_form()
    del data["vehicle_model"]
    response = client.post("/compare/auto", data=data)
    assert response.status_code == 400
    assert "Enter the car&#39;s model" in response.get_data(as_text=True)
    assert entry_count(app) == 0


def test_an_oversized_post_is_refused_cleanly(app, client):
    response = client.post("/compare/auto", data=auto_form(vehicle_model="x" * 100_000))
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)
    assert entry_count(app) == 0


def test_a_post_without_the_csrf_token_is_refused(database_url, market):
    app = make_app(database_url, market.provider_entries(), WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/compare/auto", data=auto_form())
    assert response.status_code == 400
    assert "not sent from our page" in response.get_data(as_text=True)
    assert entry_count(app) == 0
    with app.app_context():
        db.engine.dispose()


def test_a_post_with_the_forms_csrf_token_is_accepted(database_url, market):
    app = make_app(database_url, market.provider_entries(), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form_page = client.get("/compare/auto").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    assert client.post("/compare/auto", data={**auto_form(), "csrf_token": token}).status_code == 303
    with app.app_context():
        db.engine.dispose()


def test_an_unknown_product_line_is_a_404_page(client):
    response = client.get("/compare/spaceships")
    assert response.status_code == 404
    assert "We cannot find that page" in response.get_data(as_text=True)


def test_wrong_method_is_a_clear_405(client):
    assert client.put("/compare/auto").status_code == 405


def test_if_the_log_cannot_be_written_no_recommendation_is_shown(app, client):
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE audit_head"))
        db.session.commit()
    response = submit(client)
    assert response.status_code == 503
    assert "We could not record your comparison" in response.get_data(as_text=True)
    assert entry_count(app) == 0


def test_methodology_is_built_from_the_engines_criteria_and_weights(client):
    page = client.get("/methodology/auto").get_data(as_text=True)
    assert "Price per year" in page and "Complaint index" in page
    assert "60%" in page  # the balanced preset's weight on price
    assert "Commission, ownership and advertising are not parameters" in page
    assert "Harbor Mutual (our own offer)" in page


def test_healthz_reports_ready(market, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["providers"] == f"{len(market.provider_entries())} configured"
