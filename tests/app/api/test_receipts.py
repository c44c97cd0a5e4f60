"""GET /api/v1/comparisons/{reference}/proof: the receipt as a C2SP tlog-proof, for advisor and
compliance tokens and for whoever holds the comparison's permalink secret; every other caller is
told what to send, and a wrong secret looks exactly like an unknown reference."""

from __future__ import annotations

import base64

import pytest

from app.audit import current_keys
from tests.app.api.conftest import bearer
from tests.app.shop.test_permalink import make_comparison
from tests.tools.conftest import candor_verify  # noqa: F401  (the fixture: the verifier from its own folder)

HEADER = "Candor-Permalink-Secret"


def proof_url(reference: str) -> str:
    return f"/api/v1/comparisons/{reference}/proof"


def verified(candor_verify, app, text: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        key = candor_verify.LogKey.parse(current_keys().verifier.verifier_key)
    return candor_verify.verify_receipt(text.encode("utf-8"), [key])


@pytest.mark.parametrize("who", ["advisor", "compliance", "permalink"])
def test_staff_and_the_permalink_holder_get_a_receipt_that_verifies(candor_verify, app, client, who, request):
    reference, _, secret = make_comparison(client)
    headers = {HEADER: secret} if who == "permalink" else bearer(request.getfixturevalue(f"{who}_token"))
    response = app.test_client().get(proof_url(reference), headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}-entry-0.tlog-proof"'
    assert response.headers["Cache-Control"] == "no-store"
    proven = verified(candor_verify, app, response.get_data(as_text=True))
    assert proven.index == 0 and proven.header["reference"] == reference and proven.header["kind"] == "recommendation"


def test_the_latest_ranking_by_default_and_any_entry_of_the_reference_by_index(candor_verify, app, client,
                                                                                compliance_token):
    reference, _, _ = make_comparison(client)
    other, _, _ = make_comparison(client)
    assert client.post(f"/results/{reference}/preferences", data={"preset": "best_service", "apply": "preset"}
                       ).status_code == 303
    staff = bearer(compliance_token)
    latest = client.get(proof_url(reference), headers=staff).get_data(as_text=True)
    proven = verified(candor_verify, app, latest)
    assert proven.header["kind"] == "re-rank" and proven.index == 3  # 0 the token; 1, 2 comparisons; 3 the re-rank
    first = client.get(proof_url(reference), query_string={"index": 1}, headers=staff)
    assert verified(candor_verify, app, first.get_data(as_text=True)).header["kind"] == "recommendation"
    # An entry of another reference is not this reference's to give.
    assert client.get(proof_url(reference), query_string={"index": 2}, headers=staff).status_code == 404
    # Past a 32-bit index (PostgreSQL's column): no such entry, not a database error.
    assert client.get(proof_url(reference), query_string={"index": 153219432050}, headers=staff).status_code == 404
    assert client.get(proof_url(other), query_string={"index": 2}, headers=staff).status_code == 200
    bad = client.get(proof_url(reference), query_string={"index": "-1"}, headers=staff)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "'index' is the number of an entry" in bad.get_json()["detail"]


def test_without_a_token_or_the_right_secret_there_is_no_receipt(app, client):
    reference, _, secret = make_comparison(client)
    stranger = app.test_client()
    asked = stranger.get(proof_url(reference))
    assert asked.status_code == 404 and asked.mimetype == "application/problem+json"
    assert HEADER in asked.get_json()["detail"]
    assert stranger.get(proof_url("CND-0000-0000")).get_json() == asked.get_json()  # says nothing of existence
    wrong = stranger.get(proof_url(reference), headers={HEADER: secret[:-1] + ("A" if secret[-1] != "A" else "B")})
    unknown = stranger.get(proof_url("CND-0000-0000"), headers={HEADER: secret})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    assert stranger.get(proof_url("X" * 300), headers={HEADER: secret * 10}).status_code == 404
    refused = stranger.get(proof_url(reference), headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and "does not work" in refused.get_json()["title"]


def test_the_receipt_route_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/comparisons/{reference}/proof"]["get"]
    assert operation["operationId"] == "getComparisonProof"
    assert "tlog-proof@v1" in operation["description"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"reference", "index", HEADER}
    assert set(operation["responses"]) >= {"200", "400", "401", "404", "429"}
    assert "text/plain" in operation["responses"]["200"]["content"]


def test_a_results_page_links_to_its_proof_download(client):
    reference, _, _ = make_comparison(client)
    page = client.get(f"/results/{reference}").get_data(as_text=True)
    assert f'href="/results/{reference}/proof" download data-proof-link' in page
    receipt = client.get(f"/results/{reference}/receipt").get_data(as_text=True)
    assert f'href="/results/{reference}/proof?index=0" download data-proof-link' in receipt
    assert "candor-verify " in receipt
    verify_page = client.get("/verify", query_string={"reference": reference}).get_data(as_text=True)
    assert "data-offline-check" in verify_page and "candor-verify FILE --key candor.example/recommendations+" in verify_page


def test_the_shop_download_is_only_for_the_browser_that_holds_the_result(app, client):
    reference, _, _ = make_comparison(client)
    own = client.get(f"/results/{reference}/proof")
    assert own.status_code == 200 and own.get_data(as_text=True).startswith("c2sp.org/tlog-proof@v1\nextra ")
    leaf = base64.b64decode(own.get_data(as_text=True).split("\n")[1].removeprefix("extra "))
    assert leaf.startswith(b'{"entry":')
    assert app.test_client().get(f"/results/{reference}/proof").status_code == 404
    assert client.get(f"/results/{reference}/proof", query_string={"index": "x"}).status_code == 404
