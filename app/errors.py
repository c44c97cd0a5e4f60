"""Error pages for people and problem+json for the API: never a bare 500, always what to do next."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.db import db

MESSAGES = {
    400: ("We could not use that request", "Something in what was sent did not look right. Go back, check the form and try again."),
    404: ("We cannot find that page", "Check the address, or start a new comparison from the home page."),
    405: ("That does not work here", "This page cannot be used that way. Start again from the home page."),
    413: ("That was too much to send", "The form sent more data than we accept. Go back and check what you entered."),
    429: ("Too many requests", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "Nothing you entered was recorded. Please try again in a moment."),
    503: ("We cannot do that right now", "Please try again in a moment."),
}


def _wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, detail: str | None = None):  # type: ignore[no-untyped-def]
    title, advice = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if _wants_problem_json():
        response = jsonify(type="about:blank", title=title, status=status, detail=detail or advice)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template("errors/error.html", status=status, title=title, advice=advice, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return _render(400, "The form had expired or was not sent from our page. Reload the page and send it again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if error.code is None or error.code >= 500:
            db.session.rollback()
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.url_rule)
        return _render(InternalServerError.code)
