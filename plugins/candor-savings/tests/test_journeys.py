"""The savings line through every channel, against its six sandbox banks over real HTTP on loopback:
the website (form, results, permalink, receipt, methodology), the JSON API, the advisor console, the
log (verify, replay) and the neutrality sweep with its named-preset check."""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from app.api.comparisons import RESULT_SCHEMA
from app.audit.models import AuditEntry
from app.db import db
from sqlalchemy import select
from jsonschema import Draft202012Validator

FORM = {"deposit": "10000", "horizon_months": "12", "zip_code": "94110", "state": "CA", "insured_only": "yes",
        "keeps_minimum_balance": "yes", "direct_deposit": "no", "preset": "balanced"}
MONEY = re.compile(r"\$[0-9][0-9,]*\.[0-9]{2}")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_saver_compares_and_keeps_the_result(client: FlaskClient) -> None:
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/compare/savings"' in landing  # the third line, beside the two of Candor's own
    response = client.post("/compare/savings", data=FORM)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    results = client.get(response.headers["Location"])
    page = _text(results.get_data(as_text=True))
    assert "Your savings comparison" in page and "We asked 6 banks." in page
    # Summit's account is uninsured: set aside, with the reason, since the saver asked for insured only.
    assert "It is not insured by the FDIC or the NCUA, and you asked for insured accounts only." in page
    assert "Earnings are over your 12 months: interest less fees and any early-withdrawal penalty" in page
    assert "What each account leaves you with over time" in page
    receipt = client.get(response.headers["Location"] + "/receipt")
    assert receipt.status_code == 200 and "Earned after fees" in receipt.get_data(as_text=True)
    methodology = _text(client.get("/methodology/savings").get_data(as_text=True))
    assert "“Most interest” puts first the offer with the highest interest earned after fees." in methodology
    assert "how much more ours would have to earn to rank first" in methodology


def test_the_api_ranks_savings_and_says_our_offer_in_money_earned(client: FlaskClient) -> None:
    profile = {"state": "CA", "zip_code": "94110", "deposit": "10000.00", "horizon_months": 12, "insured_only": True,
               "keeps_minimum_balance": True, "direct_deposit": False}
    response = client.post("/api/v1/comparisons", json={"product": "savings", "profile": profile,
                                                         "preferences": {"preset": "most_interest"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    Draft202012Validator(RESULT_SCHEMA).validate(body)
    ranking = body["ranking"]
    earned = [Decimal(next(item["value"] for item in offer["criteria"] if item["key"] == "earned")) for offer in ranking]
    assert earned[0] >= max(earned) - Decimal("1.00")  # “Most interest” keeps its name's promise
    explanation = body["explanation"]
    money = explanation["house_money"]
    assert money is not None  # our offer is ranked: the notice always carries its money figure
    assert money["verb"] == "earns" and money["period"] == "horizon_months" and money["years"] == 12
    assert MONEY.findall(explanation["house_notice"]) == [f"${Decimal(money['amount']):,.2f}"]
    again = client.get(f"/api/v1/comparisons/{body['reference']}")
    assert again.status_code == 200 and again.get_json()["explanation"]["house_notice"] == explanation["house_notice"]
    bad = client.post("/api/v1/comparisons", json={"product": "savings", "profile": {**profile, "deposit": "50.00"}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "Enter an amount between $100 and $10,000,000." in bad.get_data(as_text=True)


def test_an_advisor_runs_a_savings_call_and_the_log_verifies_and_replays(app: Flask, client_as) -> None:  # type: ignore[no-untyped-def]
    advisor = client_as("advisor")
    form = advisor.get("/advisor/calls/new/savings").get_data(as_text=True)
    assert 'name="deposit"' in form and 'name="horizon_months"' in form
    started = advisor.post("/advisor/calls/new/savings", data=FORM)
    assert started.status_code == 303, started.get_data(as_text=True)[:2000]
    call = advisor.get(started.headers["Location"]).get_data(as_text=True)
    reference = started.headers["Location"].rsplit("/", 1)[1]
    assert "Interest earned after fees" in call
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    replayed = runner.invoke(args=["audit", "replay", reference])
    assert replayed.exit_code == 0, replayed.output
    # Compliance opens the entry and replays it in the console.
    officer = client_as("compliance")
    with app.app_context():
        index = db.session.scalar(select(AuditEntry.index).where(AuditEntry.reference == reference,
                                                                 AuditEntry.kind == "recommendation"))
    story = _text(officer.get(f"/compliance/entries/{index}").get_data(as_text=True))
    assert reference in story and "Savings" in story
    again = _text(officer.post(f"/compliance/entries/{index}/replay").get_data(as_text=True))
    assert "Identical. Re-ranking the logged inputs gives exactly the logged result." in again


def test_the_sweep_finds_the_savings_ranking_blind_and_most_interest_true_to_its_name(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["ranking", "sweep", "--product", "savings", "--profiles", "12",
                                                "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Savings: 12 profiles ranked twice" in result.output
    assert "Mismatches: 0" in result.output
    assert "Named presets whose first offer is not best on their measure: 0" in result.output
    assert "“Most interest”: interest earned after fees, tolerance $1.00" in result.output
    assert "“Easy access”: access to your money, tolerance half a level of access; checked on 12 profiles" in result.output
