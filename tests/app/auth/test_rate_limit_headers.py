"""Rate limits ask the store once per request: answers within a limit carry no X-RateLimit headers
(writing them cost a second call to Redis on every comparison), and a refusal still says when to
come back, on the pages and in the API."""

from __future__ import annotations

from providers.sandbox.sample_profiles import example_auto_profile
from tests.factories import auto_form


def test_an_answer_within_the_limit_carries_no_rate_limit_headers(configured_app):
    client = configured_app(CANDOR_COMPARISON_RATE_LIMIT="5 per minute").test_client()
    answer = client.post("/compare/auto", data=auto_form(zip_code=""))
    assert answer.status_code == 400
    assert not [name for name in answer.headers.keys() if name.lower().startswith("x-ratelimit")]


def test_a_refused_api_comparison_says_when_to_come_back(configured_app):
    client = configured_app(CANDOR_API_COMPARISON_RATE_LIMIT="1 per minute").test_client()
    body = {"product": "auto", "profile": example_auto_profile()}
    assert client.post("/api/v1/comparisons", json=body).status_code == 201
    refused = client.post("/api/v1/comparisons", json=body)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
