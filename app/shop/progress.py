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

from app.comparison.api import (
    ANONYMOUS,
    Actor,
    Comparing,
    ProviderSettled,
    compare,
    finish,
    new_reference,
    resolve_weights,
)
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
    reference = new_reference()
    remember(reference)
    comparing = compare(db.session, registry, line, profile, preferences=preferences, channel=channel,
                        deadline_s=deadline_s, actor=actor, subject=subject, reference=reference,
                        replaces=replaces, permalink_sha256=permalink_sha256)
    page = render_template("shop/progress.html", line=line, providers=configs, reference=reference,
                           deadline_s=deadline_s)
    pieces = _pieces(page, comparing, ready_url=results_url(reference), retry_url=retry_url)
    response = Response(stream_with_context(pieces), mimetype="text/html")
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each piece on as it comes
    response.headers["Cache-Control"] = "no-store"
    return response


def _pieces(page: str, comparing: Comparing, *, ready_url: str, retry_url: str) -> Iterator[str]:
    """The page in pieces: a line as each provider settles (the comparison's progress events),
    then the ranking line, then — once the result is logged and committed — the link to it."""
    head, rest = page.split(EVENTS_MARK, 1)
    middle, tail = rest.split(OUTCOME_MARK, 1)
    event, ranking, ready, not_recorded = (get_template_attribute("shop/_progress.html", name)
                                           for name in ("event", "ranking", "ready", "not_recorded"))
    yield head
    progress = next(comparing)
    while isinstance(progress, ProviderSettled):
        yield str(event(progress.outcome, progress.answered, progress.total))
        progress = next(comparing)
    yield middle
    yield str(ranking(progress.answered, progress.total))
    try:
        finish(comparing)
        db.session.commit()
    except Exception:  # the page has begun: whatever failed, say so in it, never show a result
        db.session.rollback()
        current_app.logger.exception("A comparison could not be written to the log; it was not shown.")
        yield str(not_recorded(retry_url))
    else:
        yield str(ready(ready_url, progress.answered, progress.total))
    yield tail
