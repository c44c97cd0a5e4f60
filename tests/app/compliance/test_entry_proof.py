"""The compliance console's receipt download: any entry of the log — a recommendation or an entry
with no reference at all, such as an account change — as a tlog-proof that candor-verify checks,
for the compliance role only."""

from __future__ import annotations

from app.audit import current_keys
from tests.app.audit.test_verify_page import compare
from tests.tools.conftest import candor_verify  # noqa: F401  (the fixture: the verifier from its own folder)


def test_compliance_downloads_any_entrys_receipt_and_it_verifies(candor_verify, app, client, client_as):
    reference = compare(client)  # entry 0
    officer = client_as("compliance")  # its account's creation is entry 1, with no reference
    with app.app_context():
        key = candor_verify.LogKey.parse(current_keys().verifier.verifier_key)
    page = officer.get("/compliance/entries/0").get_data(as_text=True)
    assert 'href="/compliance/entries/0/proof" download data-proof-link' in page
    for index, name in ((0, f"{reference}-entry-0.tlog-proof"), (1, "candor-entry-1.tlog-proof")):
        response = officer.get(f"/compliance/entries/{index}/proof")
        assert response.status_code == 200 and response.mimetype == "text/plain"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        proven = candor_verify.verify_receipt(response.get_data(), [key])
        assert proven.index == index and proven.header["reference"] == (reference if index == 0 else None)
    assert officer.get("/compliance/entries/99/proof").status_code == 404


def test_only_compliance_may_download_an_entrys_receipt(client, client_as):
    compare(client)
    assert client_as("advisor").get("/compliance/entries/0/proof").status_code == 403
    signed_out = client.get("/compliance/entries/0/proof")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
