"""An advisor re-quotes one provider during a call: the provider is asked again over HTTP, the
answer is logged under the call's reference and shown in that provider's row; the ranking is
untouched."""

from bs4 import BeautifulSoup

from tests.app.advisor.test_console import entries, latest_result, start_call


def test_re_quoting_one_provider_logs_it_and_shows_it_in_place(app, client_as):
    advisor = client_as("advisor")
    reference = start_call(advisor)
    page = BeautifulSoup(advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True), "html.parser")
    rows = page.select("[data-requotes] tr[data-requote-provider]")
    assert rows and all("not asked again" in row.get_text() for row in rows)
    assert any("Firm price until" in row.get_text() for row in rows)
    answer = advisor.post(f"/advisor/calls/{reference}/requote", data={"provider": "harbor"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#requotes")
    [requote] = [entry for entry in entries(app, "provider-requote") if entry["reference"] == reference]
    assert requote["checked_by"] == "re-quote" and requote["actor"]["type"] == "advisor"
    assert requote["changed"] is False and requote["result_index"] == latest_result(app, reference)["index"]
    page = BeautifulSoup(advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True), "html.parser")
    row = page.select_one("tr[data-requote-provider=harbor] [data-requote-result]").get_text()
    assert "unchanged" in row and "Firm price" in row
    assert entries(app, "recommendation")[-1]["index"] == latest_result(app, reference)["index"]


def test_a_provider_without_an_offer_in_the_ranking_cannot_be_re_quoted(app, client_as):
    advisor = client_as("advisor")
    reference = start_call(advisor)
    answer = advisor.post(f"/advisor/calls/{reference}/requote", data={"provider": "nobody"})
    assert answer.status_code == 404 and "no offer in this ranking" in answer.get_data(as_text=True)
