"""Reading Candor Quote Protocol v1 replies: the whole reply, then each quote on its own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from providers.base import Quote, QuoteQuery, UnusableQuote
from providers.errors import InvalidReply, ParseError, ProviderConfigError, ProviderDeclined
from providers.protocol import QUOTE_SCHEMA, REPLY_SCHEMA, REQUEST_SCHEMA, STATUS_SCHEMA
from providers.quote_protocol import QuoteProtocolAdapter, read_reply
from providers.registry import parse_provider_entries
from providers.testing.faults import quote_reply

DOCS = Path(__file__).resolve().parents[2] / "docs" / "provider-protocol.md"
TERMS = {"term_months": 12, "premium": "1212.50"}


def reply(**quote_changes: Any) -> dict[str, Any]:
    document = quote_reply(TERMS)
    document["quotes"][0].update(quote_changes)
    return document


def read(document: Any) -> list[Any]:
    return read_reply(json.dumps(document).encode() if not isinstance(document, bytes) else document)


def test_a_good_reply_gives_quotes_with_aware_expiry() -> None:
    [quote] = read(reply(url="https://acme.example/q/1"))
    assert isinstance(quote, Quote) and quote.valid_until.tzinfo is not None
    assert quote.terms == TERMS and quote.url == "https://acme.example/q/1"


def test_a_decline_carries_the_providers_words() -> None:
    with pytest.raises(ProviderDeclined) as caught:
        read({"quotes": [], "declined": {"reason": "  We do not insure\\ndrivers under 21.  "}})
    assert caught.value.message == "declined to quote: We do not insure\\ndrivers under 21."


@pytest.mark.parametrize(
    ("body", "error", "detail"),
    [
        (b'{"quotes": [', ParseError, "malformed JSON"),
        (b'{"quotes": [], "declined": {"reason": "caf\xe9"}}', ParseError, "not UTF-8"),
        (b'{"quotes": [], "x": NaN}', ParseError, "NaN"),
        (b'{"quotes": [], "x": "\\ud800"}', ParseError, "surrogate"),
        (b"[" * 100_000, ParseError, ""),
        (b'["quotes"]', InvalidReply, "reply"),
        (b'{"offers": []}', InvalidReply, "quotes"),
        (b'{"quotes": {}}', InvalidReply, "quotes"),
        (b'{"quotes": [], "declined": {"why": "no"}}', InvalidReply, "declined"),
        (json.dumps({"quotes": [reply()["quotes"][0]] * 21}).encode(), InvalidReply, "quotes"),
    ],
)
def test_a_reply_that_cannot_be_read_or_has_the_wrong_shape_fails_whole(body: bytes, error: type[Exception],
                                                                       detail: str) -> None:
    with pytest.raises(error) as caught:
        read(body)
    assert detail in (caught.value.detail or "")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": 7}, "id"),
        ({"valid_until": "tomorrow"}, "valid_until"),
        ({"valid_until": "2030-01-01T00:00:00"}, "valid_until"),
        ({"currency": "dollars"}, "currency"),
        ({"terms": "cheap"}, "terms"),
    ],
)
def test_one_unreadable_quote_does_not_cost_the_others(changes: dict[str, Any], field: str) -> None:
    document = reply()
    bad = {**document["quotes"][0], "id": "acme-bad", **changes}
    document["quotes"].append(bad)
    good, unusable = read(document)
    assert isinstance(good, Quote)
    assert isinstance(unusable, UnusableQuote) and unusable.field == field


def test_a_quote_without_an_id_is_named_by_the_missing_field() -> None:
    document = reply()
    del document["quotes"][0]["id"]
    [unusable] = read(document)
    assert unusable == UnusableQuote(None, "id", "'id' is a required property")


def test_numbers_are_read_exactly() -> None:
    [quote] = read(b'{"quotes": [{"id": "q", "product": "auto", "currency": "USD", "valid_until": "2030-01-01T00:00:00Z",'
                   b' "terms": {"premium": 1212.10, "count": 12345678901234567890}}]}')
    assert str(quote.terms["premium"]) == "1212.10"
    assert str(quote.terms["count"]) == "12345678901234567890"


def test_the_url_must_be_an_http_address() -> None:
    [quote] = read(reply(url="javascript:alert(1)"))
    assert quote.url is None


def test_the_request_carries_the_protocol_and_nothing_else() -> None:
    [config] = parse_provider_entries([{"key": "acme", "name": "Acme", "adapter": "quote_protocol",
                                        "products": ["auto"], "url": "http://acme.example/"}], origin="t")
    adapter = QuoteProtocolAdapter(config)
    assert adapter.endpoint == "http://acme.example/quotes"
    request = adapter.transform_query(QuoteQuery("auto", {"zip_code": "94110"}, "r-9"))
    assert request == {"protocol": "candor-quote/1", "product": "auto", "request_id": "r-9",
                       "profile": {"zip_code": "94110"}}
    adapter.close()


@pytest.mark.parametrize("options", [{}, {"url": "acme.example"}, {"url": "http://x", "timeout": 3}])
def test_bad_settings_are_refused(options: dict[str, Any]) -> None:
    [config] = parse_provider_entries([{"key": "acme", "name": "Acme", "adapter": "quote_protocol",
                                        "products": ["auto"], **options}], origin="t")
    with pytest.raises(ProviderConfigError):
        QuoteProtocolAdapter(config)


def test_the_documented_schemas_are_the_ones_in_use() -> None:
    blocks = [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", DOCS.read_text(encoding="utf-8"), re.S)]
    for schema in (REQUEST_SCHEMA, REPLY_SCHEMA, QUOTE_SCHEMA, STATUS_SCHEMA):
        assert schema in blocks, f"docs/provider-protocol.md is out of date for {schema['title']}"


@pytest.mark.parametrize("stated", ["binding", "indicative"])
def test_a_quote_says_how_firm_it_is(stated: str) -> None:
    [quote] = read(reply(firmness=stated))
    assert quote.firmness == stated


def test_a_quote_that_says_nothing_of_firmness_is_indicative_never_binding() -> None:
    document = reply()
    document["quotes"][0].pop("firmness", None)
    [quote] = read(document)
    assert quote.firmness == "indicative"


@pytest.mark.parametrize("claimed", ["estimate", "BINDING", "firm", 1, None])
def test_a_firmness_outside_the_protocol_makes_that_quote_unusable(claimed: Any) -> None:
    document = reply()
    document["quotes"].append({**document["quotes"][0], "id": "other", "firmness": claimed})
    good, unusable = read(document)
    assert isinstance(good, Quote)
    assert isinstance(unusable, UnusableQuote) and (unusable.id, unusable.field) == ("other", "firmness")
