"""Progress while waiting: a comparison whose page streams as the providers answer.

The compare form carries `progress=1`; such a POST (once the form is valid) answers 200 with an
HTML page sent in pieces: the list of providers being asked, then one line as each answers,
declines or fails with a running count ("5 of 7 answered"), then — once the ranking is logged
and committed — a link to the results. app/static/js/progress.js turns the lines into a live
list of states and opens the results by itself; without JavaScript the lines read top to bottom
and the link is there to follow. A POST without `progress=1` (scripts, tests, the API) still
gets the plain 303 to the results.

No job store is needed: the comparison runs in the request, as before, and the page is its
progress report. The reference is drawn, and remembered in the shopper's session, before the
first byte is sent, because the session cookie goes out with the headers. If the log cannot be
written the page ends with "we could not record your comparison" and no link: the reference then
leads nowhere, and no recommendation was shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Response, current_app, get_template_attribute, render_template, stream_with_context
from sqlalchemy.exc import SQLAlchemyError

from app.actors import ANONYMOUS, Actor
from app.comparison.fetch import ProviderOutcome, settle_quotes
from app.comparison.service import new_reference, record_comparison, resolve_weights
from app.db import db
from app.products.base import ProductLine
from app.provider_registry import current_registry

# Where the page is cut to let the provider lines and the outcome in: comments in progress.html.
EVENTS_MARK = "<!--candor:progress-events-->"
OUTCOME_MARK = "<!--candor:progress-outcome-->"
PROGRESS_FIELD = "progress"


def wants_progress(form_data: Mapping[str, Any]) -> bool:
    return form_data.get(PROGRESS_FIELD) == "1"


def stream_comparison(
    line: ProductLine,
    profile: dict[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    deadline_s: float,
    results_url: Callable[[str], str],
    remember: Callable[[str], None],
    retry_url: str,
    actor: Actor = ANONYMOUS,
    subject: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
) -> Response | tuple[str, int]:
    """The streamed progress page; `remember(reference)` is called before streaming starts."""
    resolve_weights(line, preferences)  # unknown preferences fail here, as an error page, not mid-stream
    registry = current_registry()
    configs = registry.for_product(line.key)
    try:
        reference = new_reference(db.session)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("The log could not be read to draw a reference; nothing was asked.")
        return render_template("shop/not_logged.html", line=line), 503
    remember(reference)
    page = render_template("shop/progress.html", line=line, providers=configs, reference=reference,
                           deadline_s=deadline_s)
    head, rest = page.split(EVENTS_MARK, 1)
    middle, tail = rest.split(OUTCOME_MARK, 1)
    event = get_template_attribute("shop/_progress.html", "event")
    ranking = get_template_attribute("shop/_progress.html", "ranking")
    ready = get_template_attribute("shop/_progress.html", "ready")
    not_recorded = get_template_attribute("shop/_progress.html", "not_recorded")

    def pieces() -> Iterator[str]:
        yield head
        total = len(configs)
        answered = 0
        settled: list[ProviderOutcome] = []
        for outcome in settle_quotes(registry, configs, line.key, line.provider_profile(profile), deadline_s=deadline_s):
            settled.append(outcome)
            if outcome.state in ("answered", "declined"):
                answered += 1
            yield str(event(outcome, answered, total))
        yield middle
        yield str(ranking(answered, total))
        order = {config.key: position for position, config in enumerate(configs)}
        settled.sort(key=lambda outcome: order[outcome.config.key])
        try:
            record_comparison(db.session, line, profile, settled, preferences=preferences, channel=channel,
                              actor=actor, deadline_s=deadline_s, subject=subject, reference=reference,
                              replaces=replaces, permalink_sha256=permalink_sha256)
            db.session.commit()
        except Exception:  # the page has begun: whatever failed, say so in it, never show a result
            db.session.rollback()
            current_app.logger.exception("A comparison could not be written to the log; it was not shown.")
            yield str(not_recorded(retry_url))
        else:
            yield str(ready(results_url(reference), answered, total))
        yield tail

    response = Response(stream_with_context(pieces()), mimetype="text/html")
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each piece on as it comes
    response.headers["Cache-Control"] = "no-store"
    return response
