from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from app.api.comparisons import RESULT_SCHEMA
from app.comparison.api import load_result
from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.app.api.conftest import bearer, example, new_token, recommendations
from tests.conftest import add_user, make_app

URL = "/api/v1/comparisons"
result_validator = Draft202012Validator(RESULT_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def errors_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = assert_problem(response, 422)
    return {error["pointer"]: error["detail"] for error in body["errors"]}


@pytest.mark.parametrize("product", ["auto", "mortgage"])
def test_an_anonymous_comparison_is_ranked_logged_and_readable_by_its_reference(
        app: Flask, client: FlaskClient, product: str) -> None:
    response = client.post(URL, json={"product": product, "profile": example(product),
                                      "preferences": {"preset": "balanced"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert not list(result_validator.iter_errors(body))
    reference = body["reference"]
    assert response.headers["Location"] == f"{URL}/{reference}"
    assert "profile" not in body  # personal data: only for tokens
    assert body["channel"] == "api" and body["product"]["key"] == product
    assert body["ranking"], "the sandbox market always has eligible offers for the example"
    first = body["ranking"][0]
    assert first["rank"] == 1
    assert {"rank", "provider", "house", "quote", "score", "criteria"} <= set(first)
    assert first["quote"]["terms"] and first["criteria"][0]["value"]
    assert body["recommended"]["provider"] == first["provider"]
    assert body["recommended"]["quote_id"] == first["quote"]["id"]

    with app.app_context():
        logged = load_result(db.session, reference)
        assert logged is not None
        assert (logged["index"], logged["leaf_hash"]) == (body["audit"]["index"], body["audit"]["leaf_hash"])
        assert logged["channel"] == "api" and logged["actor"] == {"type": "anonymous", "id": None}

    again = client.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.get_json() == body


def test_failures_and_exclusions_are_listed_with_their_reasons(client: FlaskClient) -> None:
    # Three at-fault accidents: Pioneer declines. 250/500/250 limits: Acme offers less (README).
    response = client.post(URL, json={"product": "auto", "profile": example(
        "auto", at_fault_accidents_5y=3, liability_limits="250/500/250")})
    assert response.status_code == 201
    body = response.get_json()
    assert body["preferences"]["preset"] == "balanced"  # the line's default
    assert any(failure["kind"] == "declined" and failure["message"] for failure in body["failures"])
    assert all(set(failure) == {"provider", "provider_name", "house", "kind", "message"} for failure in body["failures"])
    assert body["excluded"] and all(item["reason"] for item in body["excluded"])


def test_own_weights_are_ranked_with(client: FlaskClient) -> None:
    response = client.post(URL, json={"product": "auto", "profile": example("auto"),
                                      "preferences": {"weights": {"annual_premium": 80, "extras": 20.5}}})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["preferences"] == {"preset": "custom",
                                                  "weights": {"annual_premium": "80", "extras": "20.5"}}


def test_an_advisor_token_is_the_actor_and_sees_the_profile(app: Flask, client: FlaskClient) -> None:
    advisor_id = add_user(app, "ada@example.com", "advisor")
    secret = new_token(app, "advisor", advisor_id)
    response = client.post(URL, json={"product": "auto", "profile": example("auto")}, headers=bearer(secret))
    assert response.status_code == 201
    body = response.get_json()
    assert body["profile"]["zip_code"] == "94110" and body["erasure"] is None
    with app.app_context():
        assert load_result(db.session, body["reference"])["actor"] == {"type": "advisor", "id": str(advisor_id)}

    location = response.headers["Location"]
    assert client.get(location, headers=bearer(secret)).get_json() == body  # as read back from the log
    assert "profile" not in client.get(location).get_json()
    compliance = new_token(app, "compliance")
    assert client.get(location, headers=bearer(compliance)).get_json()["profile"] == body["profile"]


def test_a_token_that_does_not_work_is_refused_not_ignored(app: Flask, client: FlaskClient) -> None:
    for headers in (bearer("cnd_nonsense"), {"Authorization": "Basic dXNlcjpwYXNz"}, bearer("x" * 500)):
        assert_problem(client.post(URL, json={"product": "auto", "profile": example("auto")}, headers=headers), 401)
        assert_problem(client.get(f"{URL}/CND-0000-0000", headers=headers), 401)
    assert recommendations(app) == 0


def test_field_errors_use_the_forms_words_and_nothing_is_logged(app: Flask, client: FlaskClient) -> None:
    profile = example("auto", zip_code="9411", driver_birth_date="2999-01-01", vehicle_year=1930)
    del profile["vehicle_make"]
    profile["shoe_size"] = 44
    errors = errors_of(client.post(URL, json={"product": "auto", "profile": profile,
                                              "preferences": {"weights": {"annual_premium": 50, "colour": 10}}}))
    assert errors == {
        "/profile/zip_code": "A ZIP code is 5 digits, for example 94110.",
        "/profile/driver_birth_date": "Your date of birth must be in the past.",
        "/profile/vehicle_year": errors["/profile/vehicle_year"],
        "/profile/vehicle_make": "Enter the car's make, for example Toyota.",
        "/profile/shoe_size": "We do not know this field; remove it.",
        "/preferences": "We do not rank on “colour”.",
    }
    assert errors["/profile/vehicle_year"].startswith("The model year must be between 1950 and ")
    assert recommendations(app) == 0


def test_semantic_checks_are_the_forms(client: FlaskClient) -> None:
    too_young = example("auto", driver_birth_date="2015-01-01", years_licensed=0)
    assert errors_of(client.post(URL, json={"product": "auto", "profile": too_young})) == {
        "/profile/driver_birth_date": "Drivers must be at least 15 years old."}
    not_adding_up = example("mortgage", down_payment="50000.00")
    errors = errors_of(client.post(URL, json={"product": "mortgage", "profile": not_adding_up}))
    assert errors == {"/profile/loan_amount": "Your down payment and loan amount add up to $450,000, not the price "
                                              "of $500,000. Change one of them, or leave one empty."}


def test_types_are_judged_by_the_schema(client: FlaskClient) -> None:
    errors = errors_of(client.post(URL, json={"product": "auto", "profile": example(
        "auto", continuous_cover="yes", years_licensed=2.5, driver_birth_date="12/04/1988")}))
    assert errors == {"/profile/continuous_cover": "This must be true or false.",
                      "/profile/years_licensed": "This must be a whole number.",
                      "/profile/driver_birth_date": errors["/profile/driver_birth_date"]}
    assert "date" in errors["/profile/driver_birth_date"]


@pytest.mark.parametrize("body, pointers", [
    ({"product": "boat", "profile": {}}, {"/product"}),
    ({"profile": {}}, {"/product"}),
    ({"product": "auto"}, {"/profile"}),
    ({"product": "auto", "profile": []}, {"/profile"}),
    ([1, 2], {""}),
    ({"product": "auto", "profile": example("auto"), "preferences": {"preset": "cheapest"}}, {"/preferences/preset"}),
    ({"product": "auto", "profile": example("auto"), "preferences": {"preset": "lowest_payment"}},
     {"/preferences/preset"}),  # a mortgage preset
    ({"product": "auto", "profile": example("auto"), "preferences": {"weights": {"extras": 0}}}, {"/preferences"}),
    ({"product": "auto", "profile": example("auto"), "preferences": {"weights": {"extras": 10.125}}},
     {"/preferences/weights/extras"}),
    ({"product": "auto", "profile": example("auto"), "extra": 1}, {"/extra"}),
])
def test_wrong_requests_get_422_with_a_pointer_to_each_problem(app: Flask, client: FlaskClient, body, pointers) -> None:  # type: ignore[no-untyped-def]
    response = client.post(URL, json=body)
    errors = errors_of(response)
    assert set(errors) == pointers
    assert all(errors.values())
    if body == {"product": "boat", "profile": {}}:
        assert errors["/product"].startswith('We do not compare "boat"; choose one of "auto", "mortgage"')
    assert recommendations(app) == 0


def test_unreadable_requests_get_a_problem_never_a_500(app: Flask, client: FlaskClient) -> None:
    valid = json.dumps({"product": "auto", "profile": example("auto")})
    assert_problem(client.post(URL, data=valid, content_type="text/plain"), 415)
    assert_problem(client.post(URL, data={"product": "auto"}), 415)
    assert_problem(client.post(URL, data=valid[:-1], content_type="application/json"), 400)
    assert_problem(client.post(URL, data=b"\xff\xfe{}", content_type="application/json"), 400)
    assert_problem(client.post(URL, data='{"product": NaN}', content_type="application/json"), 400)
    assert_problem(client.post(URL, data="[" * 100_000, content_type="application/json"), 413)
    assert_problem(client.post(URL, data="[" * 20_000 + "]" * 20_000, content_type="application/json"), 400)
    assert_problem(client.post(URL, data="", content_type="application/json"), 400)
    assert_problem(client.get(f"{URL}/CND-0000-0000"), 404)
    assert_problem(client.get(f"{URL}/{'X' * 300}"), 404)
    assert_problem(client.put(URL, json={}), 405)
    assert recommendations(app) == 0


def test_anonymous_comparisons_are_rate_limited_but_tokens_are_not(database_url: str, market: SandboxMarket) -> None:
    app = make_app(database_url, market.provider_entries(), CANDOR_API_COMPARISON_RATE_LIMIT="2 per minute")
    try:
        client = app.test_client()
        body = {"product": "auto", "profile": example("auto")}
        assert [client.post(URL, json=body).status_code for _ in range(2)] == [201, 201]
        limited = client.post(URL, json=body)
        assert_problem(limited, 429)
        assert recommendations(app) == 2
        secret = new_token(app, "advisor")
        assert [client.post(URL, json=body, headers=bearer(secret)).status_code for _ in range(3)] == [201] * 3
        # A token that does not work buys nothing: still limited.
        assert client.post(URL, json=body, headers=bearer("cnd_wrong")).status_code == 429
        # Reading results is not limited.
        assert client.get(f"{URL}/CND-0000-0000").status_code == 404
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
