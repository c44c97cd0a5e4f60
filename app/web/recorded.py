"""One place that owns a view's write: commit on success, roll back on any failure, and the
"not logged → 503" answer when the database would not take the entry. A ranking is never shown
without its log entry, so a view writes inside `with recorded(...)` and does nothing else about
the database; exceptions of its own (invalid preferences, …) are rolled back and passed on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy.exc import SQLAlchemyError

from app.audit.log import AuditWriteError
from app.auth.access import problem
from app.db import db


class NotRecorded(Exception):
    """Raised out of a view whose entry could not be written; the app answers with `answer`."""

    def __init__(self, answer: Any) -> None:
        super().__init__("not recorded")
        self.answer = answer


@contextmanager
def recorded(what: str, answer: Callable[[], Any], *, outcome: str = "it was not shown") -> Iterator[None]:
    """Commits what the block wrote. `what` names it for the log ("A comparison"); `answer` is
    the view's reply when the database refused (e.g. `not_logged_page(line)`)."""
    try:
        yield
        db.session.commit()
    except (SQLAlchemyError, AuditWriteError) as error:
        db.session.rollback()
        current_app.logger.exception("%s could not be written to the log; %s.", what, outcome)
        raise NotRecorded(answer()) from error
    except BaseException:
        db.session.rollback()
        raise


def not_logged_page(line: Any) -> Callable[[], Any]:
    """The shopper's page: nothing is shown without its log entry."""
    return lambda: (render_template("shop/not_logged.html", line=line), 503)


NOT_LOGGED_DETAIL = "Nothing was recorded and no ranking is shown without its log entry. Try again in a moment."


def not_logged_problem(title: str = "The comparison could not be recorded",
                       detail: str = NOT_LOGGED_DETAIL) -> Callable[[], Any]:
    """The API's answer, as application/problem+json."""
    return lambda: problem(503, title, detail)


def init_app(app: Flask) -> None:
    app.register_error_handler(NotRecorded, lambda refused: refused.answer)
