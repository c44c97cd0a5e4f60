"""ZIP codes are checked against the state — on the website, in the advisor console and in the JSON
API alike — and a state left blank is filled in from the ZIP code."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.comparison.api import load_result
from app.db import db
from app.products.zip_codes import state_of, states_by_prefix
from tests.app.api.conftest import example
from tests.factories import auto_form, mortgage_form

ROOT = Path(__file__).resolve().parents[3]
FORMS = {"auto": auto_form, "mortgage": mortgage_form}
NO_SUCH_ZIP = "There is no ZIP code 00000. Check the 5 digits."


def post(client: FlaskClient, product: str, **changes: str) -> Any:
    return client.post(f"/compare/{product}", data=FORMS[product](**changes))


def field_error(page: str, name: str) -> str:
    start = page.index(f'id="{name}-error"')
    return page[start:page.index("</p>", start)].replace("&#39;", "'")


@pytest.mark.parametrize(("product", "changes", "message"), [
    ("auto", {"zip_code": "00000"}, NO_SUCH_ZIP),
    ("auto", {"zip_code": "94110", "state": "NY"},
     "ZIP code 94110 is in CA, not NY. Check the ZIP code, or choose CA as the state."),
    ("auto", {"zip_code": "00601", "state": ""}, "ZIP code 00601 is in PR, where we do not compare offers yet."),
    ("mortgage", {"zip_code": "00000"}, NO_SUCH_ZIP),
    ("mortgage", {"zip_code": "80203", "state": "CA"},
     "ZIP code 80203 is in CO, not CA. Check the ZIP code, or choose CO as the state."),
])
def test_a_zip_code_that_is_not_in_the_state_is_refused_next_to_the_field(
        client: FlaskClient, product: str, changes: dict[str, str], message: str) -> None:
    response = post(client, product, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in field_error(page, "zip_code")
    assert 'href="#zip_code"' in page


@pytest.mark.parametrize(("product", "zip_code", "state"), [("auto", "10001", "NY"), ("mortgage", "59001", "MT")])
def test_a_state_left_blank_is_filled_in_from_the_zip_code(app: Flask, client: FlaskClient, product: str,
                                                          zip_code: str, state: str) -> None:
    response = post(client, product, zip_code=zip_code, state="")
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        profile = load_result(db.session, response.headers["Location"].rsplit("/", 1)[1])["profile"]
    assert (profile["zip_code"], profile["state"]) == (zip_code, state)


def test_a_blank_state_is_shown_filled_in_when_another_answer_needs_changing(client: FlaskClient) -> None:
    page = post(client, "auto", zip_code="59001", state="", vehicle_year="1900").get_data(as_text=True)
    assert '<option selected value="MT">MT</option>' in page
    assert 'id="state-error"' not in page and 'id="vehicle_year-error"' in page


def test_the_advisor_console_checks_the_zip_code_too(client_as: Any) -> None:
    advisor = client_as("advisor")
    response = advisor.post("/advisor/calls/new/auto", data=auto_form(zip_code="10001", state="CA"))
    assert response.status_code == 400
    assert "ZIP code 10001 is in NY, not CA." in field_error(response.get_data(as_text=True), "zip_code")


@pytest.mark.parametrize(("product", "changes", "message"), [
    ("auto", {"zip_code": "94110", "state": "NY"}, "ZIP code 94110 is in CA, not NY."),
    ("auto", {"zip_code": "00000"}, NO_SUCH_ZIP),
    ("mortgage", {"zip_code": "80203", "state": "TX"}, "ZIP code 80203 is in CO, not TX."),
])
def test_the_json_api_refuses_the_same_zip_codes_with_a_field_specific_problem(
        client: FlaskClient, product: str, changes: dict[str, str], message: str) -> None:
    response = client.post("/api/v1/comparisons", json={"product": product, "profile": example(product, **changes)})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = {error["pointer"]: error["detail"] for error in response.get_json()["errors"]}
    assert list(errors) == ["/profile/zip_code"]
    assert message in errors["/profile/zip_code"]


def test_the_form_script_gets_the_zip_prefixes_of_one_state_each(client: FlaskClient) -> None:
    response = client.get("/zip-prefixes.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "public" in response.headers["Cache-Control"]
    prefixes = response.get_json()
    assert prefixes["941"] == "CA" and prefixes["100"] == "NY" and prefixes["802"] == "CO"
    assert "063" not in prefixes  # New York and Connecticut share it: the server decides from the whole ZIP
    page = client.get("/compare/auto").get_data(as_text=True)
    assert 'src="/static/js/zip-state.js" data-prefixes="/zip-prefixes.json" defer' in page


NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise OSError("no network in this test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
"""


def test_the_shipped_zip_list_is_the_pinned_packages_and_needs_no_network() -> None:
    check = NO_NETWORK + "import runpy, sys\nsys.argv = ['build_zip_states.py', '--check']\n" \
        "runpy.run_path('scripts/build_zip_states.py', run_name='__main__')\n"
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_web_worker_reads_the_small_list_not_the_package() -> None:
    probe = NO_NETWORK + textwrap.dedent("""
        import sys
        from app.products.zip_codes import state_of, states_by_prefix
        print(state_of("94110"), state_of("00000"), len(states_by_prefix()) > 900, "zipcodes" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["CA", "None", "True", "False"], result.stderr
    assert state_of("9411") is None and state_of("00501") == "NY"
    assert set(states_by_prefix().values()) >= {"CA", "NY", "CO", "MT", "TX"}
