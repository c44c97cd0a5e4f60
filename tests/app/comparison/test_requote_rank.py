"""A changed quote ranked in place of the old one, over random markets: every claim of the
sentence is true of an independent ranking of the same offers — the named best fit really ranks
first on the shopper's preset, the re-quoted offer's rank is its rank, the money difference is
exact — the re-ranking is provider-blind, stays bounded, and replays from what the entry logs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.canonical import canonical_json, loggable
from app.comparison.api import build_result, resolve_weights
from app.comparison.requote_rank import MAX_ROWS_LOGGED, rerank_sentence, rerank_with_requote, replay_rerank
from app.comparison.bounds import MAX_QUOTE_ID_CHARS
from app.comparison.settle import logged_quote
from app.formatting import ordinal
from app.money import format_money
from app.products import get_product_line
from providers.base import Quote
from providers.settings import MAX_NAME_CHARS, MAX_PROVIDERS_PER_LINE
from tests.app.comparison.market_builder import NOW, auto_quote, outcome
from tests.factories import auto_profile

LINE = get_product_line("auto")
PRESETS = ["balanced", "lowest_cost", "best_cover", "best_service"]
premiums = st.integers(30000, 400000).map(lambda cents: Decimal(cents) / 100)
offers = st.tuples(premiums, st.sampled_from(["A++", "A", "B"]), st.integers(700, 950))


def comparison(market: list[tuple[Decimal, str, int]], preset: str, keys: list[str] | None = None) -> dict[str, Any]:
    """A logged result of this market, as load_result gives it (time, reference, index)."""
    keys = keys or [f"p{n}" for n in range(len(market))]
    outcomes = [outcome(key, f"Provider {key.upper()}", auto_quote(key, str(premium), financial_strength=grade,
                                                                   claims_satisfaction=claims))
                for key, (premium, grade, claims) in zip(keys, market, strict=True)]
    chosen, weights = resolve_weights(LINE, {"preset": preset})
    body = loggable(build_result(LINE, auto_profile(), outcomes, preset=chosen, weights=weights, now=NOW,
                                 deadline_s=5.0))
    return {**body, "time": loggable(NOW), "reference": "CND-TEST-0001", "index": 7}


def fresh_quote(key: str, premium: Decimal, grade: str) -> Quote:
    return replace(auto_quote(key, str(premium), number=2, financial_strength=grade),
                   valid_until=NOW + timedelta(days=2))


def independently_ranked(market: list[tuple[Decimal, str, int]], preset: str, chosen: int,
                         fresh: Quote) -> list[dict[str, Any]]:
    """The same market built afresh with the fresh quote in the chosen provider's place: no log, no replay."""
    outcomes = []
    for n, (premium, grade, claims) in enumerate(market):
        quote = fresh if n == chosen else auto_quote(f"p{n}", str(premium), financial_strength=grade,
                                                     claims_satisfaction=claims)
        outcomes.append(outcome(f"p{n}", f"Provider P{n}", quote))
    preset_key, weights = resolve_weights(LINE, {"preset": preset})
    return loggable(build_result(LINE, auto_profile(), outcomes, preset=preset_key, weights=weights, now=NOW,
                                 deadline_s=5.0))["ranking"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=st.lists(offers, min_size=2, max_size=6), preset=st.sampled_from(PRESETS), data=st.data(),
       new_premium=premiums, new_grade=st.sampled_from(["A++", "A", "B"]))
def test_every_claim_of_the_re_rank_sentence_is_true(market, preset, data, new_premium, new_grade):
    chosen = data.draw(st.integers(0, len(market) - 1))
    key = f"p{chosen}"
    result = comparison(market, preset)
    if not any(offer["provider"] == key for offer in result["ranking"]):
        return  # the chosen provider's offer was set aside (not a ranked offer to continue with)
    old = next(offer for offer in result["ranking"] if offer["provider"] == key)
    fresh = fresh_quote(key, new_premium, new_grade)
    reranked = rerank_with_requote(LINE, result, key, old["quote_id"], fresh)
    record, sentence = reranked.record, reranked.sentence
    truth = independently_ranked(market, preset, chosen, fresh)
    truly_first = [offer for offer in truth if offer["rank"] == 1]
    mine = next((offer for offer in truth if offer["provider"] == key), None)
    if mine is None:  # the fresh quote is not rankable: nothing is claimed about where it stands
        assert record["chosen"] is None and "could not be placed" in sentence
        return
    assert record["chosen"]["rank"] == mine["rank"] and record["chosen"]["previous_rank"] == old["rank"]
    assert record["offers"] == len(truth) and len(record["rows"]) <= MAX_ROWS_LOGGED + 1
    assert [(row["provider"], row["rank"]) for row in record["rows"]] == [
        (offer["provider"], offer["rank"]) for offer in truth[:MAX_ROWS_LOGGED]]
    label = LINE.preset(preset).label
    if mine["rank"] == 1:
        others = [offer for offer in truly_first if offer["provider"] != key]
        assert (record["best"] is None) == (not others)
        assert "still" in sentence and f"on “{label}”" in sentence and "$" not in sentence
        return
    best = next(offer for offer in truth if offer["provider"] == record["best"]["provider"])
    assert best["rank"] == 1, "the named best fit ranks first on the shopper's preset"
    assert f"now ranks {ordinal(mine['rank'])} of {len(truth)} on “{label}”" in sentence
    name = best["provider_name"]
    assert sentence.endswith(f" — {name} is now the best fit.")
    ours_price, their_price = Decimal(mine["values"]["annual_premium"]), Decimal(best["values"]["annual_premium"])
    money = record["money"]
    assert Decimal(money["amount"]) == abs(ours_price - their_price).quantize(Decimal("0.01"))
    assert money["direction"] == ("more" if ours_price > their_price else "less" if ours_price < their_price
                                  else "same")
    their_figure = format_money(their_price.quantize(Decimal("0.01")), "USD")
    if money["direction"] == "same":
        assert f"Now the same price as {name}’s {their_figure}" in sentence
    else:
        word = "dearer" if money["direction"] == "more" else "cheaper"
        assert (f"Now {format_money(Decimal(money['amount']), 'USD')} a year {word} than {name}’s {their_figure}"
                in sentence)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=st.lists(offers, min_size=2, max_size=5), preset=st.sampled_from(PRESETS), new_premium=premiums,
       data=st.data())
def test_the_re_ranking_is_provider_blind_and_replays_from_what_the_entry_logs(market, preset, new_premium, data):
    order = data.draw(st.permutations(range(len(market))))
    chosen = data.draw(st.integers(0, len(market) - 1))
    result = comparison(market, preset)
    key = f"p{chosen}"
    old = next((offer for offer in result["ranking"] if offer["provider"] == key), None)
    if old is None:
        return
    fresh = fresh_quote(key, new_premium, "A")
    reranked = rerank_with_requote(LINE, result, key, old["quote_id"], fresh)
    # The same offers under other names, in another order, with another house: the same ranks.
    renamed = [f"q{n}" for n in range(len(market))]
    shuffled = comparison([market[n] for n in order], preset, [renamed[n] for n in order])
    renamed_fresh = replace(fresh, id=f"q{chosen}-2")
    blind = rerank_with_requote(LINE, shuffled, f"q{chosen}", old["quote_id"].replace("p", "q", 1), renamed_fresh)
    assert sorted((row["provider"][1:], row["rank"]) for row in reranked.record["rows"]) == sorted(
        (row["provider"][1:], row["rank"]) for row in blind.record["rows"])
    # What the provider-requote entry keeps: the fresh quote as judged, and the re-ranking; it replays.
    entry = {"provider": {"provider": key, "quotes": [loggable(logged_quote(fresh))]}, "reranked": reranked.record}
    assert replay_rerank(LINE, result, entry)
    tampered = {**entry, "reranked": {**reranked.record, "sentence": reranked.record["sentence"] + " "}}
    assert not replay_rerank(LINE, result, tampered)
    assert len(canonical_json(reranked.record)) < 8 * 1024


def test_the_sentence_speaks_of_earnings_and_horizons_in_their_own_words():
    base = {"preset_label": "Most interest", "offers": 4, "chosen": {"rank": 3, "previous_rank": 1, "tied": False,
                                                                     "quote_id": "x"},
            "best": {"provider_name": "Bank B", "provider": "b", "quote_id": "b-1", "rank": 1}}
    earns = {**base, "money": {"amount": "84.00", "direction": "less", "best_amount": "1116.00", "currency": "USD",
                               "period": "horizon_months", "years": 12, "verb": "earns"}}
    assert rerank_sentence(earns, provider_name="Bank A") == (
        "With its new quote, Bank A now ranks 3rd of 4 on “Most interest” (it was 1st). Now earns $84.00 less than "
        "Bank B’s $1,116.00 over your 12 months — Bank B is now the best fit.")
    horizon = {**base, "preset_label": "Lowest cost", "money": {**earns["money"], "verb": "costs",
                                                                 "direction": "more", "period": "horizon", "years": 4}}
    assert rerank_sentence(horizon, provider_name="Lender A").endswith(
        "Now $84.00 dearer than Bank B’s $1,116.00 over your 4 years — Bank B is now the best fit.")
    yearly = {**base, "money": {**horizon["money"], "period": "year", "years": None}}
    assert "Now $84.00 a year dearer than Bank B’s $1,116.00 — Bank B is now the best fit." in rerank_sentence(
        yearly, provider_name="Acme")
    first = {**base, "chosen": {**base["chosen"], "rank": 1}, "best": None, "money": None}
    assert rerank_sentence(first, provider_name="Acme") == (
        "With its new quote, Acme is still the best fit for you on “Most interest”.")


def test_the_logged_re_ranking_stays_small_in_the_largest_market_a_line_may_have():
    # As many providers as a line may have (providers/settings.py), with the longest names and quote
    # ids we accept: the rows are capped, so the record stays a few KiB of the entry's 65,535 bytes.
    keys = [f"provider-{n:02d}-" + "k" * 20 for n in range(MAX_PROVIDERS_PER_LINE)]
    outcomes = [outcome(key, f"{key[:12]} " + "N" * (MAX_NAME_CHARS - 13),
                        replace(auto_quote(key, str(900 + 10 * n)), id=(key + "-" + "q" * 64)[:MAX_QUOTE_ID_CHARS]))
                for n, key in enumerate(keys)]
    preset, weights = resolve_weights(LINE, {"preset": "balanced"})
    result = {**loggable(build_result(LINE, auto_profile(), outcomes, preset=preset, weights=weights, now=NOW,
                                      deadline_s=5.0)), "time": loggable(NOW), "reference": "CND-TEST-0002",
              "index": 3}
    assert len(result["ranking"]) == MAX_PROVIDERS_PER_LINE
    first = result["ranking"][0]
    fresh = replace(auto_quote(first["provider"], "5000.00"), id=first["quote_id"][:-1] + "2")
    record = rerank_with_requote(LINE, result, first["provider"], first["quote_id"], fresh).record
    assert len(record["rows"]) == MAX_PROVIDERS_PER_LINE and record["chosen"]["rank"] == MAX_PROVIDERS_PER_LINE
    assert len(canonical_json(record)) < 6 * 1024
