"""The refinance line through every channel, against the sandbox's refinance lenders over real HTTP on
loopback: a homeowner whose refinance pays (net saving, break-even month, chart with its table) and
one for whom it does not (“Keep your current loan” said first and logged as the recommendation); the
JSON API and its schema, the advisor console and its script, the methodology page, the log (verify,
replay in the console) and the neutrality sweep with its named-preset check."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.api.comparisons import RESULT_SCHEMA
from app.audit.models import AuditEntry
from app.db import db
from tests.app.advisor.test_console import latest_result, offer_value

PAYS = {"zip_code": "80203", "state": "CO", "property_value": "450000", "occupancy": "primary",
        "current_balance": "300000", "current_rate": "7.75", "remaining_months": "336", "current_payment": "",
        "credit_score_band": "740-759", "years_expected": "5", "loan_type": "conventional", "term_years": "30",
        "rate_type": "fixed", "max_points": "3", "cash_out": "0", "preset": "balanced"}
# A current rate already near today's market, and a stay of two years: no offer pays for itself.
DOES_NOT_PAY = {**PAYS, "current_rate": "6.5", "years_expected": "2"}
MONEY = re.compile(r"\$[0-9][0-9,]*\.[0-9]{2}")
KEEP = re.compile(r"None of these saves you money over your 2 years; refinancing with the best of them "
                  r"\(([A-Za-z ]+)\) would cost you (\$[0-9,]+\.[0-9]{2}) more\.")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _compare(client: FlaskClient, form: dict) -> tuple[str, str]:
    response = client.post("/compare/refinance", data=form)
    assert response.status_code == 303, _text(response.get_data(as_text=True))[:2000]
    return response.headers["Location"], _text(client.get(response.headers["Location"]).get_data(as_text=True))


def _logged(app: Flask, reference: str) -> tuple[int, dict]:
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.reference == reference,
                                                            AuditEntry.kind == "recommendation")).one()
        return entry.index, json.loads(bytes(entry.leaf))


def test_a_refinance_that_pays_shows_its_saving_and_break_even(client: FlaskClient) -> None:
    assert 'href="/compare/refinance"' in client.get("/").get_data(as_text=True)
    location, page = _compare(client, PAYS)
    assert "Your refinance comparison" in page and "We asked 4 lenders." in page
    assert "Our answer: Keep your current loan" not in page
    assert "Best fit: Granite Funding" in page  # the rate sheet's 3 points pay back within 5 years at 7.75%
    assert re.search(r"over your 5 years: \$[0-9,.]+ less interest, \$[0-9,.]+ upfront", page)
    assert re.search(r"Granite Funding \(30-year fixed, 3 points\): breaks even in month [0-9]+ \(", page)
    assert "When refinancing pays for itself" in page and "The figures behind the chart" in page
    assert "Net saving is against keeping your current loan over your 5 years" in page
    receipt = client.get(location + "/receipt")
    assert receipt.status_code == 200 and "Net saving while you stay" in receipt.get_data(as_text=True)


def test_when_no_offer_saves_money_keep_your_loan_comes_first_and_is_logged(app: Flask, client: FlaskClient) -> None:
    location, page = _compare(client, DOES_NOT_PAY)
    found = KEEP.search(page)
    assert found, page[:3000]
    # Said first: before the notice about our offer and before the best of the offers.
    assert page.index("Our answer: Keep your current loan") < page.index("Best of the offers:")
    assert page.index("Our answer: Keep your current loan") < page.index("Our offer is not the best fit")
    # Each offer's row says what it would cost more than keeping the loan.
    assert re.search(r"costs you \$[0-9,]+\.[0-9]{2} more than keeping your loan, over your 2 years", page)
    reference = location.rsplit("/", 1)[1]
    index, leaf = _logged(app, reference)
    logged = json.dumps(leaf)
    assert '"status_quo": "current_loan"' in logged and '"label": "Keep your current loan"' in logged
    assert client.get(location + "/receipt").get_data(as_text=True).count("Keep your current loan") == 1
    # Re-ranked in place for the lowest payment: the answer is still to keep the loan, said first.
    fragment = client.post(location + "/preferences", data={"preset": "lowest_payment", "apply": "preset"},
                           headers={"X-Candor-Fragment": "results"})
    assert fragment.status_code == 200
    assert KEEP.search(_text(fragment.get_data(as_text=True)))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    replayed = runner.invoke(args=["audit", "replay", reference])
    assert replayed.exit_code == 0, replayed.output


def test_the_api_ranks_refinances_and_says_keep_your_loan_in_money(client: FlaskClient) -> None:
    profile = {"state": "CO", "zip_code": "80203", "property_value": "450000.00", "current_balance": "300000.00",
               "current_rate": "6.500", "remaining_months": 336, "current_payment": None, "cash_out": "0.00",
               "loan_amount": "300000.00", "credit_score_band": "740-759", "loan_type": "conventional", "term_years": 30, "rate_type": "fixed",
               "max_points": "3", "occupancy": "primary", "years_expected": 2}
    response = client.post("/api/v1/comparisons", json={"product": "refinance", "profile": profile,
                                                         "preferences": {"preset": "biggest_saving"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    Draft202012Validator(RESULT_SCHEMA).validate(body)
    assert body["recommended"] == {"status_quo": "current_loan", "label": "Keep your current loan"}
    kept = body["explanation"]["status_quo"]
    assert MONEY.findall(kept["sentence"]) == [f"${Decimal(kept['money']['amount']):,.2f}"]
    savings = [Decimal(next(c["value"] for c in offer["criteria"] if c["key"] == "net_saving"))
               for offer in body["ranking"]]
    assert max(savings) <= 0 and Decimal(kept["money"]["amount"]) == -max(savings)
    assert savings[0] >= max(savings) - Decimal("25.00")  # “Biggest saving” keeps its name's promise
    money = body["explanation"]["house_money"]
    assert money is not None and money["verb"] == "saves" and money["period"] == "horizon" and money["years"] == 2
    bad = client.post("/api/v1/comparisons", json={"product": "refinance",
                                                   "profile": {**profile, "cash_out": "200000.00",
                                                               "loan_amount": "500000.00"}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "would be more than the home is worth" in bad.get_data(as_text=True)


def test_the_form_says_what_to_change_field_by_field(client: FlaskClient) -> None:
    response = client.post("/compare/refinance", data={**PAYS, "current_payment": "100", "current_balance": ""})
    assert response.status_code == 400  # the form again, with the answers kept
    page = _text(response.get_data(as_text=True))
    assert "Enter what you still owe on your loan in dollars, for example 300000." in page
    response = client.post("/compare/refinance", data={**PAYS, "current_payment": "100"})
    assert "does not cover a month's interest ($1,937.50) on your balance" in _text(response.get_data(as_text=True))


def test_an_advisor_reads_keep_your_loan_and_compliance_replays_it(app: Flask, client_as) -> None:  # type: ignore[no-untyped-def]
    advisor = client_as("advisor")
    started = advisor.post("/advisor/calls/new/refinance", data=DOES_NOT_PAY)
    assert started.status_code == 303, _text(started.get_data(as_text=True))[:2000]
    call = _text(advisor.get(started.headers["Location"]).get_data(as_text=True))
    assert "Tell the caller: keep your current loan" in call
    assert "So my recommendation is: keep your current loan." in call
    reference = started.headers["Location"].rsplit("/", 1)[1]
    index, _ = _logged(app, reference)
    first = latest_result(app, reference)["ranking"][0]
    # Keeping the loan was the recommendation: taking an offer needs a reason; declining them all does not.
    taken = advisor.post(f"/advisor/calls/{reference}/outcome",
                         data={"shown_index": index, "choice": offer_value(first)})
    assert taken.status_code == 400 and "choose the reason" in taken.get_data(as_text=True)
    kept = advisor.post(f"/advisor/calls/{reference}/outcome", data={"shown_index": index, "choice": "declined"})
    assert kept.status_code == 303, _text(kept.get_data(as_text=True))[:2000]
    assert "declined all offers, as recommended" in _text(advisor.get(started.headers["Location"]).get_data(as_text=True))
    summary = _text(advisor.get(f"/advisor/calls/{reference}/summary").get_data(as_text=True))
    assert "So my recommendation is: keep your current loan." in summary
    assert "is the best of the offers:" in summary and "You decided not to take any of these offers, as we recommended." in summary
    officer = client_as("compliance")
    story = _text(officer.get(f"/compliance/entries/{index}").get_data(as_text=True))
    assert "Recommended: Keep your current loan" in story
    again = _text(officer.post(f"/compliance/entries/{index}/replay").get_data(as_text=True))
    assert "Identical. Re-ranking the logged inputs gives exactly the logged result." in again


def test_the_methodology_says_how_the_saving_and_the_break_even_are_worked_out(client: FlaskClient) -> None:
    page = _text(client.get("/methodology/refinance").get_data(as_text=True))
    assert "When no offer saves you money over the years you expect to stay, we say so first: keep your current loan." in page
    assert "this equals the interest you no longer pay, less the upfront costs" in page
    assert "“Biggest saving” puts first the offer with the highest net saving while you stay." in page


def test_the_sweep_finds_the_refinance_ranking_blind_and_its_presets_true_to_their_names(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["ranking", "sweep", "--product", "refinance", "--profiles", "10",
                                                "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Refinance: 10 profiles ranked twice" in result.output and "Mismatches: 0" in result.output
    assert "Named presets whose first offer is not best on their measure: 0" in result.output


def test_cash_out_is_priced_higher_and_the_rate_sheet_does_not_cover_it(client: FlaskClient) -> None:
    _, plain = _compare(client, PAYS)
    _, cash = _compare(client, {**PAYS, "cash_out": "40000"})
    assert "Granite Funding declined to quote: its rate sheet does not cover this loan." in cash
    assert "Cash out: $40,000.00" in cash and "New loan: $340,000.00" in cash
    rate = re.compile(r"Harbor Home Loans Our offer 30-year fixed, no points .*? ([0-9.]+)% fixed")
    assert Decimal(rate.search(cash).group(1)) > Decimal(rate.search(plain).group(1))  # cash out costs more
    _, too_much = _compare(client, {**PAYS, "cash_out": "100000"})  # $400,000 of $450,000: over 80%
    assert "Harbor Home Loans (our offer) declined to quote." in too_much
    assert "No refinance offer meets everything you asked for" in too_much
