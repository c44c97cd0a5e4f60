from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from app.api import OPERATIONS
from app.api.comparisons import REQUEST_SCHEMA, RESULT_SCHEMA
from app.api.openapi import build_document
from app.api.products import PRODUCTS_SCHEMA
from app.products import PRODUCT_LINES


def fetch(client: FlaskClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_openapi_3_1_with_a_bearer_scheme(client: FlaskClient) -> None:
    document = fetch(client)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearerToken"]["description"]}
    Draft202012Validator.check_schema(document["components"]["schemas"]["Problem"])


def test_every_api_route_is_documented_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    document = fetch(client)
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routed |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == routed


def test_the_document_carries_the_schemas_the_code_validates_and_answers_with(client: FlaskClient) -> None:
    paths = fetch(client)["paths"]
    create = paths["/api/v1/comparisons"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == REQUEST_SCHEMA
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == RESULT_SCHEMA
    assert paths["/api/v1/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == PRODUCTS_SCHEMA
    # Each line's own profile schema, with its example, is what a request's profile must match.
    embedded = [branch["then"]["properties"]["profile"] for branch in REQUEST_SCHEMA["allOf"]]
    for line in PRODUCT_LINES.values():
        assert any(schema["examples"] == line.profile_schema["examples"]
                   and schema["properties"] == line.profile_schema["properties"] for schema in embedded)
    assert build_document(OPERATIONS)["paths"]["/api/v1/comparisons"]["post"] == create


def test_access_and_problems_are_documented(client: FlaskClient) -> None:
    paths = fetch(client)["paths"]
    entries = paths["/api/v1/audit/entries"]["get"]
    assert entries["security"] == [{"bearerToken": []}]
    assert {"400", "401", "403"} <= set(entries["responses"])
    assert entries["responses"]["403"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert paths["/api/v1/audit/checkpoint"]["get"]["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}}
    create = paths["/api/v1/comparisons"]["post"]
    assert create["security"] == [{}, {"bearerToken": []}]
    assert {"201", "400", "401", "413", "415", "422", "429", "503"} <= set(create["responses"])
    assert paths["/api/v1/products"]["get"]["security"] == [{}]
