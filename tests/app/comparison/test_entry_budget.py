"""A whole log entry stays within its per-comparison budget whatever providers send (issue 14, item 3):
every provider the file may configure sending the largest reply we accept, against real servers on
loopback; each provider compares an even share of offers, and the surplus is told and logged."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.audit.canonical import canonical_json, loggable
from app.comparison import bounds
from app.comparison.service import load_result, replay
from app.comparison.settle import logged_quote
from app.db import db
from app.products import get_product_line
from providers.base import Quote
from providers.errors import ProvidersFileError
from providers.registry import load_providers_file, parse_provider_entries
from providers.sandbox.market import toml_value
from providers.settings import MAX_PROVIDERS_PER_LINE
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.app.comparison.test_provider_content import (  # noqa: F401 - pytest fixtures
    logged,
    protocol_quote,
    provider,
    reply_body,
    serve,
    shop,
    site,
)
from tests.conftest import make_app
from tests.factories import mortgage_form

AUTO = get_product_line("auto")


def largest_offer(provider_key: str, number: int) -> dict[str, Any]:
    """A usable offer with the longest id and link we accept and the longest terms the schema allows
    (it allows no other terms: a plug-in adapter's extra terms are refused the same way)."""
    quote_id = f"{provider_key}-{number:02d}-".ljust(bounds.MAX_QUOTE_ID_CHARS, "i")
    terms = {"premium": f"{24000 + number}.99", "liability_limits": "1000/3000/1000", "complaint_index": "4.99",
             "comprehensive_deductible": "2500.00", "collision_deductible": "2500.00", "claims_satisfaction": 1000}
    offer = {**protocol_quote(quote_id, **terms), "url": "https://insurer.example/".ljust(bounds.MAX_URL_CHARS, "u")}
    assert len(canonical_json(logged_quote(Quote(offer["id"], "auto", "USD", datetime.now(timezone.utc),
                                                 offer["terms"], offer["url"])))) <= bounds.QUOTE_BUDGET_BYTES
    return offer


def unusable_offer(provider_key: str, number: int) -> dict[str, Any]:
    """An offer the schema refuses, with the longest id we list and a complaint quoting a long value."""
    quote_id = f"{provider_key}-bad-{number:02d}-".ljust(bounds.MAX_QUOTE_ID_CHARS, "b")
    return protocol_quote(quote_id, financial_strength="Z" * 400)


def largest_reply(provider_key: str, usable: int) -> bytes:
    """The most offers one reply may hold: `usable` of the largest usable ones, then unusable ones."""
    offers = [largest_offer(provider_key, n) for n in range(usable)]
    offers += [unusable_offer(provider_key, n) for n in range(bounds.MAX_OFFERS_PER_PROVIDER - usable)]
    return reply_body(offers)


@pytest.fixture
def only(database_url: str) -> Iterator[Callable[[list[dict[str, Any]]], Flask]]:
    """only(providers) -> the app with exactly these providers."""
    made: list[Flask] = []

    def build(entries: list[dict[str, Any]]) -> Flask:
        made.append(make_app(database_url, entries))
        return made[-1]

    yield build
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("providers_asked", [MAX_PROVIDERS_PER_LINE, 6])
def test_every_provider_sending_the_largest_reply_stays_within_the_entry_budget(only, serve,
                                                                              providers_asked: int) -> None:
    share = bounds.offers_compared_share(providers_asked)
    usable = share + 3
    keys = [f"p{n}" for n in range(providers_asked)]
    entries = [{**provider(key, serve(largest_reply(key, usable))), "house": key == "p0"} for key in keys]
    application = only(entries)
    client, location, reference = shop(application)
    entry = logged(application, reference)
    print(f"{providers_asked} providers each sending {bounds.MAX_OFFERS_PER_PROVIDER} of the largest offers: "
          f"{len(entry.leaf):,} bytes stored ({share} compared from each)")
    assert len(entry.leaf) <= bounds.ENTRY_BUDGET_BYTES, f"{len(entry.leaf):,} bytes logged"
    with application.app_context():
        result = load_result(db.session, reference)
    for record in result["providers"]:
        assert len(record["quotes"]) == share and record["offers_not_compared"] == usable - share, record["provider"]
        assert len(record["invalid_quotes"]) == bounds.unusable_listed_share(providers_asked)
        assert len(record["invalid_quotes"]) + record["invalid_quotes_not_listed"] == 20 - share
    assert len(result["ranking"]) + len(result["excluded"]) == providers_asked * share
    page = client.get(location).get_data(as_text=True)
    at_most = "1 offer" if share == 1 else f"{share} offers"
    surplus = f"sent 3 offers we did not compare: we compare at most {at_most} from one provider in one comparison."
    unusable = f"sent {20 - usable} offers we could not use."
    for key in keys:
        named = f"{key.title()} Insurance</strong>" + (" (our offer)" if key == "p0" else "")
        assert f"{named} {surplus}" in page and f"{named} {unusable}" in page
    replayed = replay(AUTO, result)
    for part in ("providers", "ranking", "excluded", "failures", "recommended"):
        assert json.loads(json.dumps(loggable(replayed[part]))) == result[part], part


def test_ordinary_comparisons_compare_every_sandbox_offer_well_within_the_budget(site) -> None:
    application = site([])
    client, _, auto_reference = shop(application)
    location = client.post("/compare/mortgage", data=mortgage_form(max_points=3)).headers["Location"]
    mortgage_reference = re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]
    for line, reference in (("auto", auto_reference), ("mortgage", mortgage_reference)):
        entry = logged(application, reference)
        with application.app_context():
            result = load_result(db.session, reference)
        offers = sum(len(record["quotes"]) for record in result["providers"])
        print(f"an ordinary {line} comparison: {len(entry.leaf):,} bytes stored ({offers} offers compared)")
        assert len(entry.leaf) < bounds.ENTRY_BUDGET_BYTES * 3 // 4
        for record in result["providers"]:
            assert record["offers_not_compared"] == 0 and record["invalid_quotes"] == [], record["provider"]
        assert not any(failure["kind"] == "not_compared" for failure in result["failures"])
        assert offers == len(result["ranking"]) + len(result["excluded"])


def test_a_providers_file_with_too_many_providers_for_a_line_is_refused(tmp_path: Path) -> None:
    entries = [provider(f"p{n}", "https://insurer.example/quotes") for n in range(MAX_PROVIDERS_PER_LINE + 1)]
    assert len(parse_provider_entries(entries[:-1], origin="test")) == MAX_PROVIDERS_PER_LINE
    with pytest.raises(ProvidersFileError, match=f"test: {MAX_PROVIDERS_PER_LINE + 1} providers quote for the "
                                                 f"'auto' line .*; at most {MAX_PROVIDERS_PER_LINE} may"):
        parse_provider_entries(entries, origin="test")
    path = tmp_path / "providers.toml"
    path.write_text("".join("[[provider]]\n" + "".join(f"{name} = {toml_value(value)}\n"
                                                      for name, value in entry.items() if value is not None)
                            for entry in entries), encoding="utf-8")
    with pytest.raises(ProvidersFileError, match=f"{re.escape(str(path))}: .*'auto' line"):
        load_providers_file(path)
