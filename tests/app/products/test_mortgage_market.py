"""The sandbox lenders over real HTTP on loopback, read by the real adapters — Candor Quote Protocol,
the HTML rate table and the CSV rate sheet — and ranked by the real comparison service."""

import csv
import io
import json
from decimal import Decimal

import pytest
import requests

from app.comparison.api import load_result, replay, run_comparison
from app.db import db
from app.products import get_product_line
from providers.base import QuoteQuery
from providers.errors import ProviderDeclined
from providers.registry import ProviderRegistry
from providers.sandbox.lenders import mortgage_lenders, published_rows
from providers.testing.faults import quote_app
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.conftest import make_app
from tests.factories import mortgage_profile, mortgage_terms

line = get_product_line("mortgage")
LENDERS = {spec.key: spec for spec in mortgage_lenders()}


def _notes(result):
    return line.cost_over_time(result).notes


def _chart(result):
    return line.cost_over_time(result).chart


@pytest.fixture(scope="module")
def lenders(market):
    """A registry of the market's mortgage lenders only, as the providers file names them."""
    registry = ProviderRegistry.from_entries([entry for entry in market.provider_entries() if entry["key"] in LENDERS])
    yield registry
    registry.close()


def ask(registry: ProviderRegistry, key: str, profile: dict):
    config = next(config for config in registry.configs if config.key == key)
    return registry.adapter(config).fetch_quotes(QuoteQuery("mortgage", profile, "test-request"), timeout_s=3)


def compare(registry: ProviderRegistry, profile: dict, **preferences) -> dict:
    entry = run_comparison(db.session, registry, line, profile, preferences=preferences, channel="web")
    db.session.commit()
    return load_result(db.session, entry.reference)


@pytest.fixture(scope="module")
def compared(market, lenders, tmp_path_factory):
    """compared(**profile changes) -> the logged result of a comparison, run once per profile on an
    app of this module's own (what is compared does not depend on the database; the logging and
    replay test below runs on every test database)."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('mortgage-market') / 'candor.sqlite3'}", [])
    results: dict[str, dict] = {}

    def run(**changes) -> dict:
        key = json.dumps(changes, sort_keys=True)
        if key not in results:
            with app.app_context():
                results[key] = compare(lenders, mortgage_profile(**changes))
        return results[key]

    yield run
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_market_has_six_lenders_that_publish_three_ways(market):
    entries = {entry["key"]: entry for entry in market.provider_entries() if "mortgage" in entry["products"]}
    assert set(entries) == set(LENDERS) and len(entries) >= 6
    adapters = [entry["adapter"] for entry in entries.values()]
    assert adapters.count("html_rate_table") >= 2 and adapters.count("rate_sheet") >= 1
    assert [key for key, entry in entries.items() if entry["house"]] == ["harbor_home"]


def test_the_lenders_entries_survive_the_providers_file(market, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(market.providers_toml(), encoding="utf-8")
    registry = ProviderRegistry.from_file(path)
    try:
        configs = [config for config in registry.configs if config.key in LENDERS]
        assert len(configs) == len(LENDERS)
        for config in configs:
            assert registry.adapter(config).config == config  # each adapter accepts its settings
    finally:
        registry.close()


@pytest.mark.parametrize("key", sorted(LENDERS))
def test_every_lender_quotes_the_example_buyer_through_its_adapter(lenders, key):
    quotes = ask(lenders, key, mortgage_profile(max_points="3"))
    assert quotes, f"{key} made no offer"
    for quote in quotes:
        assert quote.product == "mortgage" and quote.currency == "USD"
        terms = line.parse_terms(quote.terms)  # every offer fits the schema Candor publishes
        assert line.assess(terms, mortgage_profile(max_points="3")).exclusion is None


def test_a_rate_page_becomes_the_rows_for_this_buyer_only(lenders):
    profile = mortgage_profile(credit_score_band="680-699", term_years=15, years_expected=5, max_points="0.5")
    quotes = ask(lenders, "prairie_credit", profile)
    expected = [row for row in published_rows(LENDERS["prairie_credit"])
                if row["loan_type"] == "conventional" and row["term_years"] == 15 and row["score_from"] == 680
                and row["points"] <= Decimal("0.5")]
    assert len(quotes) == len(expected) == 2
    assert sorted(Decimal(q.terms["note_rate"]) for q in quotes) == sorted(row["rate"] for row in expected)
    assert {q.terms["service_score"] for q in quotes} == {LENDERS["prairie_credit"].service_score}
    assert all("apr" not in q.terms for q in quotes)  # the page's APRs are for another loan amount


def test_published_rates_do_not_cover_an_adjustable_rate_and_say_so(lenders):
    with pytest.raises(ProviderDeclined) as raised:
        ask(lenders, "maple_street", mortgage_profile(rate_type="arm_7_6"))
    assert raised.value.reason == "its published rates do not cover this loan"
    with pytest.raises(ProviderDeclined) as sheet:
        ask(lenders, "granite_funding", mortgage_profile(max_points="1"))
    assert sheet.value.reason == "its rate sheet does not cover this loan"
    arm = ask(lenders, "harbor_home", mortgage_profile(rate_type="arm_7_6"))
    assert arm and all(q.terms["adjustment"]["margin"] == "2.750" for q in arm)


def test_lenders_decline_buyers_outside_their_rules(lenders):
    with pytest.raises(ProviderDeclined) as raised:
        ask(lenders, "harbor_home", mortgage_profile(credit_score_band="580-619"))
    assert "credit score of at least 620" in raised.value.reason
    with pytest.raises(ProviderDeclined):
        ask(lenders, "keystone_mortgage", mortgage_profile(max_points="1"))


def test_a_quote_protocol_lender_checks_what_it_is_sent(market):
    url = market.urls["harbor_home"]
    reply = requests.post(f"{url}/quotes", json={"protocol": "candor-quote/1", "product": "mortgage",
                                                  "request_id": "r", "profile": {**mortgage_profile(), "term_years": 25,
                                                                                  "loan_amount": "900000.00"}}, timeout=5)
    assert reply.status_code == 400
    pointers = {error["pointer"] for error in reply.json()["errors"]}
    assert pointers == {"/profile/term_years", "/profile/loan_amount"}
    assert requests.post(f"{url}/quotes", data=b"\xff", timeout=5).status_code == 400
    assert requests.get(f"{url}/rates", timeout=5).status_code == 404  # it publishes no rate page


def test_published_rates_are_served_as_a_page_a_sheet_and_robots_allow_reading_them(market):
    page = requests.get(f"{market.urls['maple_street']}/rates", timeout=5)
    assert page.headers["Content-Type"].startswith("text/html") and 'table id="mortgage-rates"' in page.text
    robots = requests.get(f"{market.urls['maple_street']}/robots.txt", timeout=5)
    assert robots.text.startswith("User-agent: *")
    sheet = requests.get(f"{market.urls['granite_funding']}/rates.csv", timeout=5)
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert sheet.headers["Content-Type"].startswith("text/csv")
    assert len(rows) == len(published_rows(LENDERS["granite_funding"]))
    assert requests.post(f"{market.urls['granite_funding']}/quotes", json={}, timeout=5).status_code == 404


def test_short_and_long_stays_get_different_winners(compared):
    short = compared(years_expected=3, max_points="3")
    long = compared(years_expected=25, max_points="3")
    short_top, long_top = short["ranking"][0], long["ranking"][0]
    assert short_top["provider"] != long_top["provider"]
    assert (short_top["provider"], long_top["provider"]) == ("prairie_credit", "granite_funding")

    def figures(offer, result):
        terms = next(q["terms"] for p in result["providers"] for q in p["quotes"] if q["id"] == offer["quote_id"])
        return Decimal(terms["note_rate"]), Decimal(offer["facts"]["upfront"].strip("$").replace(",", ""))

    (short_rate, short_charges), (long_rate, long_charges) = figures(short_top, short), figures(long_top, long)
    # The short stay's winner pays less at closing for a higher rate; the long stay's buys the rate down.
    assert short_rate > long_rate and short_charges < long_charges
    # And the lowest APR is not the short stay's best fit.
    assert min(Decimal(offer["values"]["apr"]) for offer in short["ranking"]) < Decimal(short_top["values"]["apr"])


def test_a_short_stay_is_told_when_a_lower_rate_would_pay_back_and_our_loss_is_said(compared):
    result = compared(years_expected=3, max_points="3")
    notes = _notes(result)
    assert any(note.endswith("; you expect to stay 3.") and " only after " in note for note in notes)
    assert result["house"]["best"] is False
    # Both Prairie and we made two offers: each is named by its loan, and the price gap is over the buyer's 3 years.
    assert result["explanation"]["house_notice"].startswith(
        "Prairie Credit Union (30-year fixed, no points) fits you better than our offer (30-year fixed, no points)")
    assert result["explanation"]["house_notice"].endswith(" than ours over your 3 years.")
    chart = _chart(result)
    assert len(chart.series) == 4 and chart.crossings


def test_keystones_note_rate_passed_off_as_apr_is_flagged_and_ours_used(compared):
    result = compared(years_expected=25, max_points="3")
    keystone = [offer for offer in result["ranking"] + result["excluded"] if offer["provider"] == "keystone_mortgage"]
    assert keystone
    for offer in keystone:
        terms = next(q["terms"] for p in result["providers"] for q in p["quotes"] if q["id"] == offer["quote_id"])
        assert terms["apr"] == terms["note_rate"]
        assert "their quoted APR disagrees with ours" in offer["facts"]["apr_note"]
        assert Decimal(offer["facts"]["apr"].rstrip("%")) > Decimal(terms["apr"]) + Decimal("0.125")
    honest = [offer for offer in result["ranking"] if offer["provider"] == "harbor_home"]
    assert honest and all("disagrees" not in offer["facts"]["apr_note"] for offer in honest)


def test_a_logged_mortgage_recommendation_replays_identically(app, lenders):
    with app.app_context():
        result = compare(lenders, mortgage_profile(years_expected=5, max_points="3"))
        again = replay(line, result)
    assert [(o["provider"], o["quote_id"], o["score"]) for o in again["ranking"]] == \
           [(o["provider"], o["quote_id"], Decimal(o["score"])) for o in result["ranking"]]
    assert json.loads(json.dumps(again["excluded"], default=str)) == result["excluded"]


def test_a_payment_ceiling_leaves_out_the_offers_above_it(compared):
    result = compared(max_points="3", max_monthly_payment="2450.00")
    reasons = [item["reason"] for item in result["excluded"]]
    assert reasons and all(reason.startswith("Its monthly payment of $") and reason.endswith(
        "is more than the $2,450.00 you set.") for reason in reasons)
    assert all(Decimal(offer["values"]["monthly_payment"]) <= Decimal("2450.00") for offer in result["ranking"])


def test_lenders_are_never_told_the_buyers_payment_ceiling(app, loopback):
    """The ceiling ranks and excludes offers on our side; a lender is sent null in its place."""
    seen: list[dict] = []

    def terms(profile: dict) -> dict:
        seen.append(profile)
        return mortgage_terms()

    lender = loopback(quote_app(terms, product="mortgage"))
    registry = ProviderRegistry.from_entries([{"key": "lender", "name": "Lender", "adapter": "quote_protocol",
                                               "products": ["mortgage"], "url": lender.url, "quote_cache": False}])
    try:
        with app.app_context():
            result = compare(registry, mortgage_profile(max_monthly_payment="2450.00"))
    finally:
        registry.close()
    [sent] = seen
    assert "max_monthly_payment" in sent and sent["max_monthly_payment"] is None
    assert {key: value for key, value in sent.items() if key != "max_monthly_payment"} == \
           {key: value for key, value in mortgage_profile().items() if key != "max_monthly_payment"}
    assert result["profile"]["max_monthly_payment"] == "2450.00"  # logged as the customer gave it
    assert line.provider_profile(mortgage_profile(max_monthly_payment="1.00"))["max_monthly_payment"] is None
