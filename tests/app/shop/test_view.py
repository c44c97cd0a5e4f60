"""Sorting, filtering and comparing the offers on the results page without JavaScript: GET query
parameters on the results address, rendered by the server. A view only: the ranks shown, the best
fit and the log stay as they were."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.comparison.api import load_result
from app.db import db
from tests.factories import auto_form, mortgage_form


def compare(client) -> str:
    response = client.post("/compare/auto", data=auto_form())
    assert response.status_code == 303
    return response.headers["Location"]


def logged(app, url: str) -> tuple[int, dict]:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return count, load_result(db.session, url.rsplit("/", 1)[1])


def listed(page: str) -> list[tuple[str, int]]:
    """(provider key, rank shown) of each row of the ranking, in the order the page lists them."""
    return [(provider, int(rank)) for provider, rank in
            re.findall(r'<tr class="offer[^"]*" data-provider="([^"]+)" data-rank="(\d+)">', page)]


def test_sorting_by_price_reorders_the_list_but_keeps_each_offers_rank_and_the_log(app, client):
    url = compare(client)
    before = logged(app, url)
    plain = client.get(url).get_data(as_text=True)
    page = client.get(f"{url}?sort=price").get_data(as_text=True)
    result = before[1]
    by_rank = [(offer["provider"], offer["rank"]) for offer in result["ranking"]]
    assert listed(plain) == by_rank
    by_price = sorted(result["ranking"], key=lambda offer: Decimal(str(offer["values"]["annual_premium"])))
    assert listed(page) == [(offer["provider"], offer["rank"]) for offer in by_price]
    assert listed(page) != by_rank, "the sandbox's best fit is not its cheapest; sorting must show it"
    assert "Sorted by price per year, lowest first." in page
    assert "still its best-fit rank" in page
    assert f'data-top-provider>{result["ranking"][0]["provider_name"]}<' in page  # the best fit stays on top
    assert logged(app, url)[0] == before[0]  # looking is not a new recommendation


def test_sorting_by_a_criterion_where_higher_is_better_puts_the_highest_first(client):
    url = compare(client)
    page = unescape(client.get(f"{url}?sort=claims_satisfaction").get_data(as_text=True))
    assert "Sorted by claims satisfaction, highest first." in page
    assert re.search(r'<option value="claims_satisfaction" selected>', page)


def test_requiring_a_rental_car_sets_aside_the_offers_without_one_and_says_so(app, client):
    url = compare(client)
    _, result = logged(app, url)
    terms = {(p["provider"], q["id"]): q["terms"] for p in result["providers"] for q in p["quotes"]}
    without = [offer for offer in result["ranking"] if not terms[(offer["provider"], offer["quote_id"])]["rental_reimbursement"]]
    assert without and len(without) < len(result["ranking"]), "the sandbox must have offers with and without"
    page = unescape(client.get(f"{url}?need=rental_car").get_data(as_text=True))
    shown = {provider for provider, _ in listed(page)}
    assert shown == {offer["provider"] for offer in result["ranking"]} - {offer["provider"] for offer in without}
    assert f"{len(without)} offers lack something you require" in page or "1 offer lacks something" in page
    for offer in without:
        assert f"{offer['provider_name']}{' (our offer)' if offer['house'] else ''}, rank {offer['rank']}, lacks: rental car while yours is repaired" in page
    assert 'id="need-rental_car" checked' in page


def test_two_offers_side_by_side_show_every_criterion_and_term(app, client):
    url = compare(client)
    _, result = logged(app, url)
    first, third = result["ranking"][0], result["ranking"][2]
    page = unescape(client.get(f"{url}?compare={third['handle']}&compare={first['handle']}").get_data(as_text=True))
    table = page[page.index("data-comparison"):page.index("</table>", page.index("data-comparison"))]
    heads = [head.strip() for head in re.findall(r"<th scope=\"col\"[^>]*>([^<]+)", table)]
    assert heads == ["Offer", first["provider_name"], third["provider_name"]]  # in best-fit order
    for criterion in result["criteria"]:
        assert f'<th scope="row">{criterion["label"]}</th>' in table
    for label in ("Liability cover", "Deductibles", "Extras", "Rental car while yours is repaired", "Best-fit rank"):
        assert f'<th scope="row">{label}</th>' in table
    assert first["facts"]["deductibles"] in table and third["facts"]["annual_premium"] in table
    assert f'value="{first["handle"]}" id="compare-{first["handle"]}" checked' in page


def test_one_or_four_offers_get_a_clear_message_instead_of_a_comparison(app, client):
    url = compare(client)
    _, result = logged(app, url)
    handles = [offer["handle"] for offer in result["ranking"]]
    one = client.get(f"{url}?compare={handles[0]}").get_data(as_text=True)
    assert "Choose one more offer to compare it with." in one and "data-comparison" not in one
    four = client.get(f"{url}?" + "&".join(f"compare={h}" for h in handles[:4])).get_data(as_text=True)
    assert "You chose 4 offers: choose two or three to compare side by side." in four
    assert "data-comparison" not in four


def test_nonsense_in_the_query_is_named_and_ignored_never_an_error(client):
    url = compare(client)
    response = client.get(f"{url}?sort=%3Cscript%3E&need=teleport&compare=offer-999&compare=x")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "We cannot sort by that, so the offers are in best-fit order." in page
    assert "We do not know one of the things you asked to require, so we left it out." in page
    assert "2 offers you chose are no longer in this ranking." in page
    assert "<script>" not in page


def test_the_view_form_is_a_get_of_the_results_page_with_no_personal_data(client):
    url = compare(client)
    page = client.get(url).get_data(as_text=True)
    form = re.search(r'<form method="get" action="([^"]+)" id="results-view"', page)
    assert form and form.group(1) == url.replace("http://localhost", "")
    assert set(re.findall(r'form="results-view" name="([^"]+)"', page)) == {"compare"}  # anonymous offer handles
    view_form = page[form.start():page.index("</form>", form.start())]
    assert set(re.findall(r'name="([^"]+)"', view_form)) == {"sort", "need"}


def test_a_mortgage_shopper_can_require_a_long_rate_lock(app, client):
    response = client.post("/compare/mortgage", data=mortgage_form(years_expected=4, max_points=3))
    url = response.headers["Location"]
    _, result = logged(app, url)
    terms = {(p["provider"], q["id"]): q["terms"] for p in result["providers"] for q in p["quotes"]}
    page = client.get(f"{url}?need=lock_45&sort=price").get_data(as_text=True)
    shown = listed(page)
    assert shown, "some sandbox lender locks for 45 days or more"
    for provider, rank in shown:
        offer = next(o for o in result["ranking"] if o["provider"] == provider and o["rank"] == rank)
        assert terms[(provider, offer["quote_id"])]["rate_lock_days"] >= 45
    assert len(shown) < len(result["ranking"])
    assert "Sorted by monthly payment, lowest first." in page


def test_the_auto_results_draw_price_against_cover_with_a_table_beside_it(app, client):
    url = compare(client)
    _, result = logged(app, url)
    page = unescape(client.get(url).get_data(as_text=True))
    assert '<title id="price-cover-title">Price a year against cover and service, for each offer</title>' in page
    table = page[page.index("<caption>Price a year against the best fit"):]
    table = table[:table.index("</table>")]
    best = result["ranking"][0]
    assert re.search(rf'<tr><td>1</td><th scope="row">{re.escape(best["provider_name"])}[^<]*</th><td class="num">\$0</td>', table)
    for offer in result["ranking"][1:]:
        difference = Decimal(str(offer["values"]["annual_premium"])) - Decimal(str(best["values"]["annual_premium"]))
        shown = f"{'+' if difference > 0 else '-'}${abs(difference).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
        assert f'<td class="num">{shown}</td>' in table, (offer["provider_name"], shown)
    assert page.count('class="offer-point') == len(result["ranking"])
