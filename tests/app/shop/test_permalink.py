"""The results permalink (DESIGN.md invariant 10): any browser holding the link sees the same
results, a wrong or missing secret is the same 404 as an unknown reference, the log keeps only the
secret's SHA-256, and every look-up by reference is rate-limited."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.db import db
from app.shop import permalink
from app.web import permalink_secret
from tests.conftest import make_app
from tests.factories import auto_form

PERMALINK = re.compile(r'<a rel="bookmark" href="(?P<url>http://localhost/r/(?P<reference>CND-[0-9A-Z-]{9})/(?P<secret>[^"]+))"')
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
# Headers that differ between any two responses, whatever they answer.
PER_RESPONSE = {"Date", "X-Request-Id"}


def make_comparison(client) -> tuple[str, str, str]:
    """A comparison made through the form: its reference, its permalink and its secret."""
    location = client.post("/compare/auto", data=auto_form()).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    found = PERMALINK.search(page)
    assert found, "the results page has no <a rel=bookmark> permalink"
    return found["reference"], found["url"], found["secret"]


def results_part(page: str) -> str:
    """The results as shown, from the heading to the permalink (each browser's form token aside)."""
    return CSRF_TOKEN.sub("", page[page.index("<h1>"):page.index("data-keep")])


def test_the_permalink_opens_the_same_results_and_receipt_in_another_browser(app, client):
    reference, url, secret = make_comparison(client)
    assert len(secret) >= 22 and len(set(secret)) > 8  # at least 128 bits of base64url
    own = client.get(f"/results/{reference}").get_data(as_text=True)

    stranger = app.test_client()
    opened = stranger.get(url)
    assert opened.status_code == 200
    assert opened.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert results_part(opened.get_data(as_text=True)) == results_part(own)
    # The other browser now keeps it: receipt and results by reference work there too.
    receipt = stranger.get(f"/results/{reference}/receipt")
    assert receipt.status_code == 200 and reference in receipt.get_data(as_text=True)
    assert stranger.get(f"/results/{reference}").status_code == 200


def test_the_log_keeps_only_the_sha256_of_the_secret(app, client):
    reference, _, secret = make_comparison(client)
    with app.app_context():
        leaves = db.session.scalars(sa.select(AuditEntry.leaf).where(AuditEntry.reference == reference)).all()
    assert leaves and all(secret.encode() not in bytes(leaf) for leaf in leaves)
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in bytes(leaves[0])


def test_a_rerank_from_a_browser_that_opened_the_link_is_what_the_link_then_shows(app, client):
    reference, url, _ = make_comparison(client)
    stranger = app.test_client()
    assert stranger.get(url).status_code == 200
    reranked = stranger.post(f"/results/{reference}/preferences", data={"preset": "lowest_cost", "apply": "preset"})
    assert reranked.status_code == 303
    opened = app.test_client().get(url)
    assert opened.status_code == 200
    with app.app_context():
        kinds = db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.reference == reference)
                                   .order_by(AuditEntry.index)).all()
    assert kinds == ["recommendation", "re-rank"]
    assert "data-entry-index>1<" in opened.get_data(as_text=True)


def _comparable(response) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.get_data(), sorted(
        (name, value) for name, value in response.headers.items() if name not in PER_RESPONSE)


def test_a_wrong_or_missing_secret_is_the_same_404_as_an_unknown_reference(app, client):
    reference, _, secret = make_comparison(client)
    changed = ("A" if secret[0] != "A" else "B") + secret[1:]
    stranger = app.test_client()
    unknown = _comparable(stranger.get(f"/r/CND-0000-0000/{secret}"))
    assert unknown[0] == 404
    for path in (f"/r/{reference}/{changed}", f"/r/{reference}", f"/r/{reference}/", f"/r/{reference}/{secret[:-1]}",
                 f"/r/{reference}/{secret}x"):
        assert _comparable(stranger.get(path)) == unknown, path
    # The browser that made it gets the same 404 for a wrong link: the link itself is checked.
    assert _comparable(client.get(f"/r/{reference}/{changed}")) == unknown


def test_the_same_hash_work_is_done_for_an_unknown_reference_and_a_wrong_secret(app, client, monkeypatch):
    reference, _, secret = make_comparison(client)
    hashed: list[str] = []
    original = permalink.sha256_hex
    monkeypatch.setattr(permalink_secret, "sha256_hex", lambda text: hashed.append(text) or original(text))
    stranger = app.test_client()
    for path in (f"/r/CND-0000-0000/{secret}", f"/r/{reference}/x{secret}", f"/r/{'X' * 300}/{secret}"):
        hashed.clear()
        assert stranger.get(path).status_code == 404
        assert len(hashed) == 1, path


def test_the_page_offers_copy_and_email_without_personal_data(client):
    reference, url, _ = make_comparison(client)
    page = client.get(f"/results/{reference}").get_data(as_text=True)
    assert 'data-copy-link="' in page and "js/keep.js" in page
    assert f">{url}</a>" in page  # without JavaScript the link is there to select
    mailto = re.search(r'href="(mailto:[^"]+)" data-email-link', page)[1].replace("&amp;", "&")
    fields = {name: values[0] for name, values in parse_qs(urlsplit(mailto).query).items()}
    assert urlsplit(mailto).path == ""  # no address: the shopper's own program asks for one
    assert reference in fields["subject"] and url in fields["body"]
    form = auto_form()
    for personal in (form["zip_code"], form["driver_birth_date"], form["vehicle_make"]):
        assert str(personal) not in unquote(mailto)


def test_after_erasure_the_link_says_so_and_shows_nothing_of_the_comparison(app, client, runner):
    reference, url, _ = make_comparison(client)
    assert runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"]).exit_code == 0
    opened = app.test_client().get(url)
    page = opened.get_data(as_text=True)
    assert opened.status_code == 410
    assert "Your details were erased" in page and reference in page
    for shown in ("Harbor Mutual", "Best fit", "$", "data-permalink"):
        assert shown not in page


@pytest.fixture
def limited_app(database_url, market):
    application = make_app(database_url, market.provider_entries(), CANDOR_REFERENCE_RATE_LIMIT="4 per minute")
    yield application
    with application.app_context():
        db.engine.dispose()


def test_every_lookup_by_reference_shares_one_rate_limit(limited_app):
    client = limited_app.test_client()
    location = client.post("/compare/auto", data=auto_form()).headers["Location"]
    reference = location.rsplit("/", 1)[1]
    answers = [client.get(location).status_code, client.get(f"{location}/receipt").status_code,
               client.get(f"/r/{reference}/wrong").status_code,
               client.get(f"/api/v1/comparisons/{reference}").status_code]
    assert answers == [200, 200, 404, 200]
    for path in (location, f"{location}/receipt", f"/r/{reference}/wrong", f"/api/v1/comparisons/{reference}",
                 "/results/CND-0000-0000"):
        assert client.get(path).status_code == 429, path
    # Another address has its own budget.
    assert client.get(location, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


def test_a_comparison_made_with_the_progress_page_has_its_permalink_too(app, client):
    streamed = client.post("/compare/auto", data={**auto_form(), "progress": "1"})
    page = streamed.get_data(as_text=True)  # the whole stream: the comparison is logged by its end
    reference = re.search(r'href="/results/(CND-[0-9A-Z-]{9})"', page)[1]
    found = PERMALINK.search(client.get(f"/results/{reference}").get_data(as_text=True))
    assert found and found["reference"] == reference
    assert app.test_client().get(found["url"]).status_code == 200
