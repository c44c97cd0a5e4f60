"""What a changed quote means for the ranking. When a provider's fresh quote differs from the one
the customer saw, the comparison is ranked again — the same pure engine, preferences, measures,
limits and reference data as the logged result, at the logged result's time, provider-blind — with
the fresh quote in place of the old one and every other offer as logged. "At the logged time"
keeps the other offers as the customer saw them: the question answered is what this one change
does, not whether the rest have lapsed since (each is checked fresh when the customer goes on
with it).

The answer is told in money: whether the re-quoted offer still fits best on the customer's
preset, its new rank, and otherwise which offer now ranks first, at what price and how far apart
they are. The same record goes into the `provider-requote` entry (bounded: at most
MAX_ROWS_LOGGED rows), so replaying that entry (`replay_rerank`) reproduces it. The logged
comparison, its permalink and its receipt are untouched: this is a view beside them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.audit.canonical import loggable
from app.comparison.preferences import CUSTOM
from app.comparison.replay import replay
from app.comparison.settle import logged_quote
from app.formatting import ordinal
from app.money import format_money, to_cents
from app.products.base import ProductLine
from app.ranking import explain
from providers.base import Quote

MAX_ROWS_LOGGED = 10
"""How many of the re-ranked offers the entry lists (the re-quoted one is always there besides):
enough to read the top of the ranking back, bounded whatever the market's size."""
NAME_CHARS = 120


@dataclass(frozen=True)
class Reranked:
    """The comparison ranked again with one fresh quote in it. `result` is the whole re-ranked
    result (for a page to show); `record` what the log keeps of it and the words for the customer."""

    result: dict[str, Any]
    record: dict[str, Any]

    @property
    def sentence(self) -> str:
        return str(self.record["sentence"])

    @property
    def chosen_rank(self) -> int | None:
        chosen = self.record["chosen"]
        return None if chosen is None else chosen["rank"]

    @property
    def still_best(self) -> bool:
        return self.chosen_rank == 1


def with_fresh_quote(result: Mapping[str, Any], provider: str, replaced_quote_id: str,
                     fresh: Quote) -> dict[str, Any]:
    """The logged result's inputs with `fresh` in place of the provider's quote `replaced_quote_id`."""
    fresh_record = loggable(logged_quote(fresh))
    providers = []
    for record in result["providers"]:
        if record["provider"] == provider:
            quotes = [fresh_record if quote["id"] == replaced_quote_id else quote for quote in record["quotes"]]
            record = {**record, "quotes": quotes}
        providers.append(record)
    return {**result, "providers": providers}


def rerank_with_requote(line: ProductLine, result: Mapping[str, Any], provider: str, replaced_quote_id: str,
                        fresh: Quote) -> Reranked:
    """The ranking with `fresh` in place of `replaced_quote_id` (module docstring). The caller has
    checked the result still has its profile."""
    reranked = loggable(replay(line, with_fresh_quote(result, provider, replaced_quote_id, fresh)))
    return Reranked(reranked, _record(line, result, reranked, provider, replaced_quote_id, fresh.id))


def rerank_from_entry(line: ProductLine, result: Mapping[str, Any], requote: Mapping[str, Any]) -> Reranked | None:
    """The re-ranking a logged `provider-requote` entry recorded, worked out again from its logged
    inputs: `result` (the entry at its `result_index`) and the fresh quote it logged. None when the
    entry recorded no re-ranking, or its fresh quote is not in it."""
    logged = requote.get("reranked")
    if logged is None or logged["chosen"] is None:
        return None
    fresh = next((quote for quote in requote["provider"]["quotes"] if quote["id"] == logged["chosen"]["quote_id"]),
                 None)
    if fresh is None:
        return None
    quote = Quote(id=fresh["id"], product=fresh["product"], currency=fresh["currency"],
                  valid_until=datetime.fromisoformat(fresh["valid_until"].replace("Z", "+00:00")),
                  terms=fresh["terms"], url=fresh["url"], firmness=fresh.get("firmness"))
    return rerank_with_requote(line, result, requote["provider"]["provider"], logged["replaces"], quote)


def replay_rerank(line: ProductLine, result: Mapping[str, Any], requote: Mapping[str, Any]) -> bool:
    """Whether a logged `provider-requote` entry's re-ranking is exactly what the engine makes of
    its logged inputs again (True when the entry logged none to check)."""
    logged = requote.get("reranked")
    if logged is None:
        return True
    again = rerank_from_entry(line, result, requote)
    return again is not None and again.record == logged


def _row(line: ProductLine, offer: Mapping[str, Any], fresh_id: str, provider: str) -> dict[str, Any]:
    return {"provider": offer["provider"], "provider_name": offer["provider_name"][:NAME_CHARS],
            "house": offer["house"], "quote_id": offer["quote_id"], "rank": offer["rank"],
            "tied": offer["tied"], "price": offer["facts"].get(line.columns[0].fact),
            "requoted": offer["provider"] == provider and offer["quote_id"] == fresh_id}


def _record(line: ProductLine, result: Mapping[str, Any], reranked: Mapping[str, Any], provider: str,
            replaced_quote_id: str, fresh_id: str) -> dict[str, Any]:
    ranking = reranked["ranking"]
    before = next((offer for offer in result["ranking"]
                   if offer["provider"] == provider and offer["quote_id"] == replaced_quote_id), None)
    chosen = next((offer for offer in ranking if offer["provider"] == provider and offer["quote_id"] == fresh_id),
                  None)
    firsts = [offer for offer in ranking if offer["rank"] == 1]
    best = next((offer for offer in firsts if offer is not chosen), None)
    rows = [_row(line, offer, fresh_id, provider) for offer in ranking[:MAX_ROWS_LOGGED]]
    if chosen is not None and chosen not in ranking[:MAX_ROWS_LOGGED]:
        rows.append(_row(line, chosen, fresh_id, provider))
    preset = result["preferences"]["preset"]
    money = None if chosen is None or best is None else _difference(line, result, chosen, best)
    record = {
        "replaces": replaced_quote_id,
        "preset": preset,
        "preset_label": _preset_label(line, preset),
        "ranked_at": result["time"],
        "offers": len(ranking),
        "rows": rows,
        "chosen": None if chosen is None else {
            "quote_id": fresh_id, "rank": chosen["rank"], "tied": chosen["tied"],
            "previous_rank": None if before is None else before["rank"]},
        "best": None if best is None else {
            "provider": best["provider"], "provider_name": best["provider_name"][:NAME_CHARS],
            "quote_id": best["quote_id"], "rank": best["rank"]},
        "money": money,
    }
    record["sentence"] = rerank_sentence(record, provider_name=_name(result, provider))
    return record


def _name(result: Mapping[str, Any], provider: str) -> str:
    record = next(record for record in result["providers"] if record["provider"] == provider)
    return str(record["provider_name"])[:NAME_CHARS]


def _preset_label(line: ProductLine, preset: str) -> str:
    if preset == CUSTOM:
        return "your own weights"
    try:
        return line.preset(preset).label
    except KeyError:
        return preset


def _difference(line: ProductLine, result: Mapping[str, Any], chosen: Mapping[str, Any],
                best: Mapping[str, Any]) -> dict[str, Any] | None:
    """How much more or less the re-quoted offer costs (or earns) than the best fit, to the cent,
    on the line's price criterion, with both figures: data the sentence is built from."""
    price = explain.price_criterion(line.criteria(result["profile"]))
    if price is None or price.key not in chosen["values"] or price.key not in best["values"]:
        return None
    ours, theirs = Decimal(chosen["values"][price.key]), Decimal(best["values"][price.key])
    difference = to_cents(ours - theirs)
    period, years = explain.money_period(price)
    return {"amount": format(abs(difference), "f"), "direction": "more" if difference > 0 else
            "less" if difference < 0 else "same", "chosen_amount": format(to_cents(ours), "f"),
            "best_amount": format(to_cents(theirs), "f"), "currency": best["currency"], "period": period,
            "years": years, "verb": price.words.verb, "criterion": price.key}


def _comparative(money: Mapping[str, Any]) -> tuple[str, str]:
    """The difference as it reads before "than …", and the period after it when it is a horizon:
    ("$84.00 a year dearer", ""), ("$84.00 dearer", " over your 4 years"), ("earns $84.00 a year less", "")."""
    figure = format_money(Decimal(money["amount"]), money["currency"])
    over = explain.period_words(money["period"], money["years"])
    change = {"more": "dearer", "less": "cheaper"}[money["direction"]] if money["verb"] == "costs" \
        else money["direction"]
    amount = f"{figure} {over} {change}" if over.startswith("a ") else f"{figure} {change}"
    tail = f" {over}" if over and not over.startswith("a ") else ""
    return (amount if money["verb"] == "costs" else f"{money['verb']} {amount}"), tail


def rerank_sentence(record: Mapping[str, Any], *, provider_name: str) -> str:
    """The re-ranking in words, from its record: whether the re-quoted offer still fits best on the
    customer's preset, its new rank, and the offer that now ranks first with its price and the
    difference ("Now $84.00 a year dearer than Acme Auto's $1,116.00 — Acme Auto is now the best fit.")."""
    chosen, best, money = record["chosen"], record["best"], record["money"]
    preset = f"on “{record['preset_label']}”"
    if chosen is None:
        return (f"{provider_name}’s new quote could not be placed in your ranking, so we cannot say how it "
                "compares now.")
    if chosen["rank"] == 1 and best is None:
        return f"With its new quote, {provider_name} is still the best fit for you {preset}."
    if chosen["rank"] == 1:
        return (f"With its new quote, {provider_name} still shares first place {preset} with "
                f"{best['provider_name']}.")
    was = chosen["previous_rank"]
    placed = (f"With its new quote, {provider_name} now ranks {ordinal(chosen['rank'])} of {record['offers']} "
              f"{preset}" + (f" (it was {ordinal(was)})" if was is not None and was != chosen["rank"] else "") + ".")
    if best is None:
        return placed
    name = best["provider_name"]
    if money is None:
        return f"{placed} {name} is now the best fit."
    their_price = format_money(Decimal(money["best_amount"]), money["currency"])
    if money["direction"] == "same":
        verb = "the same price as" if money["verb"] == "costs" else f"{money['verb']} the same as"
        return f"{placed} Now {verb} {name}’s {their_price} — {name} is now the best fit."
    amount, tail = _comparative(money)
    return f"{placed} Now {amount} than {name}’s {their_price}{tail} — {name} is now the best fit."
