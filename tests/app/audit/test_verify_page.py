"""The public /verify page: the proof for a reference, checked on the server, shown without any
personal data, checkable from the page alone — by a script of the reader's own, and by the
page's JavaScript in a real browser."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from playwright.sync_api import Page, expect

from app.audit import merkle
from app.audit.note import CheckpointText, Verifier, open_note
from app.auth.access import access_of
from tests.app.audit.test_note import key_with_a_plus_sign
from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import LiveSite, open_every_disclosure, running_site, screenshots
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
    checkpoints = {int(note["data-tree-size"]): CheckpointText.parse(open_note(note.get_text(), verifier))
                   for note in soup.select("[data-checkpoint]")}
    indices = []
    for entry in soup.select("[data-proof-entry]"):
        checkpoint = checkpoints[int(entry["data-tree-size"])]
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
    with running_site(tmp_path / "site.sqlite3", market, CANDOR_SIGNING_KEY_FILE=str(key_file)) as site:
        yield site


@pytest.mark.browser
def test_a_shopper_checks_a_receipt_in_the_browser(plus_key_site: LiveSite, page: Page):
    """From the results to /verify in Debian's Chromium: verify.js checks the proof itself with
    WebCrypto (SHA-256 and Ed25519) and says so; the key's base64 has a '+' in it, the case a naive
    split breaks. A wrong reference is answered next to the field. Screenshots of each step at
    phone and desktop widths go to test-artifacts/screenshots/."""
    site = plus_key_site
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{site.url}/verify")
    screenshots(page, "verify-empty")

    page.goto(f"{site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    reference = page.locator("[data-reference]").first.inner_text()
    fingerprint = page.locator(".about code.hash").text_content()  # inside the closed "Its fingerprint"
    page.get_by_role("link", name="Check it is in our log").click()

    expect(page.get_by_role("heading", name=f"{reference} is in our log")).to_be_visible()
    check = page.locator("[data-browser-check]")
    expect(check).to_be_visible()
    expect(check).to_have_text(re.compile(
        r"^Your browser checked this too: the checkpoints are signed by the key shown under Technical details"))
    assert "+" in page.locator("[data-verifier-key]").text_content().split("+", 2)[2]  # inside the closed details
    expect(page.locator("[data-proof-entry]").first).to_have_attribute("data-leaf-hash", fingerprint)
    open_every_disclosure(page)
    screenshots(page, "verify-proof")

    page.goto(f"{site.url}/verify")
    field = page.get_by_role("textbox", name="Reference")
    field.fill("CND-0000-0000")
    page.get_by_role("button", name="Check").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("We have no recommendation with the reference CND-0000-0000")
    expect(field).to_have_attribute("aria-invalid", "true")
    screenshots(page, "verify-unknown-reference")
    summary.get_by_role("link").click()
    expect(field).to_be_focused()
    field.fill(reference.lower().replace("-", " "))  # as someone might type it off a printed receipt
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"{reference} is in our log")).to_be_visible()
    expect(check).to_be_visible()
    assert problems == []
