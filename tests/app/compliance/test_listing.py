"""The entries table names the recommended provider as the shopper saw it, and counts providers that
declined to quote apart from those that failed."""

from __future__ import annotations

import re

from tests.app.compliance.test_console import compare, logged, text


def row_of(page: str, index: int) -> str:
    start = page.index(f'href="/compliance/entries/{index}"')
    return page[start:page.index("</tr>", start)]


def test_a_row_shows_the_providers_name_and_declines_apart_from_failures(app, market, client_as):
    [index] = compare(app, market, at_fault_accidents_5y=3)  # Pioneer Casualty declines three accidents
    document = logged(app, index)
    kinds = [failure["kind"] for failure in document["failures"]]
    declined = kinds.count("declined")
    assert declined >= 1
    row = row_of(text(client_as("compliance").get("/compliance/")), index)
    recommended = next(offer for offer in document["ranking"] if offer["quote_id"] == document["recommended"]["quote_id"])
    assert f"<td>{recommended['provider_name']}</td>" in row
    assert f">{recommended['provider']}<" not in row  # the internal key is not what people read
    assert f'<span class="tag flag-declined">{declined} declined</span>' in row
    failed = len(kinds) - declined
    assert ("flag-failure" in row) == bool(failed)
    if failed:
        assert re.search(rf">{failed} failed<", row)
