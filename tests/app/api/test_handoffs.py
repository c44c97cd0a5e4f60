"""POST /api/v1/comparisons/{reference}/handoffs against the sandbox market: what it answers is
what the OpenAPI document says (checked by schemathesis from the served document), and its
problems are application/problem+json."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.app.api.conftest import example

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
