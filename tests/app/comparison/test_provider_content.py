"""What a provider's reply may put into the log and before the shopper (issue 14, items 3, 4, 5
and 10): a byte budget whatever is sent, one verdict per quote id on every surface, implausible
offers set aside, and a provider's own words kept for staff. Real providers on loopback."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.audit.canonical import loggable
from app.audit.log import document
from app.audit.models import AuditEntry
import providers
from app.comparison import bounds
from app.comparison.fetch import ProviderOutcome
from app.comparison.api import build_result, load_result, replay, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from providers.base import Adapter, Offer, ProviderConfig, Quote, QuoteQuery
from providers.http import Deadline, HttpClient
from providers.protocol import read_json
from providers.registry import BUILTIN_KINDS, ProviderRegistry, parse_provider_entries
from providers.sandbox.market import SandboxMarket
from providers.testing.faults import static_app
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.conftest import add_user, sign_in
from tests.factories import auto_form, auto_profile

ENTRY_BUDGET_BYTES = 64 * 1024
LARGE_REPLY_CAP = 16 * 1024 * 1024
EXAMPLE_TERMS = TERMS_SCHEMA["examples"][0]
AUTO = get_product_line("auto")


def _valid_until() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def protocol_quote(quote_id: str, **terms: Any) -> dict[str, Any]:
    return {"id": quote_id, "product": "auto", "currency": "USD", "valid_until": _valid_until(),
            "terms": {**EXAMPLE_TERMS, **terms}, "url": None}


def reply_body(quotes: Sequence[dict[str, Any]], declined: str | None = None) -> bytes:
    return json.dumps({"quotes": list(quotes), "declined": None if declined is None else {"reason": declined}}).encode()


def provider(key: str, url: str, **options: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title() + " Insurance", "adapter": "quote_protocol", "products": ["auto"],
            "timeout_s": 3.0, "commission": "", "url": url, **options}


def logged(app: Flask, reference: str) -> AuditEntry:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)).one()


def logged_provider(entry: AuditEntry, key: str) -> dict[str, Any]:
    return next(p for p in document(entry)["providers"] if p["provider"] == key)


@pytest.fixture
def serve(loopback: Callable[..., Any]) -> Callable[[bytes], str]:
    return lambda body: loopback(static_app(body)).url


@pytest.fixture
def site(make_apps: Callable[..., Flask], market: SandboxMarket) -> Callable[[list[dict[str, Any]]], Flask]:
    """site(extra providers) -> the app with the sandbox market's providers and these."""
    return lambda extra: make_apps([*market.provider_entries(), *extra])


def shop(application: Flask) -> tuple[FlaskClient, str, str]:
    """A shopper's comparison through the site: (client, results location, reference)."""
    client = application.test_client()
    location = client.post("/compare/auto", data=auto_form()).headers["Location"]
    reference = re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]
    return client, location, reference


# --- 14.3: what a reply may put into the log ----------------------------------------------------


def test_a_flood_of_quotes_and_ten_megabytes_of_padding_stay_out_of_the_log(site, serve) -> None:
    flood = reply_body([protocol_quote(f"flood-{n}") for n in range(5000)])
    padding = "x" * (10 * 1024 * 1024)
    padded = reply_body([protocol_quote("padded-1", padding=padding)])
    application = site([provider("flood", serve(flood), max_reply_bytes=LARGE_REPLY_CAP),
                        provider("padded", serve(padded), max_reply_bytes=LARGE_REPLY_CAP)])
    client, location, reference = shop(application)
    entry = logged(application, reference)
    print(f"the 8 insurers with a flood of quotes and 10 MB of padding beside them: {len(entry.leaf):,} bytes")
    assert len(entry.leaf) < ENTRY_BUDGET_BYTES, f"{len(entry.leaf):,} bytes logged"
    page = client.get(location).get_data(as_text=True)
    assert "Flood Insurance</strong> sent a reply of the wrong shape." in page
    assert "Padded Insurance</strong> sent an offer we could not use." in page
    assert logged_provider(entry, "flood")["failure"]["kind"] == "invalid_reply"
    padded_record = logged_provider(entry, "padded")
    assert padded_record["quotes"] == [] and padded_record["invalid_quotes"][0]["field"] == "terms"
    assert padded_record["reply"] == {"bytes": len(padded), "sha256": hashlib.sha256(padded).hexdigest()}


def test_an_ordinary_comparison_is_well_within_the_budget_and_records_each_reply(site) -> None:
    application = site([])
    _, _, reference = shop(application)
    entry = logged(application, reference)
    print(f"an ordinary 8-insurer comparison logs {len(entry.leaf):,} bytes")
    assert len(entry.leaf) < ENTRY_BUDGET_BYTES // 2
    records = document(entry)["providers"]
    assert len(records) == 8
    for record in records:
        if record["outcome"] == "quoted" and not record["cached"]:
            assert record["reply"]["bytes"] > 0 and re.fullmatch("[0-9a-f]{64}", record["reply"]["sha256"])


def test_every_offer_a_provider_may_send_stays_within_its_share(site, serve) -> None:
    """Twenty usable offers (the most one reply may hold) with the longest ids and links we accept:
    the first are compared, up to the provider's share, the rest named as more than we compare."""
    quotes = [{**protocol_quote(f"{n:03d}" + "i" * (bounds.MAX_QUOTE_ID_CHARS - 3)),
               "url": "https://insurer.example/".ljust(bounds.MAX_URL_CHARS, "u")} for n in range(20)]
    application = site([provider("bulky", serve(reply_body(quotes)))])
    _, _, reference = shop(application)
    entry = logged(application, reference)
    record = logged_provider(entry, "bulky")
    share = bounds.offers_compared_share(9)
    assert len(record["quotes"]) == share and len(record["invalid_quotes"]) + record["invalid_quotes_not_listed"] == 20 - share
    print(f"with twenty of the largest offers from one insurer: {len(entry.leaf):,} bytes")
    assert len(entry.leaf) < ENTRY_BUDGET_BYTES, f"{len(entry.leaf):,} bytes logged"


class BulkAdapter(Adapter[str, bytes]):
    """A plug-in adapter that hands on every offer its provider lists, however many."""

    kind = "bulk"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.http = HttpClient(max_reply_bytes=LARGE_REPLY_CAP)

    def transform_query(self, query: QuoteQuery) -> str:
        return str(self.config.options["url"])

    def extract(self, request: str, *, timeout_s: float) -> bytes:
        return self.http.get(request, deadline=Deadline.after(timeout_s), accept=("application/json",)).body

    def transform_data(self, raw: bytes, query: QuoteQuery) -> list[Offer]:
        return [Quote(item["id"], item["product"], item["currency"],
                      datetime.fromisoformat(item["valid_until"].replace("Z", "+00:00")), item["terms"])
                for item in read_json(raw)["quotes"]]

    def close(self) -> None:
        self.http.close()


def test_a_plug_in_handing_on_five_thousand_offers_fails_that_provider_only(app: Flask, market: SandboxMarket,
                                                                             serve) -> None:
    flood = reply_body([protocol_quote(f"flood-{n}") for n in range(5000)])
    entries = [*market.provider_entries(), {**provider("flood", serve(flood)), "adapter": "bulk"}]
    registry = ProviderRegistry(parse_provider_entries(entries, origin="test"), {**BUILTIN_KINDS, "bulk": BulkAdapter})
    with app.app_context():
        entry = run_comparison(db.session, registry, AUTO, auto_profile(), preferences={}, channel="web", deadline_s=4)
        db.session.commit()
        result = load_result(db.session, entry.reference)
    registry.close()
    assert len(entry.leaf) < ENTRY_BUDGET_BYTES, f"{len(entry.leaf):,} bytes logged"
    failure = next(f for f in result["failures"] if f["provider"] == "flood")
    assert (failure["kind"], failure["message"]) == ("too_large", "sent more offers than we accept")
    record = next(p for p in result["providers"] if p["provider"] == "flood")
    assert record["failure"]["detail"] == "5,000 offers; we accept at most 20" and record["quotes"] == []
    assert record["reply"] == {"bytes": len(flood), "sha256": hashlib.sha256(flood).hexdigest()}
    assert result["ranking"], "the other insurers are still ranked"


# --- 14.4: one verdict per quote id, on every surface ----------------------------------------------


def test_the_first_usable_offer_with_an_id_is_the_offer_everywhere(site, serve) -> None:
    twins = reply_body([protocol_quote("twin-1", premium="1250.00") | {"currency": "EUR"},
                        protocol_quote("twin-1", premium="1250.00"),
                        protocol_quote("twin-1", premium="400.00")])
    application = site([provider("twin", serve(twins))])
    client, location, reference = shop(application)
    page = client.get(location).get_data(as_text=True)
    assert "$1,250.00" in page and "$400.00" not in page
    api = client.get(f"/api/v1/comparisons/{reference}").get_json()
    [offer] = [o for o in api["ranking"] if o["provider"] == "twin"]
    assert (offer["quote"]["id"], offer["quote"]["terms"]["premium"]) == ("twin-1", "1250.00")
    assert [f["message"] for f in api["failures"] if f["provider"] == "twin"] == ["sent 2 offers we could not use"]
    record = logged_provider(logged(application, reference), "twin")
    assert [(q["id"], q["terms"]["premium"]) for q in record["quotes"]] == [("twin-1", "1250.00")]
    assert [(q["field"], "sent twice" in q["problem"]) for q in record["invalid_quotes"]] == [("currency", False),
                                                                                            ("id", True)]
    with application.app_context():
        result = load_result(db.session, reference)
    replayed = replay(AUTO, result)
    for key in ("providers", "ranking", "excluded", "failures", "recommended"):
        assert json.loads(json.dumps(loggable(replayed[key]))) == result[key], key


# --- 14.5: implausible offers are set aside, scores are shown out of 100 ---------------------------


def test_a_one_cent_premium_is_set_aside_as_implausible_not_ranked_first(site, serve) -> None:
    application = site([provider("penny", serve(reply_body([protocol_quote("penny-1", premium="0.01")])))])
    client, location, reference = shop(application)
    page = client.get(location).get_data(as_text=True)
    reason = "Implausible — not ranked: its price per year of $0.01 is too low to be a real offer."
    assert f"<strong>Penny Insurance</strong>: {reason}" in page
    with application.app_context():
        result = load_result(db.session, reference)
    assert "penny" not in {offer["provider"] for offer in result["ranking"]}
    assert [e["reason"] for e in result["excluded"] if e["provider"] == "penny"] == [reason]
    methodology = client.get("/methodology/auto").get_data(as_text=True)
    assert "price per year: from $100.00 to $50,000.00" in methodology


# --- 14.10: a provider's words are for staff --------------------------------------------------------

PROVIDER_WORDS = ("555-0100", "evil.example")


def test_a_providers_own_words_reach_staff_never_the_shopper(site, serve) -> None:
    decline = reply_body([], declined="Call 555-0100 <b>now</b> for a better price at evil.example")
    loud = reply_body([protocol_quote("loud-1", financial_strength="BUY AT evil.example"),
                       protocol_quote("loud-2")])
    application = site([provider("chatty", serve(decline)), provider("loud", serve(loud))])
    client, location, reference = shop(application)
    results = client.get(location).get_data(as_text=True)
    assert "Chatty Insurance</strong> declined to quote." in results
    assert "Loud Insurance</strong> sent an offer we could not use." in results
    receipt = client.get(f"{location.split('?')[0]}/receipt{location[len(location.split('?')[0]):]}")
    api = client.get(f"/api/v1/comparisons/{reference}").get_json()
    advisor = sign_in(application.test_client(), add_user(application, "adviser@example.com", "advisor"))
    call = advisor.get(f"/advisor/calls/{reference}")
    assert receipt.status_code == 200 and call.status_code == 200
    for shown in (results, receipt.get_data(as_text=True), json.dumps(api["failures"]), call.get_data(as_text=True)):
        assert not any(words in shown for words in PROVIDER_WORDS)
    assert {(f["provider"], f["message"]) for f in api["failures"]} >= {("chatty", "declined to quote"),
                                                                         ("loud", "sent an offer we could not use")}
    officer = sign_in(application.test_client(), add_user(application, "officer@example.com", "compliance"))
    entry = logged(application, reference)
    staff = officer.get(f"/compliance/entries/{entry.index}").get_data(as_text=True)
    assert "Call 555-0100 &lt;b&gt;now&lt;/b&gt; for a better price at evil.example" in staff
    assert "BUY AT evil.example" in staff


NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
PRESETS_AND_EXTREMES = [preset.weights for preset in AUTO.presets] + [
    {key: Decimal(100 if key == "claims_satisfaction" else 0) for key in AUTO.presets[0].weights},
    {key: Decimal(100 if key == "complaint_index" else 0) for key in AUTO.presets[0].weights},
]


@st.composite
def plausible_terms(draw: st.DrawFn) -> dict[str, Any]:
    """Any terms the schema and the plausible ranges let through, out to the ends of every range."""
    term_months = draw(st.sampled_from([6, 12]))
    annual = draw(st.integers(100_00, 50_000_00))
    return {**EXAMPLE_TERMS, "term_months": term_months, "premium": str(Decimal(annual * term_months // 12) / 100),
            "claims_satisfaction": draw(st.integers(0, 1000)),
            "complaint_index": str(Decimal(draw(st.integers(0, 1000))) / 100),
            "financial_strength": draw(st.sampled_from(["A++", "B", "C"])),
            "comprehensive_deductible": draw(st.sampled_from(["0", "250", "500"])),
            "collision_deductible": draw(st.sampled_from(["0", "250", "500"]))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plausible_terms(), min_size=1, max_size=6), st.sampled_from(PRESETS_AND_EXTREMES))
@example([{**EXAMPLE_TERMS, "claims_satisfaction": 1000, "complaint_index": "0"}], PRESETS_AND_EXTREMES[-2])
@example([{**EXAMPLE_TERMS, "complaint_index": "10.00"}], PRESETS_AND_EXTREMES[-1])
def test_every_shown_score_is_out_of_100(offers: list[dict[str, Any]], weights: dict[str, Decimal]) -> None:
    config = ProviderConfig(key="p", name="P", adapter="quote_protocol", products=("auto",))
    quotes: list[Offer] = [Quote(f"q{n}", "auto", "USD", NOW + timedelta(days=1), terms) for n, terms in enumerate(offers)]
    result = build_result(AUTO, auto_profile(comprehensive=False, collision=False), [ProviderOutcome(config, "r", quotes)],
                          preset="custom", weights=weights, now=NOW, deadline_s=3)
    assert result["ranking"]
    for offer in result["ranking"]:
        assert Decimal(0) <= offer["shown_score"] <= Decimal(100), offer["shown_score"]
    said = " ".join([*result["explanation"]["top_reasons"], *(why for offer in result["ranking"] for why in offer["why"])])
    for score in re.findall(r"(-?[\d.]+) (?:out of 100|points out of 100)", said):
        assert Decimal(0) <= Decimal(score) <= Decimal(100), said


BUILT_IN_MESSAGE = re.compile(r'(?:raise|return) (?!ValueError|TypeError)[A-Z][A-Za-z]*\(\s*"([^"{]+)"|message: str = "([^"]+)"')


def test_every_message_our_own_adapters_fail_with_reaches_the_shopper_as_written() -> None:
    """The shopper reads a failure's message only when it is one of ours (bounds.OUR_MESSAGES); one
    our adapters use but the list forgot would be replaced by coarser words for its kind."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in Path(providers.__file__).parent.glob("*.py"))
    used = {match[0] or match[1] for match in BUILT_IN_MESSAGE.findall(sources)}
    failures = {text for text in used if not text[:1].isupper() and " " in text.strip()}
    assert "had a problem on its side" in failures and "sent a reply of the wrong shape" in failures
    assert failures <= bounds.OUR_MESSAGES, sorted(failures - bounds.OUR_MESSAGES)


@given(st.text())
def test_capped_text_is_one_short_line_and_capping_again_changes_nothing(text: str) -> None:
    once = bounds.capped(text)
    assert once is not None and len(once) <= bounds.STAFF_TEXT_CHARS and "\n" not in once and "\x1b" not in once
    assert bounds.capped(once) == once
