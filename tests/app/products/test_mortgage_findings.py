"""The safe harbor's options and the higher-priced flags of a real comparison: the sandbox lenders
over HTTP on loopback, ranked by the comparison service, logged, shown, replayed — with the APOR
table present, missing, out of date, and changed after the comparison."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.comparison.api import load_result, replay, rerank, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.mortgage import apor_store
from app.products.mortgage.findings import HIGHER_PRICED_MEANING
from app.provider_registry import current_registry
from providers.registry import ProviderRegistry
from providers.sandbox.apor import apor_table
from tests.apor_support import apor_tables  # noqa: F401 - a pytest fixture
from tests.factories import mortgage_form, mortgage_profile

line = get_product_line("mortgage")
# A 620-639 score and 5% down: the lenders' 0-point loans land 1.5 points or more above the prime
# offer rate, their bought-down loans below it.
SUBPRIME = {"credit_score_band": "620-639", "property_value": "500000.00", "down_payment": "25000.00",
            "loan_amount": "475000.00"}


def compare(app, **changes) -> dict:
    with app.app_context():
        entry = run_comparison(db.session, current_registry(), line, mortgage_profile(**changes), preferences={},
                               channel="web")
        db.session.commit()
        return load_result(db.session, entry.reference)


def terms_of(result: dict, offer: dict) -> dict:
    return next(quote["terms"] for provider in result["providers"] for quote in provider["quotes"]
                if quote["id"] == offer["quote_id"])


def test_the_three_safe_harbor_loans_are_logged_with_the_recommendation(app, apor_tables):  # noqa: F811
    apor_tables()
    result = compare(app)
    [group] = result["explanation"]["findings"]["safe_harbor"]
    assert group["transaction_type"] == "fixed" and group["enough_creditors"] is True
    assert len(group["creditors"]) >= 3 and group["creditors_asked"] == len(result["providers"])
    options = group["options"]
    ranked = result["ranking"]
    rates = {offer["quote_id"]: Decimal(terms_of(result, offer)["note_rate"]) for offer in ranked}
    features = {offer["quote_id"]: terms_of(result, offer).get("features", []) for offer in ranked}
    # The lowest rate is Keystone's, which has a prepayment penalty: the lowest without one is another's.
    lowest = options["lowest_rate"]
    assert rates[lowest["quote_id"]] == min(rates.values()) and lowest["provider"] == "keystone_mortgage"
    assert features[lowest["quote_id"]] == ["prepayment_penalty"]
    plain = options["lowest_rate_without_risky_features"]
    assert plain["provider"] != "keystone_mortgage" and features[plain["quote_id"]] == []
    assert rates[plain["quote_id"]] == min(rate for quote_id, rate in rates.items() if not features[quote_id])
    # The lowest points and fees: Bluebird charges none at all.
    cheapest = options["lowest_points_and_fees"]
    assert cheapest["provider"] == "bluebird_lending"
    assert next(o for o in ranked if o["quote_id"] == cheapest["quote_id"])["facts"]["upfront"] == "$0.00"
    # Each option is a ranked offer, with its rank.
    by_quote = {offer["quote_id"]: offer for offer in ranked}
    assert all(by_quote[option["quote_id"]]["rank"] == option["rank"] for option in options.values())


def test_higher_priced_loans_are_flagged_against_the_weeks_average_prime_offer_rate(app, apor_tables):  # noqa: F811
    apor_tables()
    result = compare(app, **SUBPRIME)
    apor = result["reference_data"]["apor"]
    assert apor["fixed"]["status"] == "current" and apor["source"] == "FFIEC average prime offer rates"
    average = Decimal(apor["fixed"]["rates"]["30"])
    checked = result["explanation"]["findings"]["higher_priced"]
    assert checked["threshold"] == "1.5" and checked["unchecked"] == 0 and checked["checked"] == len(result["ranking"])
    # Worked out again here from the logged APR of each ranked offer and the logged rate.
    expected = [position for position, offer in enumerate(result["ranking"])
                if Decimal(offer["values"]["apr"]) - average >= Decimal("1.5")]
    assert checked["flagged"] == expected
    assert 0 < len(expected) < len(result["ranking"]), expected


def test_a_jumbo_loan_is_higher_priced_only_from_two_and_a_half_points(app, apor_tables):  # noqa: F811
    apor_tables()
    result = compare(app, loan_type="jumbo", credit_score_band="720-739", property_value="1500000.00",
                     down_payment="300000.00", loan_amount="1200000.00")
    checked = result["explanation"]["findings"]["higher_priced"]
    assert checked["jumbo"] is True and checked["threshold"] == "2.5" and checked["unchecked"] == 0
    average = Decimal(result["reference_data"]["apor"]["fixed"]["rates"]["30"])
    assert checked["flagged"] == [position for position, offer in enumerate(result["ranking"])
                                  if Decimal(offer["values"]["apr"]) - average >= Decimal("2.5")]


def test_a_logged_comparison_replays_identically_after_the_table_changes(app, apor_tables):  # noqa: F811
    folder = apor_tables()
    result = compare(app, **SUBPRIME)
    logged = result["explanation"]["findings"]
    # Next week's table (or none at all) must not change what the log says was found.
    apor_store.import_table(apor_table("fixed", date.today() + timedelta(days=7)).replace("|7.", "|5."), "fixed")
    with app.app_context():
        again = replay(line, result)
    assert json.loads(json.dumps(again["explanation"]["findings"], default=str)) == logged
    assert json.loads(json.dumps(again["reference_data"], default=str)) == result["reference_data"]
    (folder / "YieldTableFixed.txt").unlink()
    runner = app.test_cli_runner()
    replayed = runner.invoke(args=["audit", "replay", result["reference"]])
    assert replayed.exit_code == 0 and "identical" in replayed.output, replayed.output


def test_a_missing_table_is_a_visible_warning_never_a_silent_skip(app, client, apor_tables):  # noqa: F811
    apor_tables(kinds=())
    response = client.post("/compare/mortgage", data=mortgage_form())
    assert response.status_code == 303
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    result = compare(app)
    assert result["reference_data"]["apor"]["fixed"]["status"] == "missing"
    checked = result["explanation"]["findings"]["higher_priced"]
    assert checked["unchecked"] == len(result["ranking"]) and checked["checked"] == 0 and checked["flagged"] == []
    assert "We could not check which offers are higher-priced mortgage loans: we have no table of average prime " \
           "offer rates for fixed-rate loans" in page
    # The safe harbor needs no table: it is shown all the same.
    assert "Three loans the rules say you should see" in page and "Lowest interest rate without risky features" in page


def test_an_out_of_date_table_is_said_to_be_and_not_used(app, client, apor_tables):  # noqa: F811
    apor_tables(today=datetime.now(timezone.utc).date() - timedelta(days=30))
    response = client.post("/compare/mortgage", data=mortgage_form(**{
        "credit_score_band": "620-639", "down_payment": "25000"}))
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "our table of average prime offer rates for fixed-rate loans is out of date (its newest week began" in page
    assert "data-higher-priced-offer" not in page


def test_the_results_advisor_and_receipt_pages_show_the_options_and_the_flags(app, client, client_as,
                                                                             apor_tables):  # noqa: F811
    apor_tables()
    response = client.post("/compare/mortgage", data=mortgage_form(max_points="2"))
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Three loans the rules say you should see" in page and "Regulation Z, 12 CFR 1026.36(e)" in page
    for label in ("Lowest interest rate", "Lowest interest rate without risky features",
                  "Lowest points and origination fees"):
        assert f'<th scope="row">{label}</th>' in page
    assert "Keystone Mortgage (30-year fixed, 2 points)</td>" not in page  # its feature is said under its name
    assert "Keystone Mortgage (30-year fixed, 2 points)<br><span class=\"muted\">Has a prepayment penalty" in page
    assert "Chosen among " in page
    assert "None of the " in page and "offers checked is a higher-priced mortgage loan" in page

    response = client.post("/compare/mortgage", data=mortgage_form(**{
        "credit_score_band": "620-639", "down_payment": "25000", "max_points": "2"}))
    location = response.headers["Location"]
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert "are higher-priced mortgage loans: APR 1.5 percentage points or more above" in page
    assert "percentage points above the average prime offer rate of 6.380% for a comparable loan, the week of" in page
    assert HIGHER_PRICED_MEANING in page and "Average prime offer rates: FFIEC average prime offer rates." in page
    receipt = html.unescape(client.get(f"{location}/receipt").get_data(as_text=True))
    assert "Three loans the rules say you should see" in receipt and "Higher-priced mortgage loan: " in receipt

    advisor = client_as("advisor")
    started = advisor.post("/advisor/calls/new/mortgage", data=mortgage_form())
    assert started.status_code == 303, started.get_data(as_text=True)[:500]
    call = html.unescape(advisor.get(started.headers["Location"]).get_data(as_text=True))
    assert "Three loans the rules say you should see" in call and "Higher-priced mortgage loans" in call

    # Compliance reads the same findings in the entry's story, from the log.
    with app.app_context():
        index = load_result(db.session, started.headers["Location"].rsplit("/", 1)[1])["index"]
    story = html.unescape(client_as("compliance").get(f"/compliance/entries/{index}").get_data(as_text=True))
    assert "Three loans the rules say you should see</strong>: lowest interest rate: " in story


def test_fewer_than_three_lenders_quoting_is_said(app, market, apor_tables, make_apps):  # noqa: F811
    apor_tables()
    two = [entry for entry in market.provider_entries() if entry["key"] in ("harbor_home", "bluebird_lending")]
    small = make_apps(two)
    registry = ProviderRegistry.from_entries(two)
    try:
        with small.app_context():
            entry = run_comparison(db.session, registry, line, mortgage_profile(), preferences={}, channel="web")
            db.session.commit()
            result = load_result(db.session, entry.reference)
    finally:
        registry.close()
    [group] = result["explanation"]["findings"]["safe_harbor"]
    assert group["enough_creditors"] is False and group["creditors"] == ["bluebird_lending", "harbor_home"]
    view = line.findings_view(result)
    assert view.safe_harbor[0].creditors.startswith("Only 2 lenders of the 2 we asked made an offer of this kind")


def test_the_api_returns_the_findings_in_the_explanation(app, client, apor_tables):  # noqa: F811
    apor_tables()
    response = client.post("/api/v1/comparisons", json={"product": "mortgage", "profile": mortgage_profile()})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["explanation"]["findings"]["safe_harbor"][0]["options"]["lowest_rate"]["provider"] == "keystone_mortgage"
    assert body["reference_data"]["apor"]["fixed"]["status"] == "current"


def test_a_re_rank_checks_the_same_quotes_against_the_same_logged_rates(app, apor_tables):  # noqa: F811
    apor_tables()
    result = compare(app, **SUBPRIME)
    apor_store.import_table(apor_table("fixed", date.today()).replace("|6.38|", "|4.38|"), "fixed")
    with app.app_context():
        again = load_result(db.session, rerank(db.session, line, result, preferences={"preset": "lowest_payment"},
                                               channel="web").reference)
        db.session.commit()
    assert again["reranks"] == result["index"] and again["reference_data"] == result["reference_data"]
    flagged_quotes = {result["ranking"][p]["quote_id"] for p in result["explanation"]["findings"]["higher_priced"]["flagged"]}
    assert {again["ranking"][p]["quote_id"] for p in again["explanation"]["findings"]["higher_priced"]["flagged"]} \
        == flagged_quotes


def test_an_entry_logged_before_findings_replays_without_them(app, apor_tables):  # noqa: F811
    apor_tables()
    result = compare(app)
    # The same result as this version's predecessor logged it: no reference data, no findings.
    older = {**result, "explanation": {key: value for key, value in result["explanation"].items() if key != "findings"}}
    del older["reference_data"]
    with app.app_context():
        again = replay(line, older)
    assert "reference_data" not in again and "findings" not in again["explanation"]
    assert json.loads(json.dumps(again["explanation"], default=str)) == older["explanation"]
    assert line.findings_view(older) is None


def test_with_nothing_ranked_there_is_nothing_beside_the_ranking(app, client, apor_tables):  # noqa: F811
    apor_tables()
    response = client.post("/compare/mortgage", data=mortgage_form(max_monthly_payment="100"))
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "meets everything you asked for" in page
    assert "Three loans the rules say you should see" not in page and "data-higher-priced" not in page
