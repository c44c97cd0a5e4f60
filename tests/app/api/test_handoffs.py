"""POST /api/v1/comparisons/{reference}/handoffs against the sandbox market: what it answers is
what the OpenAPI document says (checked by schemathesis from the served document), and its
problems are application/problem+json."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.app.api.conftest import example
from tests.conftest import FAST_MARKET, make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PATH = "/api/v1/comparisons/{reference}/handoffs"


def _comparison(client: FlaskClient) -> dict[str, Any]:
    answer = client.post("/api/v1/comparisons", json={"product": "auto", "profile": example("auto")})
    assert answer.status_code == 201
    return answer.get_json()


def _offer(document: dict[str, Any], provider: str) -> dict[str, str]:
    item = next(item for item in document["ranking"] if item["provider"] == provider)
    return {"provider": provider, "quote_id": item["quote"]["id"]}


def test_a_handoff_answers_with_where_to_send_the_customer_as_documented(app: Flask, client: FlaskClient) -> None:
    comparison = _comparison(client)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    case = schema[PATH]["POST"].Case(path_parameters={"reference": comparison["reference"]},
                                     body={"offer": _offer(comparison, "harbor")}, media_type="application/json")
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 201
    answer = response.json()
    harbor = next(item for item in comparison["ranking"] if item["provider"] == "harbor")
    assert answer["status"] == "handed_off" and answer["changed"] is False
    assert answer["url"] == harbor["quote"]["url"] and answer["checked_by"] == "status"
    assert answer["offer"]["firmness"] == "binding" and answer["offer"]["rank"] == harbor["rank"]
    assert answer["audit"]["index"] > comparison["audit"]["index"]


def test_problems_say_what_is_wrong(client: FlaskClient) -> None:
    comparison = _comparison(client)
    url = f"/api/v1/comparisons/{comparison['reference']}/handoffs"
    unknown = client.post("/api/v1/comparisons/CND-0000-0000/handoffs", json={"offer": _offer(comparison, "harbor")})
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    wrong = client.post(url, json={"offer": {"provider": "harbor"}})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["pointer"] == "/offer"
    assert client.post(url, data="offer", content_type="text/plain").status_code == 415
    missing = client.post(url, json={"offer": {"provider": "harbor", "quote_id": "harbor-gone"}})
    assert missing.status_code == 404 and "not in this comparison" in missing.get_json()["detail"]


class _Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def drifting(database_url: str) -> Iterator[tuple[Flask, _Clock]]:
    """A market of its own whose clock a test moves on; Harbor re-quotes 20% dearer, Summit's quotes hold 2 s."""
    clock = _Clock()
    overrides = {**FAST_MARKET, "harbor": {"requote_markup_percent": 20.0}, "summit": {"quote_validity_s": 2.0}}
    with SandboxMarket(overrides=overrides, clock=clock) as market:
        application = make_app(database_url, market.provider_entries())
        yield application, clock
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _validated(app: Flask, reference: str, body: dict[str, Any]) -> dict[str, Any]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    case = schema[PATH]["POST"].Case(path_parameters={"reference": reference}, body=body,
                                     media_type="application/json")
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 201
    return response.json()


def test_a_changed_quote_answers_with_the_re_ranking_as_documented(drifting: tuple[Flask, _Clock]) -> None:
    app, clock = drifting
    client = app.test_client()
    answer = client.post("/api/v1/comparisons", json={"product": "auto", "profile": example("auto"),
                                                      "preferences": {"preset": "lowest_cost"}})
    assert answer.status_code == 201
    comparison = answer.get_json()
    harbor = next(item for item in comparison["ranking"] if item["provider"] == "harbor")
    assert harbor["rank"] == 1  # first on "Lowest cost" in this market, until it re-quotes dearer
    clock.offset = timedelta(hours=1)  # Harbor's quote lapsed on Harbor's side: it quotes again, dearer
    reply = _validated(app, comparison["reference"], {"offer": _offer(comparison, "harbor")})
    assert reply["status"] == "changed" and reply["url"] is None and reply["reissue"] is None
    reranked = reply["reranked"]
    assert reranked["chosen"]["previous_rank"] == harbor["rank"] and reranked["replaces"] == harbor["quote"]["id"]
    assert reranked["chosen"]["quote_id"] == reply["current"]["quote_id"]
    assert [row["rank"] for row in reranked["rows"]] == sorted(row["rank"] for row in reranked["rows"])
    [requoted] = [row for row in reranked["rows"] if row["requoted"]]
    assert requoted["rank"] == reranked["chosen"]["rank"] and requoted["price"] == reply["current"]["price"]
    assert reranked["chosen"]["rank"] > 1 and reranked["best"]["provider"] == reranked["rows"][0]["provider"]
    assert reranked["sentence"].endswith(f"— {reranked['best']['provider_name']} is now the best fit.")
    then = client.post(f"/api/v1/comparisons/{comparison['reference']}/handoffs",
                       json={"offer": {"provider": "harbor", "quote_id": reply["current"]["quote_id"]},
                             "requote_index": reply["requote_index"]})
    assert then.status_code == 201 and then.get_json()["status"] == "handed_off"


def test_an_expired_quote_re_issued_unchanged_answers_reissued_as_documented(drifting: tuple[Flask, _Clock]) -> None:
    app, _ = drifting
    comparison = _comparison(app.test_client())
    time.sleep(3.2)  # Summit's quote is past its valid_until
    reply = _validated(app, comparison["reference"], {"offer": _offer(comparison, "summit")})
    assert reply["status"] == "reissued" and reply["changed"] is False and reply["url"] is None
    assert reply["reranked"] is None and reply["audit"] is None
    assert reply["reissue"].startswith("Summit General’s quote had expired at ")
    assert f"re-issued it unchanged at {reply['current']['price']} per year, valid until " in reply["reissue"]
