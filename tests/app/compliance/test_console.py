"""The compliance console through the test client, with entries made by the real comparison
service against the sandbox market over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from markupsafe import escape
import sqlalchemy as sa

from app.audit import checkpoints
from app.audit.erasure import erase
from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.api import run_comparison
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_form, auto_profile


def compare(app, market, count=1, **profile_changes):
    """`count` web recommendations by the real service; their indices."""
    registry = ProviderRegistry.from_entries(market.provider_entries())
    indices = []
    try:
        with app.app_context():
            for _ in range(count):
                entry = run_comparison(db.session, registry, get_product_line("auto"), auto_profile(**profile_changes),
                                       preferences={}, channel="web", deadline_s=2.0)
                db.session.commit()
                indices.append(entry.index)
    finally:
        registry.close()
    return indices


def logged(app, index):
    with app.app_context():
        return document(db.session.get_one(AuditEntry, index))


def advisor_override(app, advisor):
    """An advisor call whose caller took the second offer: the recommendation's and the override's indices."""
    response = advisor.post("/advisor/calls/new/auto", data=auto_form())
    assert response.status_code == 303
    reference = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        result = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)).one()
    second = logged(app, result.index)["ranking"][1]
    done = advisor.post(f"/advisor/calls/{reference}/outcome",
                        data={"shown_index": result.index, "choice": f"{second['provider']}:{second['quote_id']}",
                              "reason": "existing_customer", "note": "Has home cover with them."})
    assert done.status_code == 303
    with app.app_context():
        override = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference,
                                                                  AuditEntry.kind == "override")).one()
    return result.index, override.index, reference


@pytest.fixture
def officer(client_as):
    return client_as("compliance")


def text(response):
    return response.get_data(as_text=True)


def listed(page):
    return [int(index) for index in re.findall(r'href="/compliance/entries/(\d+)"', page)]


# --- access ---------------------------------------------------------------------------------------

def test_only_compliance_may_open_the_console(client, client_as):
    for path in ("/compliance/", "/compliance/reports", "/compliance/integrity", "/compliance/export/csv",
                 "/compliance/reports.json"):
        assert client.get(path).headers["Location"].startswith("/login")
        assert client_as("advisor").get(path).status_code == 403
        assert client_as("admin").get(path).status_code == 403
        assert client_as("compliance").get(path).status_code == 200
    assert client.post("/compliance/integrity/verify").headers["Location"].startswith("/login")
    assert client_as("advisor").post("/compliance/integrity/verify").status_code == 403


def test_the_staff_navigation_links_to_the_console_for_compliance_only(officer, client_as):
    assert 'href="/compliance/"' in text(officer.get("/account"))
    assert 'href="/compliance/"' not in text(client_as("advisor").get("/account"))


# --- list, filters, pagination --------------------------------------------------------------------

def test_the_list_shows_each_recommendation_with_its_flags(app, market, officer, client_as):
    [web] = compare(app, market)
    recommendation, override, reference = advisor_override(app, client_as("advisor", username="ann@example.com"))
    page = text(officer.get("/compliance/"))
    assert listed(page) == [recommendation, web]  # results only by default, newest first
    assert reference in page and "ann@example.com" in page and "Override" in page
    assert ">Older" not in page and ">← Newer" not in page
    web_doc = logged(app, web)
    assert web_doc["recommended"]["provider"] in page
    everything = text(officer.get("/compliance/?kind=all"))
    assert override in listed(everything) and web in listed(everything)


def test_filters_narrow_the_list(app, market, officer, client_as):
    [web] = compare(app, market)
    advisor = client_as("advisor", username="bo@example.com")
    recommendation, override, _ = advisor_override(app, advisor)
    house_best = logged(app, web)["house"]["best"]

    def show(query):
        return listed(text(officer.get("/compliance/?" + query)))

    assert show("channel=web") == [web]
    assert show("channel=advisor") == [recommendation]
    assert show(f"advisor={advisor.user_id}") == [recommendation]
    assert show("overridden=yes") == [recommendation]
    assert show("overridden=no") == [web]
    assert show("kind=outcomes") == [override]
    assert show("product=mortgage") == []
    assert web in show("house_best=" + ("yes" if house_best else "no"))
    assert web not in show("house_best=" + ("no" if house_best else "yes"))
    rank = logged(app, web)["house"]["rank"]
    if rank is not None:
        assert web in show(f"house_rank={rank}")
    provider = logged(app, web)["recommended"]["provider"]
    assert web in show(f"recommended={provider}")
    today = utcnow().date().isoformat()
    assert show(f"since={today}&until={today}") == [recommendation, web]
    assert show("until=2001-01-01") == []
    failures = logged(app, web)["failures"]
    assert (web in show("failures=yes")) == bool(failures)
    assert (web in show("failures=no")) == (not failures)


def test_bad_filter_values_are_reported_not_applied(app, market, officer):
    [web] = compare(app, market)
    response = officer.get("/compliance/?house_rank=zero&since=2030-01-02&until=2030-01-01")
    page = text(response)
    assert response.status_code == 200
    assert "Some filters were not applied" in page and "The end date is before the start date." in page
    assert listed(page) == []  # `since` alone is valid, and nothing is that new
    assert web in listed(text(officer.get("/compliance/?house_rank=abc")))


def test_pages_go_older_and_newer_by_cursor(app, market, officer, monkeypatch):
    from app.compliance import routes
    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    indices = compare(app, market, count=5)
    newest_first = sorted(indices, reverse=True)
    first = text(officer.get("/compliance/?channel=web"))
    assert listed(first) == newest_first[:2]
    older = re.search(r'href="([^"]*older_than=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "channel=web" in older
    second = text(officer.get(older))
    assert listed(second) == newest_first[2:4]
    third = text(officer.get(re.search(r'href="([^"]*older_than=\d+[^"]*)"', second).group(1).replace("&amp;", "&")))
    assert listed(third) == newest_first[4:] and "Older →" not in third
    back = text(officer.get(re.search(r'href="([^"]*newer_than=\d+[^"]*)"', third).group(1).replace("&amp;", "&")))
    assert listed(back) == newest_first[2:4]


# --- detail ---------------------------------------------------------------------------------------

def test_the_detail_tells_the_story_with_a_verified_proof(app, market, officer, client_as):
    recommendation, override, reference = advisor_override(app, client_as("advisor"))
    with app.app_context():
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
        size = checkpoints.latest(db.session).tree_size
    page = text(officer.get(f"/compliance/entries/{recommendation}"))
    doc = logged(app, recommendation)
    for heading in ("Asked", "Answered", "Excluded", "Ranked", "Shown", "Decided"):
        assert f"</span> {heading}</h2>" in page
    assert page.index("</span> Asked") < page.index("</span> Answered") < page.index("</span> Decided")
    assert f"In the log, verified against the checkpoint of size {size:,}" in page
    assert "Corolla" in page  # the profile, revealed
    for provider in doc["providers"]:
        assert escape(provider["provider_name"]) in page
    assert doc["disclosures"]["methodology_version"] in page
    assert "Override" in page and "existing customer" in page and "Has home cover with them." in page
    assert f"/compliance/entries/{override}" in page


def test_an_entry_no_checkpoint_covers_yet_says_so(app, market, officer):
    [first, second] = compare(app, market, count=2)
    with app.app_context():
        latest = checkpoints.latest(db.session)
    # The log's first append signs a checkpoint; later ones wait for the size or age that is due.
    assert latest is not None and latest.tree_size <= second
    assert "not yet covered by a checkpoint" in text(officer.get(f"/compliance/entries/{second}"))
    covered = text(officer.get(f"/compliance/entries/{latest.tree_size - 1}"))
    assert f"verified against the checkpoint of size {latest.tree_size:,}" in covered


def test_a_tampered_entry_fails_its_proof(app, market, officer):
    [index, _] = compare(app, market, count=2)
    with app.app_context():
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_update")
            names = [row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_entries'")]
            for name in names:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            connection.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER USER")
        leaf = db.session.get_one(AuditEntry, index).leaf
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.index == index)
                           .values(leaf=bytes(leaf).replace(b'"channel":"web"', b'"channel":"WEB"')))
        db.session.commit()
    page = text(officer.get(f"/compliance/entries/{index}"))
    assert "Proof FAILED" in page


def test_an_erased_customer_shows_when_and_by_whom(app, market, officer):
    [index] = compare(app, market)
    with app.app_context():
        subject = db.session.get_one(AuditEntry, index).subject
        erase(db.session, subject, actor={"type": "compliance", "id": "7"}, reason="asked by the customer", now=utcnow())
        db.session.commit()
    page = text(officer.get(f"/compliance/entries/{index}"))
    assert f"erased on {utcnow():%d %B %Y} by compliance officer 7" in page
    assert "Corolla" not in page
    replayed = text(officer.post(f"/compliance/entries/{index}/replay"))
    assert "cannot be replayed" in replayed and "still verifies" in replayed


def test_replay_of_a_logged_recommendation_is_identical(app, market, officer):
    [index] = compare(app, market)
    response = officer.post(f"/compliance/entries/{index}/replay")
    assert response.status_code == 200
    assert "Identical." in text(response)


def test_unknown_entries_are_404(officer):
    assert officer.get("/compliance/entries/999999").status_code == 404
    assert officer.post("/compliance/entries/999999/replay").status_code == 404


# --- integrity ------------------------------------------------------------------------------------

def test_verification_runs_and_its_result_is_kept_in_the_log(app, market, officer):
    compare(app, market, count=2)
    assert "has not been verified from the console yet" in text(officer.get("/compliance/integrity"))
    response = officer.post("/compliance/integrity/verify")
    assert response.status_code == 303
    page = text(officer.get("/compliance/integrity"))
    assert "Intact" in page and "by compliance officer" in page
    with app.app_context():
        keys_page = checkpoints.latest(db.session)
        [run] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "log-verification")).all()
        assert document(run)["ok"] is True and document(run)["entries"] == run.index
    assert keys_page.note.splitlines()[0] in page
    assert "+" in page and "Verifier key" in page


# --- exports --------------------------------------------------------------------------------------

def test_exports_stream_the_filtered_view_without_personal_data(app, market, officer, client_as):
    [web] = compare(app, market)
    recommendation, _, reference = advisor_override(app, client_as("advisor"))
    response = officer.get("/compliance/export/csv?channel=advisor")
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert [int(row["index"]) for row in rows] == [recommendation]
    assert rows[0]["reference"] == reference and rows[0]["overridden"] == "yes"
    assert "profile" not in rows[0] and "Corolla" not in text(response)
    lines = officer.get("/compliance/export/jsonl")
    assert lines.is_streamed and lines.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in text(lines).splitlines()]
    assert [record["index"] for record in records] == [recommendation, web]
    assert officer.get("/compliance/export/xml").status_code == 404


def test_personal_data_is_exported_only_when_asked_and_the_export_is_logged(app, market, officer):
    [web] = compare(app, market)
    assert officer.post("/compliance/export/csv?channel=web").status_code == 400
    response = officer.post("/compliance/export/jsonl?channel=web", data={"include_personal": "yes"})
    [record] = [json.loads(line) for line in text(response).splitlines()]
    assert record["index"] == web and record["profile"]["vehicle_model"] == "Corolla"
    with app.app_context():
        [export] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "personal-data-export")).all()
        assert document(export)["filters"] == {"channel": "web"} and export.actor_type == "compliance"


def test_exports_page_through_many_entries(app, market, officer, monkeypatch):
    from app.compliance import exports
    monkeypatch.setattr(exports, "MAX_PAGE", 2)
    indices = compare(app, market, count=5)
    rows = list(csv.DictReader(io.StringIO(text(officer.get("/compliance/export/csv?channel=web")))))
    assert [int(row["index"]) for row in rows] == sorted(indices, reverse=True)


# --- reports --------------------------------------------------------------------------------------

def test_reports_give_charts_tables_and_json(app, market, officer, client_as):
    web = compare(app, market, count=2)
    advisor = client_as("advisor", username="cy@example.com")
    advisor_override(app, advisor)
    page = text(officer.get("/compliance/reports"))
    assert 'data-url="/compliance/reports.json' in page and "vendor/chartjs/chart.umd.min.js" in page and "js/compliance.js" in page
    assert 'data-chart="house-over-time"' in page and "cy@example.com" in page
    assert "<script>" not in page and " style=" not in page
    report = officer.get("/compliance/reports.json").get_json()
    house = report["house"]
    assert house["recommendations"] == 3
    firsts = sum(1 for index in web if logged(app, index)["house"]["best"])
    assert sum(row["house_first"] for row in house["over_time"]) >= firsts
    assert {row["channel"] for row in house["by_channel"]} == {"web", "advisor"}
    assert sum(row["recommendations"] for row in house["house_rank"]) == 3
    assert report["segments"]["sample"] == 3
    assert [row["region"] for row in report["segments"]["by_region"]] == [auto_profile()["state"]]
    assert sum(row["recommendations"] for row in report["segments"]["by_age_band"]) == 3
    [by_advisor] = report["overrides"]["by_advisor"]
    assert by_advisor["advisor"] == "cy@example.com" and by_advisor["override_rate"] == "1.0000"
    assert report["overrides"]["reasons"][0]["reason"] == "existing_customer"
    assert report["providers"] and all(1 <= row["asked"] <= 3 for row in report["providers"])
    assert officer.get("/compliance/reports.json?product=mortgage").get_json()["house"]["recommendations"] == 0


def test_each_report_table_exports(app, market, officer):
    compare(app, market)
    response = officer.get("/compliance/reports/house-rank/csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert sum(int(row["recommendations"]) for row in rows) == 1
    lines = text(officer.get("/compliance/reports/providers/jsonl")).splitlines()
    assert lines and all("failure_rate" in json.loads(line) for line in lines)
    assert officer.get("/compliance/reports/nothing/csv").status_code == 404
