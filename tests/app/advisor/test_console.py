"""The advisor console through the test client, with the sandbox market answering over HTTP."""

import re

import pytest
import sqlalchemy as sa

from app.advisor.disclosure import SCRIPT_VERSION
from app.advisor.models import AdvisorCall
from app.advisor.service import normalise_reference
from app.audit.log import document
from app.audit.models import AuditEntry
from app.audit.personal import reveal
from app.db import db
from app.products import PRODUCT_LINES
from tests.factories import auto_form


def entries(app, *kinds):
    with app.app_context():
        query = sa.select(AuditEntry).order_by(AuditEntry.index)
        if kinds:
            query = query.where(AuditEntry.kind.in_(kinds))
        return [document(entry) for entry in db.session.scalars(query)]


def start_call(client, **changes):
    response = client.post("/advisor/calls/new/auto", data=auto_form(**changes))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def latest_result(app, reference):
    [result] = [entry for entry in entries(app, "recommendation") if entry["reference"] == reference]
    return result


def offer_value(offer):
    return f"{offer['provider']}:{offer['quote_id']}"


@pytest.fixture
def advisor(client_as):
    return client_as("advisor")


def test_the_console_lists_new_call_lookup_and_shortcuts(advisor):
    page = advisor.get("/advisor/").get_data(as_text=True)
    assert 'href="/advisor/calls/new/auto"' in page and 'accesskey="n"' in page
    assert "<kbd>Alt</kbd>+<kbd>N</kbd> new call" in page
    assert 'action="/advisor/lookup"' in page
    assert "You have not taken a call yet" in page
    assert "js/advisor.js" in page


def test_the_new_call_form_is_the_product_lines_form_compact_and_keyboard_ready(advisor):
    page = advisor.get("/advisor/calls/new/auto").get_data(as_text=True)
    for name in auto_form():
        assert f'name="{name}"' in page
    assert "<kbd>Alt</kbd>+<kbd>R</kbd> run comparison" in page
    assert re.search(r'<button type="submit" class="button primary" accesskey="r" data-shortcut="r">Run comparison', page)
    assert len(re.findall(r"\bautofocus\b", page)) == 1
    first_field = re.search(r'<(?:input|select)[^>]*\bautofocus\b[^>]*>', page).group(0)
    assert 'name="driver_birth_date"' in first_field  # the caller's first answer comes first
    assert '<p class="hint"' not in page  # no help text under the fields: the whole form fits one screen
    # The fields follow the order a caller speaks in, so Tab moves through them in that order.
    order = re.findall(r'<(?:input|select)[^>]*name="([a-z_0-9]+)"', page)
    # (The discounts are a group of tick boxes, one name each; the household's optional groups are
    # named as a list's entries, "drivers-1-birth_date", and come between the caller's car and the cover.)
    assert [name for name in order if name not in ("csrf_token", "discounts")] == list(auto_form())


def test_a_call_runs_the_same_comparison_as_the_web_with_the_advisor_as_actor(app, client, advisor):
    web = client.post("/compare/auto", data=auto_form())
    web_reference = web.headers["Location"].rsplit("/", 1)[1]
    call_reference = start_call(advisor)
    web_result, call_result = latest_result(app, web_reference), latest_result(app, call_reference)
    assert call_result["channel"] == "advisor"
    assert call_result["actor"] == {"type": "advisor", "id": str(advisor.user_id)}
    assert web_result["actor"] == {"type": "anonymous", "id": None}

    def ranking(result):
        return [(offer["rank"], offer["provider"], offer["score"]) for offer in result["ranking"]]

    assert ranking(call_result) == ranking(web_result) and len(ranking(call_result)) >= 3
    assert call_result["recommended"]["provider"] == web_result["recommended"]["provider"]
    with app.app_context():
        call = db.session.get_one(AdvisorCall, call_reference)
        assert call.advisor_id == advisor.user_id and call.outcome_index is None


def test_the_call_page_shows_the_ranking_the_script_and_the_outcome_form(app, advisor):
    reference = start_call(advisor)
    page = advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True)
    result = latest_result(app, reference)
    assert reference in page
    assert '<table class="ranking">' in page
    for offer in result["ranking"]:
        assert f'data-provider="{offer["provider"]}"' in page
    assert "Read this to the caller first" in page
    assert "our competitors:" in page and "Acme Auto: 8% of the first year" in page
    assert "never affects the ranking" in page
    assert f"Disclosure script {SCRIPT_VERSION}/auto-disclosure-1" in page
    assert 'action="/advisor/calls/' + reference + '/outcome"' in page
    assert "<kbd>Alt</kbd>+<kbd>O</kbd> record outcome" in page
    for offer in result["ranking"]:
        assert f'value="{offer_value(offer)}"' in page
    assert 'value="declined"' in page


def test_choosing_the_top_pick_is_a_decision_in_the_same_transaction(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    top = result["ranking"][0]
    response = advisor.post(f"/advisor/calls/{reference}/outcome",
                            data={"shown_index": result["index"], "choice": offer_value(top)})
    assert response.status_code == 303
    [decision] = entries(app, "advisor-decision", "override")
    assert decision["kind"] == "advisor-decision" and decision["channel"] == "advisor" and decision["reference"] == reference
    assert decision["actor"] == {"type": "advisor", "id": str(advisor.user_id)}
    assert decision["chosen"]["provider"] == top["provider"] and decision["top_pick"] is True
    assert decision["reason"] is None and decision["result_index"] == result["index"]
    assert decision["disclosure_script_version"] == f"{SCRIPT_VERSION}/auto-disclosure-1"
    with app.app_context():
        assert db.session.get_one(AdvisorCall, reference).outcome_index == decision["index"]
    page = advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True)
    assert "Outcome recorded." in page and "the top pick" in page and "Record outcome</button>" not in page
    assert "Recorded" in advisor.get("/advisor/").get_data(as_text=True)


def test_another_offer_needs_a_reason_and_a_note_then_is_an_override(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    second = result["ranking"][1]
    data = {"shown_index": result["index"], "choice": offer_value(second)}
    missing = advisor.post(f"/advisor/calls/{reference}/outcome", data=data)
    page = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "choose the reason" in page and "write a short note" in page
    assert 'class="error-summary"' in page
    assert entries(app, "advisor-decision", "override") == []
    no_note = advisor.post(f"/advisor/calls/{reference}/outcome", data={**data, "reason": "existing_customer", "note": "   "})
    assert no_note.status_code == 400 and entries(app, "advisor-decision", "override") == []
    bad_reason = advisor.post(f"/advisor/calls/{reference}/outcome", data={**data, "reason": "bribe", "note": "x"})
    assert bad_reason.status_code == 400 and entries(app, "advisor-decision", "override") == []
    done = advisor.post(f"/advisor/calls/{reference}/outcome",
                        data={**data, "reason": "existing_customer", "note": "Has home cover with them."})
    assert done.status_code == 303
    [override] = entries(app, "override")
    assert override["chosen"]["rank"] == 2 and override["top_pick"] is False
    assert override["reason"] == "existing_customer" and "note" not in override
    with app.app_context():
        leaf = db.session.get_one(AuditEntry, override["index"]).leaf
        assert b"home cover" not in leaf  # the note is about the caller: sealed, never in clear
        assert reveal(db.session, override).data == {"note": "Has home cover with them."}
        assert override["personal"]["subject"] == latest_result(app, reference)["personal"]["subject"]
    assert "Has home cover with them." in advisor.get(f"/advisor/calls/{reference}").get_data(as_text=True)
    assert "Not the top pick" in advisor.get("/advisor/").get_data(as_text=True)


def test_declining_all_is_an_outcome_that_needs_a_reason(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    data = {"shown_index": result["index"], "choice": "declined"}
    assert advisor.post(f"/advisor/calls/{reference}/outcome", data=data).status_code == 400
    assert advisor.post(f"/advisor/calls/{reference}/outcome",
                        data={**data, "reason": "decide_later", "note": "Will call back after payday."}).status_code == 303
    [declined] = entries(app, "advisor-decision", "override")
    assert declined["kind"] == "advisor-decision" and declined["outcome"] == "declined" and declined["chosen"] is None
    assert declined["reason"] == "decide_later"
    summary = advisor.get(f"/advisor/calls/{reference}/summary").get_data(as_text=True)
    assert "You decided not to take any of these offers for now." in summary


def test_an_outcome_is_recorded_once(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    data = {"shown_index": result["index"], "choice": offer_value(result["ranking"][0])}
    assert advisor.post(f"/advisor/calls/{reference}/outcome", data=data).status_code == 303
    again = advisor.post(f"/advisor/calls/{reference}/outcome", data={**data, "choice": "declined", "reason": "other", "note": "x"})
    assert again.status_code == 409
    assert "already recorded" in again.get_data(as_text=True)
    assert len(entries(app, "advisor-decision", "override")) == 1


def test_an_outcome_against_a_ranking_the_advisor_did_not_see_is_refused(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    response = advisor.post(f"/advisor/calls/{reference}/outcome",
                            data={"shown_index": result["index"] + 1000, "choice": offer_value(result["ranking"][0])})
    assert response.status_code == 409
    assert "ranking for this reference changed" in response.get_data(as_text=True)
    assert entries(app, "advisor-decision", "override") == []


def test_a_choice_that_is_not_in_the_ranking_is_refused(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    for choice in ("acme:forged-quote", "nobody:1", ""):
        response = advisor.post(f"/advisor/calls/{reference}/outcome",
                                data={"shown_index": result["index"], "choice": choice, "reason": "other", "note": "x"})
        assert response.status_code == 400, choice
    missing_index = advisor.post(f"/advisor/calls/{reference}/outcome", data={"choice": "declined", "reason": "other", "note": "x"})
    assert missing_index.status_code == 400
    assert entries(app, "advisor-decision", "override") == []


def test_an_advisor_cannot_record_the_outcome_of_someone_elses_call(app, advisor, client_as):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    colleague = client_as("advisor")
    page = colleague.get(f"/advisor/calls/{reference}").get_data(as_text=True)
    assert "taken by another advisor" in page and "Record outcome</button>" not in page
    response = colleague.post(f"/advisor/calls/{reference}/outcome",
                              data={"shown_index": result["index"], "choice": offer_value(result["ranking"][0])})
    assert response.status_code == 403
    assert "Only the advisor who took this call" in response.get_data(as_text=True)
    assert entries(app, "advisor-decision", "override") == []
    with app.app_context():
        assert db.session.get_one(AdvisorCall, reference).outcome_index is None
    assert reference not in colleague.get("/advisor/").get_data(as_text=True)
    assert reference in advisor.get("/advisor/").get_data(as_text=True)


def test_a_web_comparison_can_be_looked_up_but_has_no_call_outcome(app, client, advisor):
    web_reference = client.post("/compare/auto", data=auto_form()).headers["Location"].rsplit("/", 1)[1]
    found = advisor.post("/advisor/lookup", data={"reference": web_reference.lower().replace("-", " ")})
    assert found.status_code == 303 and found.headers["Location"] == f"/advisor/calls/{web_reference}"
    page = advisor.get(found.headers["Location"]).get_data(as_text=True)
    assert "made on the web channel" in page and "there is no call outcome to record" in page
    result = latest_result(app, web_reference)
    response = advisor.post(f"/advisor/calls/{web_reference}/outcome",
                            data={"shown_index": result["index"], "choice": offer_value(result["ranking"][0])})
    assert response.status_code == 403 and entries(app, "advisor-decision", "override") == []


def test_an_unknown_or_malformed_reference_gets_a_clear_page(advisor):
    unknown = advisor.post("/advisor/lookup", data={"reference": "CND-0000-0000"})
    assert unknown.status_code == 404
    assert "No comparison has the reference CND-0000-0000" in unknown.get_data(as_text=True)
    malformed = advisor.post("/advisor/lookup", data={"reference": "my name is Ann"})
    assert malformed.status_code == 400 and "That is not a reference" in malformed.get_data(as_text=True)
    assert advisor.post("/advisor/lookup", data={"reference": ""}).status_code == 400
    assert advisor.get("/advisor/calls/CND-0000-0000").status_code == 404
    assert advisor.get("/advisor/calls/CND-0000-0000/summary").status_code == 404
    assert advisor.post("/advisor/calls/CND-0000-0000/outcome", data={"choice": "declined"}).status_code == 404


@pytest.mark.parametrize(("typed", "expected"), [
    ("CND-7K2M-Q9XA", "CND-7K2M-Q9XA"), ("cnd 7k2m q9xa", "CND-7K2M-Q9XA"), ("7K2MQ9XA", "CND-7K2M-Q9XA"),
    ("CND-7K2M-Q9XO", "CND-7K2M-Q9X0"), ("cnd-ilo0-0000", "CND-1100-0000"), ("CND-7K2M-Q9XU", None),
    ("CND-7K2M", None), ("", None), ("SELECT 1", None),
])
def test_references_are_read_the_way_callers_say_them(typed, expected):
    assert normalise_reference(typed) == expected


def test_bad_profile_input_is_reported_at_the_field_and_nothing_is_written(app, advisor):
    response = advisor.post("/advisor/calls/new/auto", data=auto_form(zip_code="9411", vehicle_year="1900"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="zip_code-error"' in page and 'id="vehicle_year-error"' in page
    assert 'href="#zip_code"' in page
    assert entries(app, "recommendation") == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AdvisorCall)) == 0


def test_the_printable_summary_confirms_the_advice(app, advisor):
    reference = start_call(advisor)
    result = latest_result(app, reference)
    summary = advisor.get(f"/advisor/calls/{reference}/summary").get_data(as_text=True)
    assert reference in summary and "written summary" in summary
    assert '<table class="ranking">' in summary and "print.css" in summary
    assert "never affects the ranking" in summary
    with app.app_context():
        leaf_hash = db.session.scalar(sa.select(AuditEntry.leaf_hash).where(AuditEntry.index == result["index"])).hex()
    assert leaf_hash in summary
    assert "1988-04-12" not in summary  # the profile summary shows the birth year only


def test_every_product_line_has_a_new_call_form_and_unknown_ones_are_a_404(app, advisor):
    for line in PRODUCT_LINES.values():
        page = advisor.get(f"/advisor/calls/new/{line.key}").get_data(as_text=True)
        with app.test_request_context():
            names = [field.name for field in line.profile_form()]
        for name in names:
            assert f'name="{name}"' in page, (line.key, name)
    assert advisor.get("/advisor/calls/new/spaceships").status_code == 404
