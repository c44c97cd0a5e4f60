"""Re-ranking from the results page: presets and custom weights, in place (fetch) and without
JavaScript, each one a logged recommendation; bad input refused with nothing logged."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.comparison.api import InvalidPreferences, load_result, preference_controls, resolve_weights
from app.db import db
from app.products import get_product_line
from app.ranking.engine import normalise_weights
from app.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app
from tests.factories import auto_form

FRAGMENT = {"X-Candor-Fragment": "results"}
CRITERIA = ("annual_premium", "expected_out_of_pocket", "financial_strength", "claims_satisfaction",
            "complaint_index", "extras")


def compare(client, **changes) -> str:
    response = client.post("/compare/auto", data=auto_form(**changes))
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[1]


def entries(app, reference: str) -> list[tuple[str, int]]:
    with app.app_context():
        return [(kind, index) for kind, index in db.session.execute(
            sa.select(AuditEntry.kind, AuditEntry.index).where(AuditEntry.reference == reference)
            .order_by(AuditEntry.index))]


def latest(app, reference: str) -> dict:
    with app.app_context():
        return load_result(db.session, reference)


def sliders(**weights: int) -> dict[str, str]:
    return {f"weight_{key}": str(weights.get(key, 0)) for key in CRITERIA}


def test_the_results_page_offers_presets_and_a_labelled_slider_per_criterion(client):
    reference = compare(client)
    html = client.get(f"/results/{reference}").get_data(as_text=True)
    form = html[html.index('<form method="post" action="/results/' + reference + '/preferences"'):]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form and "data-rerank" in form
    for key in ("balanced", "lowest_cost", "best_cover", "best_service"):
        assert f'id="preset-{key}" value="{key}"' in form
        assert f'<label for="preset-{key}">' in form
    assert re.search(r'id="preset-balanced" value="balanced" data-weights="[^"]*" checked', form)
    for criterion in get_product_line("auto").criteria({}):
        assert f'<label for="weight-{criterion.key}">{criterion.label}</label>' in form.replace("&#39;", "'")
        assert re.search(rf'<input type="range" id="weight-{criterion.key}" name="weight_{criterion.key}" '
                         r'min="0" max="100" step="1" value="\d+"', form)
    assert 'value="60"' in form  # the balanced preset's share for price
    assert '<script src="/static/js/rerank.js" defer></script>' in html
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html


def test_a_preset_re_ranks_in_place_and_is_logged(app, client):
    reference = compare(client)
    response = client.post(f"/results/{reference}/preferences", data={"preset": "best_service", "apply": "preset"},
                           headers=FRAGMENT)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<h1" not in fragment  # only the results block
    assert 'data-ranked-for>Service counts more</strong>' in fragment
    assert 'id="preset-best_service" value="best_service"' in fragment
    assert response.headers["Cache-Control"] == "no-store"
    assert [kind for kind, _ in entries(app, reference)] == ["recommendation", "re-rank"]
    shown = latest(app, reference)
    assert shown["preferences"]["preset"] == "best_service"
    assert f"Entry <span data-entry-index>{shown['index']}</span>" in fragment
    assert shown["ranking"][0]["provider_name"] in fragment
    assert "Service counts more" in client.get(f"/results/{reference}").get_data(as_text=True)


def test_without_javascript_the_form_posts_and_redirects_back(app, client):
    reference = compare(client)
    response = client.post(f"/results/{reference}/preferences", data={"preset": "lowest_cost", "apply": "preset"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/results/{reference}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-ranked-for>Lowest cost</strong>" in html
    assert len(entries(app, reference)) == 2


def test_custom_weights_rank_with_the_shoppers_own_weights(app, client):
    reference = compare(client)
    response = client.post(f"/results/{reference}/preferences", headers=FRAGMENT,
                           data={"preset": "balanced", "apply": "custom", **sliders(claims_satisfaction=100)})
    assert response.status_code == 200
    shown = latest(app, reference)
    assert shown["preferences"] == {"preset": "custom", "weights": {key: "100" if key == "claims_satisfaction" else "0"
                                                                    for key in CRITERIA}}
    satisfaction = [int(offer["facts"]["claims_satisfaction"].split("/")[0]) for offer in shown["ranking"]]
    assert satisfaction == sorted(satisfaction, reverse=True)
    fragment = response.get_data(as_text=True)
    assert "data-ranked-for>your own weights</strong>" in fragment
    assert "weight 100: 100% of the score" in fragment
    assert not re.search(r'name="preset" id="preset-\w+" value="\w+" data-weights="[^"]*" checked', fragment)


def test_the_shares_shown_are_the_engines(client):
    reference = compare(client)
    client.post(f"/results/{reference}/preferences",
                data={"apply": "custom", **sliders(annual_premium=50, extras=25, claims_satisfaction=25)})
    html = client.get(f"/results/{reference}").get_data(as_text=True)
    assert "weight 50: 50% of the score" in html and "weight 25: 25% of the score" in html


BAD_PREFERENCES = (
        ({"apply": "custom", **sliders(annual_premium=101)}, "weight-annual_premium",
         "Enter a number from 0 to 100 for “Price per year”"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "-1"}, "weight-extras",
         "Enter a number from 0 to 100 for “Extras included”"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "lots"}, "weight-extras", "Enter a number"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "NaN"}, "weight-extras", "Enter a number"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "Infinity"}, "weight-extras", "Enter a number"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "1e3"}, "weight-extras", "Enter a number"),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_extras": "12.345"}, "weight-extras",
         "at most 2 decimal places"),
        ({"apply": "custom", **sliders()}, "weight-choice", "Give at least one thing a weight above 0."),
        ({"apply": "custom"}, "weight-choice", "Give at least one thing a weight above 0."),
        ({"apply": "custom", **sliders(annual_premium=60), "weight_colour": "40"}, "weight-choice",
         "We do not rank on “colour”."),
        ({"apply": "preset", "preset": "balanced", "weight_commission": "100"}, "weight-choice",
         "We do not rank on “commission”."),
        ({"apply": "preset", "preset": "sponsored"}, "preset-choice", "Choose one of the presets we offer."),
        ({"apply": "preset"}, "preset-choice", "Choose one of the presets we offer."),
        ({"apply": "sideways", "preset": "balanced"}, "weight-choice", "Choose a preset or set your own weights."),
)


@pytest.mark.parametrize("fragment", [False, True], ids=["form", "fetch"])
def test_bad_preferences_get_a_clear_message_and_nothing_is_logged(app, client, fragment):
    reference = compare(client)
    before = entries(app, reference)
    for data, field, message in BAD_PREFERENCES:
        response = client.post(f"/results/{reference}/preferences", data=data, headers=FRAGMENT if fragment else {})
        assert response.status_code == 400, data
        html = response.get_data(as_text=True)
        assert message in html, data
        assert "data-preference-errors" in html and f'href="#{field}"' in html, data
        assert f'id="{field}"' in html
        assert ("<h1" in html) is not fragment
    assert entries(app, reference) == before


def test_only_the_shoppers_own_reference_can_be_re_ranked(app, client):
    reference = compare(client)
    stranger = app.test_client()
    for headers in ({}, FRAGMENT):
        response = stranger.post(f"/results/{reference}/preferences", data={"preset": "best_cover", "apply": "preset"},
                                 headers=headers)
        assert response.status_code == 404
    assert client.post("/results/CND-0000-0000/preferences", data={"preset": "best_cover"}).status_code == 404
    assert len(entries(app, reference)) == 1
    assert client.get(f"/results/{reference}/preferences").status_code == 405


def test_re_ranking_needs_the_pages_csrf_token(database_url, market):
    app = make_app(database_url, market.provider_entries(), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form_page = client.get("/compare/auto").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    location = client.post("/compare/auto", data={**auto_form(), "csrf_token": token}).headers["Location"]
    reference = location.rsplit("/", 1)[1]
    refused = client.post(f"{location}/preferences", data={"preset": "best_cover", "apply": "preset"}, headers=FRAGMENT)
    assert refused.status_code == 400
    assert len(entries(app, reference)) == 1
    html = client.get(location).get_data(as_text=True)
    form_token = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html).group(1)
    accepted = client.post(f"{location}/preferences", headers=FRAGMENT,
                           data={"preset": "best_cover", "apply": "preset", "csrf_token": form_token})
    assert accepted.status_code == 200
    assert len(entries(app, reference)) == 2
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    with app.app_context():
        db.engine.dispose()


def test_when_the_log_cannot_be_written_the_new_ranking_is_not_shown(app, client):
    reference = compare(client)
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE audit_head"))
        db.session.commit()
    response = client.post(f"/results/{reference}/preferences", data={"preset": "best_cover", "apply": "preset"},
                           headers=FRAGMENT)
    assert response.status_code == 503
    assert "We could not record" in response.get_data(as_text=True)
    assert [kind for kind, _ in entries(app, reference)] == ["recommendation"]


def test_the_results_explain_every_rank_and_when_ours_loses_by_how_much(app, client):
    reference = compare(client)
    response = client.post(f"/results/{reference}/preferences", data={"preset": "best_service", "apply": "preset"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = latest(app, reference)
    for offer in shown["ranking"]:
        assert offer["why"] and offer["why"][0].startswith(f"It scores {offer['shown_score']} out of 100")
        assert offer["why"][0].replace("’", "&rsquo;") in html or offer["why"][0] in html
    assert "How these figures were worked out" in html and "6% yearly chance of a collision claim" in html
    if shown["house"]["best"]:
        assert shown["explanation"]["house_standing"] in ("first", "shared_first")
    else:
        top = shown["ranking"][0]["provider_name"]
        assert shown["explanation"]["house_notice"].startswith(f"{top} fits you better than our offer")
        # The gap to first place is said in our offer's own "why this rank", not in the notice.
        ours = next(offer for offer in shown["ranking"] if offer["house"])
        assert re.fullmatch(r"(It would need to be \$[\d,]+\.\d\d a year cheaper "
                            r"to rank first|A lower price alone could not put it first)\.",
                            ours["why"][-1])
        assert "Where our offer loses points" in html
    assert shown["explanation"]["presets_summary"] in html.replace("&#34;", '"')


def test_the_methodology_is_the_engines_criteria_weights_and_tie_rule(client):
    line = get_product_line("auto")
    html = client.get("/methodology/auto").get_data(as_text=True)
    criteria = line.criteria({})
    for criterion in criteria:
        row = html[html.index(f'data-criterion="{criterion.key}"'):]
        row = row[: row.index("</tr>")]
        for preset in line.presets:
            share = normalise_weights(criteria, preset.weights)[criterion.key] * 100
            assert f"{share.quantize(1):f}%" in row or f"{share:.1f}%" in row
    assert "Scores are shown to one decimal place, rounded half up" in html
    assert "less than 0.1 points apart" in html
    assert "Commission, ownership and advertising are not parameters of the ranking" in html



def test_the_controls_show_the_weights_a_logged_ranking_used_even_from_a_retired_preset():
    line = get_product_line("auto")
    controls = preference_controls(line, {"preset": "cheapest_2019", "weights": {"annual_premium": "0.9",
                                                                               "extras": "0.1"}})
    assert controls["label"] == "cheapest 2019"
    assert not any(option["checked"] for option in controls["presets"])
    assert {s["key"]: (s["value"], str(s["share"])) for s in controls["sliders"]}["annual_premium"] == ("90", "90")


def test_weights_from_json_are_checked_the_same_way():
    line = get_product_line("auto")
    assert resolve_weights(line, {"weights": {"annual_premium": 60.5, "extras": 10}}) == (
        "custom", {"annual_premium": Decimal("60.5"), "extras": Decimal("10")})
    for bad in ({"annual_premium": True}, {"annual_premium": None}, {"annual_premium": [1]}, {"annual_premium": "1e400"},
                {"commission": 50}, {}):
        with pytest.raises(InvalidPreferences):
            resolve_weights(line, {"preset": "custom", "weights": bad})
    with pytest.raises(InvalidPreferences, match="Choose one of the presets"):
        resolve_weights(line, {"preset": "sponsored"})
    assert resolve_weights(line, {})[0] == line.default_preset
