"""A request's API token is looked up once, however many parts of the request ask who sent it
(the rate limiter's filter, the view, the actor recorded in the log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.comparison.api import load_result
from app.db import db
from tests.app.api.conftest import bearer, example, new_token
from tests.conftest import add_user


@contextmanager
def token_look_ups(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM api_tokens" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_tokens_comparison_looks_the_token_up_once(app: Flask, client: FlaskClient) -> None:
    advisor_id = add_user(app, "ada@example.com", "advisor")
    secret = new_token(app, "advisor", advisor_id)
    with token_look_ups(app) as seen:
        response = client.post("/api/v1/comparisons", json={"product": "auto", "profile": example("auto")},
                               headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert len(seen) == 1
    with app.app_context():
        assert load_result(db.session, response.get_json()["reference"])["actor"] == {
            "type": "advisor", "id": str(advisor_id)}


def test_each_request_looks_up_its_own_token(app: Flask, client: FlaskClient) -> None:
    secret = new_token(app, "advisor")
    body = {"product": "auto", "profile": example("auto")}
    with app.app_context():  # one app context over several requests shares `g`: nothing may leak between them
        assert client.post("/api/v1/comparisons", json=body, headers=bearer(secret)).status_code == 201
        assert client.post("/api/v1/comparisons", json=body, headers=bearer("cnd_wrong")).status_code == 401
        assert "profile" not in client.post("/api/v1/comparisons", json=body).get_json()
