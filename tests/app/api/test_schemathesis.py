"""schemathesis against the app in-process (WSGI), from the document the app itself serves: no
5xx, and every response matches the document (status code, content type, headers, schema).
Comparisons really ask the sandbox market; the audit routes get a compliance token and a log
with entries in it. Bounded so it runs in seconds."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.app.api.conftest import bearer, example, new_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 25


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_operation_answers_as_documented(app: Flask, mode: str) -> None:
    client = app.test_client()
    for product in ("auto", "mortgage"):  # entries, a tree to prove things about, references to read
        assert client.post("/api/v1/comparisons", json={"product": product, "profile": example(product)}).status_code == 201
    headers = bearer(new_token(app, "compliance"))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    generation_mode = schemathesis.GenerationMode.POSITIVE if mode == "positive" else schemathesis.GenerationMode.NEGATIVE
    document = client.get("/api/openapi.json").get_json()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8, [operation.label for operation in operations]
    for operation in operations:
        declared = document["paths"][operation.path][operation.method.lower()]
        if mode == "negative" and not ({"parameters", "requestBody"} & set(declared)):
            continue  # nothing to send wrong
        @given(case=operation.as_strategy(generation_mode=generation_mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers={**headers, **(case.headers or {})}, checks=CHECKS)

        check()


def test_successful_answers_match_the_document(app: Flask) -> None:
    """Generated profiles rarely pass every check a real one does, so the success responses are
    also checked from known-good requests."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    compliance = bearer(new_token(app, "compliance"))
    advisor = bearer(new_token(app, "advisor"))
    references = []
    for product in ("auto", "mortgage"):
        for headers in ({}, advisor):
            case = schema["/api/v1/comparisons"]["POST"].Case(
                body={"product": product, "profile": example(product), "preferences": {"preset": "balanced"}},
                media_type="application/json")
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            assert response.status_code == 201
            references.append(response.json()["reference"])
    for reference in references:
        for headers in ({}, compliance):
            case = schema["/api/v1/comparisons/{reference}"]["GET"].Case(path_parameters={"reference": reference})
            assert case.call_and_validate(headers=headers, checks=CHECKS).status_code == 200
    audit = [("/api/v1/audit/entries", {"start": 0, "limit": 10}),
             ("/api/v1/audit/checkpoint", None),
             ("/api/v1/audit/verifier-key", None),
             ("/api/v1/audit/proofs/inclusion", {"index": 1, "tree_size": 3}),
             ("/api/v1/audit/proofs/consistency", {"first": 1, "second": 3})]
    for path, query in audit:
        case = schema[path]["GET"].Case(query=query)
        assert case.call_and_validate(headers=compliance, checks=CHECKS).status_code == 200, path
    case = schema["/api/v1/products"]["GET"].Case()
    assert case.call_and_validate(checks=CHECKS).status_code == 200
