"""The public /verify page: the proof for a reference, checked on the server, shown without any
personal data, checkable from the page alone — by a script of the reader's own, and by the
page's JavaScript in a real browser."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.audit import merkle
from app.audit.note import CheckpointText, Verifier, open_note
from app.auth.access import access_of
from app.db import db
from tests.app.audit.test_note import key_with_a_plus_sign
from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS, LiveSite
from tests.conftest import make_app
from tests.factories import auto_form

PERSONAL = ("Outback Wilderness", "59001", "1971", "Subaru")


def compare(client) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/compare/auto", data=auto_form(vehicle_make="Subaru", vehicle_model="Outback Wilderness",
                                                           zip_code="59001", state="MT", driver_birth_date="1971-02-03"))
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def check_like_an_outsider(html: str) -> list[int]:
    """What a reader can check with the page alone: the checkpoint's signature with the key shown,
    and each entry's inclusion proof up to the checkpoint's root. Returns the entries' indices."""
    soup = BeautifulSoup(html, "html.parser")
    verifier = Verifier.from_verifier_key(soup.select_one("[data-verifier-key]").get_text())
    checkpoint = CheckpointText.parse(open_note(soup.select_one("[data-checkpoint]").get_text(), verifier))
    indices = []
    for entry in soup.select("[data-proof-entry]"):
        path = [bytes.fromhex(item) for item in entry["data-path"].split()]
        merkle.verify_inclusion(int(entry["data-index"]), checkpoint.size, bytes.fromhex(entry["data-leaf-hash"]),
                                path, checkpoint.root_hash)
        indices.append(int(entry["data-index"]))
    return indices


def test_the_verify_page_is_public_and_starts_with_a_form(app, client):
    assert access_of(app.view_functions["verify.verify"]).kind == "public"
    response = client.get("/verify")
    page_ = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form method="get" action="/verify"' in page_ and 'name="reference"' in page_
    assert "data-proof-entry" not in page_


def test_a_reference_gets_its_proof_checked_and_shown_without_personal_data(app, client):
    reference = compare(client)
    results = client.get(f"/results/{reference}").get_data(as_text=True)
    fingerprint = re.search(r'<code class="hash">([0-9a-f]{64})</code>', results).group(1)

    response = client.get("/verify", query_string={"reference": reference.lower().replace("-", " ")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{reference} is in our log" in html and "We checked the proof below on our server" in html
    assert fingerprint in html
    for personal in PERSONAL:
        assert personal not in html
    assert check_like_an_outsider(html) == [0]
    assert 'src="/static/js/verify.js"' in html and "<script>" not in html


def test_reranks_and_erasure_are_listed_and_still_prove(app, client, runner):
    reference = compare(client)
    assert runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"]).exit_code == 0
    html = client.get("/verify", query_string={"reference": reference}).get_data(as_text=True)
    assert check_like_an_outsider(html) == [0, 1]
    assert "The erasure of your details" in html
    assert "Erased on" in html and "by administrator ops-7" in html


@pytest.mark.parametrize(("typed", "status", "message"), [
    ("not a reference", 400, "Enter the reference exactly as it is on your receipt"),
    ("CND-ILOU-0000", 400, "Enter the reference exactly as it is on your receipt"),
    ("CND-0000-0000", 404, "We have no recommendation with the reference CND-0000-0000"),
])
def test_a_wrong_reference_says_what_to_do(client, typed, status, message):
    response = client.get("/verify", query_string={"reference": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html and 'aria-invalid="true"' in html and "data-proof-entry" not in html


def test_results_and_receipt_link_to_the_verify_page(client):
    reference = compare(client)
    for url in (f"/results/{reference}", f"/results/{reference}/receipt"):
        assert f'href="/verify?reference={reference}"' in client.get(url).get_data(as_text=True)


@pytest.fixture
def plus_key_site(tmp_path, market):  # type: ignore[no-untyped-def]
    """A live site whose verifier key has a '+' inside its base64 part, the case a naive split breaks."""
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(key_with_a_plus_sign().private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    application = make_app(f"sqlite:///{tmp_path / 'site.sqlite3'}", market.provider_entries(),
                           WTF_CSRF_ENABLED=True, CANDOR_SIGNING_KEY_FILE=str(key_file))
    with LiveSite(application) as site:
        yield site
    with application.app_context():
        db.engine.dispose()


@pytest.mark.browser
def test_the_browser_checks_the_proof_itself(plus_key_site: LiveSite):
    """Debian's Chromium loads the page, runs verify.js (WebCrypto SHA-256 and Ed25519) and shows
    its own verdict; the key's base64 has a '+' in it, the case a naive split breaks."""
    site = plus_key_site
    with requests.Session() as session:
        form_page = session.get(f"{site.url}/compare/auto")
        token = BeautifulSoup(form_page.text, "html.parser").select_one('input[name="csrf_token"]')["value"]
        posted = session.post(f"{site.url}/compare/auto", data={**auto_form(), "csrf_token": token},
                              headers={"Referer": f"{site.url}/compare/auto"}, allow_redirects=False)
        reference = posted.headers["Location"].rsplit("/", 1)[-1]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium).")
    rendered = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, "--headless", "--virtual-time-budget=10000", "--dump-dom",
         f"{site.url}/verify?reference={reference}"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    soup = BeautifulSoup(rendered, "html.parser")
    assert "+" in soup.select_one("[data-verifier-key]").get_text().split("+", 2)[2]
    check = soup.select_one("[data-browser-check]")
    assert not check.has_attr("hidden"), rendered[-2000:]
    assert check.get_text().startswith(
        "Your browser checked this too: the checkpoint is signed by the key shown below"), check.get_text()
