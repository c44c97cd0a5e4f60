"""Keep and return: "Change your answers" fills the form from the logged profile (never from the
URL), and "Get fresh quotes" asks again with the same answers; either logs a new comparison that
points at the one it replaces."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.api import load_result
from app.db import db
from tests.conftest import make_app
from tests.factories import auto_form, mortgage_form

# Answers a shopper gave, none of them the form's default, so only a real prefill shows them.
GIVEN = {
    "auto": auto_form(driver_birth_date="1971-02-03", years_licensed="30", at_fault_accidents_5y="1",
                      violations_5y="2", continuous_cover="no", zip_code="59001", state="MT", vehicle_year="2012",
                      vehicle_make="Subaru", vehicle_model="Outback", vehicle_value="8400.50", annual_mileage="7000",
                      vehicle_use="pleasure", liability_limits="250/500/250", comprehensive="no", collision="yes",
                      deductible="1000", preset="lowest_cost"),
    "mortgage": mortgage_form(state="TX", zip_code="78701", property_value="420000", down_payment="84000",
                              occupancy="second_home", credit_score_band="700-719", years_expected="4",
                              max_monthly_payment="3100", term_years="20", rate_type="arm_7_6", max_points="2",
                              preset="lowest_payment"),
}
PERSONAL = ("1971", "59001", "78701", "Subaru", "420000")


def compare(client: FlaskClient, product: str, **changes: str) -> str:
    response = client.post(f"/compare/{product}", data={**GIVEN[product], **changes})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def shown_answers(page: str) -> dict[str, str]:
    """What each field of the profile form shows: its value, or its selected option."""
    form = BeautifulSoup(page, "html.parser").find("form", class_="profile-form")
    answers = {tag["name"]: tag.get("value", "") for tag in form.find_all("input") if tag.get("type") != "hidden"}
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True)
        answers[select["name"]] = chosen["value"] if chosen else ""
    return answers


def entry_of(app: Flask, reference: str) -> dict[str, Any]:
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)
                                   .order_by(AuditEntry.index.desc())).first()
        return document(entry)


def assert_nothing_personal_in(*urls: str) -> None:
    for url in urls:
        assert not any(part in url for part in PERSONAL), url


@pytest.mark.parametrize("product", ["auto", "mortgage"])
def test_change_your_answers_shows_every_answer_the_shopper_gave(client: FlaskClient, product: str) -> None:
    reference = compare(client, product)
    results = client.get(f"/results/{reference}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)" data-change-answers>Change your answers</a>', results)
    assert link, "the results page links to Change your answers"
    response = client.get(link.group(1))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = shown_answers(page)
    expected = {name: value for name, value in GIVEN[product].items() if value != ""}
    if product == "mortgage":  # the loan the shopper did not type is worked out from price and down payment
        expected["loan_amount"] = "336000.00"
    for name, value in expected.items():
        assert shown.get(name, "").removesuffix(".00") == value.removesuffix(".00"), name
    assert f'action="/results/{reference}/change"' in page and "data-replacing" in page
    assert_nothing_personal_in(link.group(1), f"/results/{reference}/change")


def test_changed_answers_are_a_new_comparison_that_points_at_the_one_it_replaces(app: Flask, client: FlaskClient) -> None:
    old = compare(client, "auto")
    old_index = entry_of(app, old)["index"]
    response = client.post(f"/results/{old}/change", data={**GIVEN["auto"], "vehicle_model": "Forester"})
    assert response.status_code == 303
    assert_nothing_personal_in(response.headers["Location"])
    new = response.headers["Location"].rsplit("/", 1)[1]
    assert new != old
    logged = entry_of(app, new)
    assert logged["replaces"] == {"reference": old, "index": old_index}
    with app.app_context():
        assert load_result(db.session, new)["profile"]["vehicle_model"] == "Forester"
        assert load_result(db.session, old)["profile"]["vehicle_model"] == "Outback"  # the old one is kept
    page = client.get(f"/results/{new}").get_data(as_text=True)
    assert f"This replaces your comparison {old}." in page
    api = client.get(f"/api/v1/comparisons/{new}").get_json()
    assert api["replaces"] == {"reference": old, "index": old_index}
    assert client.get(f"/api/v1/comparisons/{old}").get_json()["replaces"] is None


def test_wrong_answers_on_the_change_form_are_shown_on_it_and_nothing_is_logged(app: Flask, client: FlaskClient) -> None:
    old = compare(client, "auto")
    before = entry_of(app, old)["index"]
    response = client.post(f"/results/{old}/change", data={**GIVEN["auto"], "zip_code": "9411"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="zip_code-error"' in page and f'action="/results/{old}/change"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(AuditEntry.index))) == before


def test_fresh_quotes_ask_again_with_the_same_answers_and_preferences(app: Flask, client: FlaskClient) -> None:
    old = compare(client, "auto")
    reranked = client.post(f"/results/{old}/preferences",
                           data={"apply": "custom", "weight_annual_premium": "70", "weight_extras": "30"})
    assert reranked.status_code == 303
    shown_index = entry_of(app, old)["index"]  # the re-rank: what the shopper was looking at
    response = client.post(f"/results/{old}/fresh")
    assert response.status_code == 303
    assert_nothing_personal_in(response.headers["Location"])
    new = response.headers["Location"].rsplit("/", 1)[1]
    logged = entry_of(app, new)
    assert logged["replaces"] == {"reference": old, "index": shown_index}
    assert logged["preferences"]["preset"] == "custom"
    assert {key: float(value) for key, value in logged["preferences"]["weights"].items()} == {"annual_premium": 70, "extras": 30}
    with app.app_context():
        assert load_result(db.session, new)["profile"] == load_result(db.session, old)["profile"]
    # Re-ranking the new comparison keeps saying what it replaced.
    assert client.post(f"/results/{new}/preferences", data={"apply": "preset", "preset": "balanced"}).status_code == 303
    assert f"This replaces your comparison {old}." in client.get(f"/results/{new}").get_data(as_text=True)
    assert client.get(f"/api/v1/comparisons/{new}").get_json()["replaces"]["reference"] == old


def test_fresh_quotes_from_the_page_stream_progress_and_log_the_pointer(app: Flask, client: FlaskClient) -> None:
    old = compare(client, "mortgage")
    response = client.post(f"/results/{old}/fresh", data={"progress": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    href = re.search(r'data-results-link href="([^"]+)"', page).group(1)
    new = href.rsplit("/", 1)[1]
    assert entry_of(app, new)["replaces"]["reference"] == old
    assert f"This replaces your comparison {old}." in client.get(href).get_data(as_text=True)


def test_with_csrf_on_the_pages_own_tokens_work_and_a_post_without_one_is_refused(database_url: str, market: Any) -> None:
    app = make_app(database_url, market.provider_entries(), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form_page = client.get("/compare/auto").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    old = compare(client, "auto", csrf_token=token)

    assert client.post(f"/results/{old}/fresh").status_code == 400
    results = client.get(f"/results/{old}").get_data(as_text=True)
    fresh_token = re.search(r'data-return>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', results).group(1)
    assert client.post(f"/results/{old}/fresh", data={"csrf_token": fresh_token}).status_code == 303

    change_page = client.get(f"/results/{old}/change").get_data(as_text=True)
    change_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', change_page).group(1)
    assert client.post(f"/results/{old}/change", data=GIVEN["auto"]).status_code == 400
    changed = client.post(f"/results/{old}/change", data={**GIVEN["auto"], "csrf_token": change_token})
    assert changed.status_code == 303
    assert entry_of(app, changed.headers["Location"].rsplit("/", 1)[1])["replaces"]["reference"] == old
    with app.app_context():
        db.engine.dispose()


def test_after_erasure_both_say_plainly_that_the_details_were_erased(app: Flask, client: FlaskClient, runner: Any) -> None:
    reference = compare(client, "auto")
    assert "data-change-answers" in client.get(f"/results/{reference}").get_data(as_text=True)
    assert runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"]).exit_code == 0
    with app.app_context():
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    for response in (client.get(f"/results/{reference}/change"),
                     client.post(f"/results/{reference}/fresh"),
                     client.post(f"/results/{reference}/change", data=GIVEN["auto"])):
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Your details were erased" in page and "by administrator ops-7" in page
        assert "Subaru" not in page and "59001" not in page
        assert 'href="/compare/auto"' in page  # what to do next
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
    assert "data-change-answers" not in client.get(f"/results/{reference}").get_data(as_text=True)


def test_only_the_shopper_who_made_it_can_change_or_renew_a_comparison(app: Flask, client: FlaskClient) -> None:
    reference = compare(client, "auto")
    stranger = app.test_client()
    assert stranger.get(f"/results/{reference}/change").status_code == 404
    assert stranger.post(f"/results/{reference}/change", data=GIVEN["auto"]).status_code == 404
    assert stranger.post(f"/results/{reference}/fresh").status_code == 404


def test_a_re_quote_is_the_same_customers_so_erasing_their_details_erases_both(app: Flask, client: FlaskClient,
                                                                              runner: Any) -> None:
    old = compare(client, "auto")
    new = client.post(f"/results/{old}/fresh").headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        assert load_result(db.session, new)["profile"] is not None
    assert runner.invoke(args=["audit", "erase", old, "--by", "ops-7"]).exit_code == 0
    with app.app_context():
        assert load_result(db.session, new)["profile"] is None
    assert client.post(f"/results/{new}/fresh").status_code == 409
