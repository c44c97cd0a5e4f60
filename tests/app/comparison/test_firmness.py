"""Every offer says how firm it is — binding, indicative, or our estimate from published rates —
beside its price on the page, in the API and in the log; a tag never promises more than the
provider said, and entries logged before firmness was recorded replay unchanged."""

from __future__ import annotations

import copy
import html
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.audit.canonical import loggable
from app.comparison.api import load_result, replay
from app.db import db
from app.formatting import FIRMNESS_TAGS
from app.products import get_product_line
from providers.sandbox.market import auto_insurers
from providers.sandbox.rate_page import auto_rate_pages
from tests.app.api.conftest import example
from tests.factories import auto_form

# What each sandbox insurer says; one that says nothing (a 1.0 provider) is read as indicative.
STATED = {spec.key: spec.firmness or "indicative" for spec in auto_insurers()}
STATED.update({spec.key: "estimate" for spec in auto_rate_pages()})


def compare_by_api(client: FlaskClient) -> dict[str, Any]:
    response = client.post("/api/v1/comparisons", json={"product": "auto", "profile": example("auto"),
                                                          "preferences": {"preset": "balanced"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_the_api_and_the_log_carry_what_each_provider_said(app: Flask, client: FlaskClient) -> None:
    body = compare_by_api(client)
    firmness = {item["provider"]: item["quote"]["firmness"] for item in body["ranking"]}
    assert firmness == {provider: STATED[provider] for provider in firmness}
    assert set(firmness.values()) == {"binding", "indicative", "estimate"}, "the market exercises every kind"
    with app.app_context():
        logged = load_result(db.session, body["reference"])
    assert logged is not None
    for record in logged["providers"]:
        assert {quote["firmness"] for quote in record["quotes"]} <= {STATED[record["provider"]]}


def test_the_tag_beside_each_price_is_what_the_log_says_and_firm_only_when_binding(
        app: Flask, client: FlaskClient) -> None:
    page = client.post("/compare/auto", data=auto_form(), follow_redirects=True).get_data(as_text=True)
    rows = re.findall(r'<tr class="offer[^"]*" data-provider="([^"]+)".*?</tr>', page, re.S)
    tags = {provider: (kind, words) for provider, kind, words in re.findall(
        r'<tr class="offer[^"]*" data-provider="([^"]+)"[^>]*>(?:(?!</tr>).)*?data-firmness="([^"]+)">([^<]+)</span>',
        page, re.S)}
    assert rows and set(tags) == set(rows)
    for provider, (kind, words) in tags.items():
        assert kind == STATED[provider]
        assert words == FIRMNESS_TAGS[kind]
        assert (words == "Firm price") == (kind == "binding")
    assert page.count("will honour this price as shown until") == list(STATED[p] for p in rows).count("binding")


def test_an_entry_logged_before_firmness_replays_identically_without_it(app: Flask, client: FlaskClient) -> None:
    body = compare_by_api(client)
    with app.app_context():
        logged = load_result(db.session, body["reference"])
    assert logged is not None
    older = copy.deepcopy(logged)
    for record in older["providers"]:
        for quote in record["quotes"]:
            del quote["firmness"]
    for item in older["ranking"]:
        del item["firmness"]
    replayed = json.loads(json.dumps(loggable(replay(get_product_line("auto"), older))))
    assert replayed["ranking"] == json.loads(json.dumps(loggable(older["ranking"])))
    assert all("firmness" not in item for item in replayed["ranking"])


def test_the_receipt_says_once_how_firm_each_price_is(app: Flask, client: FlaskClient) -> None:
    results = client.post("/compare/auto", data=auto_form())
    reference = results.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.get(f"/results/{reference}/receipt").get_data(as_text=True)
    summary = re.search(r"<p class=\"firmness-summary\" data-firmness-summary>(.*?)</p>", page, re.S)
    assert summary is not None
    listed = dict(re.findall(r"<strong>([^<]+)</strong> \(([^)]+)\)", html.unescape(summary[1])))
    ranked = re.findall(r'<tr class="offer[^"]*" data-provider="([^"]+)"', page)
    names = {spec.key: spec.name for spec in [*auto_insurers(), *auto_rate_pages()]}
    for provider in ranked:
        assert names[provider] in listed[FIRMNESS_TAGS[STATED[provider]]].split(", ")
