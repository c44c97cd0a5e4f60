"""How the shopper looks at a logged ranking: sorted by fit, price or one criterion; offers without
something they require set aside; two or three offers side by side. Read from the results page's
query string (sort, need, compare: names and anonymous offer handles, never personal data), it is
a view only: the ranks shown, the recommendation and the log stay exactly as they were."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from app.products.base import ProductLine, Requirement
from app.ranking.criteria import Criterion

FIT = "fit"
PRICE = "price"
COMPARE_MIN, COMPARE_MAX = 2, 3


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    chosen: bool


Row = tuple[str, list[str]]  # what is compared, and one text per offer


@dataclass(frozen=True)
class Comparison:
    offers: list[Mapping[str, Any]]
    groups: list[tuple[str, list[Row]]]


@dataclass(frozen=True)
class ResultsView:
    base_url: str
    sort: str
    sort_options: list[Option]
    sort_sentence: str | None
    needs: list[Option]
    offers: list[Mapping[str, Any]]
    set_aside: list[tuple[Mapping[str, Any], list[str]]]
    compared: frozenset[str]
    comparison: Comparison | None
    compare_message: str | None
    problems: list[str]

    @property
    def changed(self) -> bool:
        """True when the list differs from the plain ranking (sorted another way, or filtered)."""
        return self.sort != FIT or bool(self.set_aside)

    @property
    def without_compare_url(self) -> str:
        """This view (its sort and requirements) without the side-by-side comparison."""
        query = ([("sort", self.sort)] if self.sort != FIT else []) + [("need", need.value) for need in self.needs if need.chosen]
        return self.base_url + ("?" + urlencode(query) if query else "") + "#ranking-heading"

    @property
    def best_shown(self) -> Mapping[str, Any] | None:
        """The best-ranked offer still in the list when the recommended one was set aside."""
        shown = sorted(self.offers, key=lambda offer: offer["rank"])
        return shown[0] if shown and self.set_aside and shown[0]["rank"] != 1 else None


def results_view(line: ProductLine, result: Mapping[str, Any], args: Any, base_url: str,
                 criteria: Sequence[Criterion]) -> ResultsView:
    """The view the query `args` (a MultiDict) asks for; anything it does not understand is named
    in `problems` and left out, never an error page."""
    problems: list[str] = []
    by_key = {criterion.key: criterion for criterion in criteria}
    price_key = line.columns[0].fact if line.columns and line.columns[0].fact in by_key else None
    sort = _sort_key(args.get("sort", FIT), by_key, price_key, problems)
    ranking = list(result["ranking"])
    terms = _terms_by_offer(result)
    requirements = {requirement.key: requirement for requirement in line.requirements}
    wanted = _wanted(args.getlist("need"), requirements, problems)
    shown, set_aside = _filtered(ranking, terms, [requirements[key] for key in wanted])
    shown = _sorted(shown, by_key.get(price_key if sort == PRICE else sort))
    compared, comparison, message = _comparison(line, ranking, terms, args.getlist("compare"), by_key)
    options = [Option(FIT, "Best fit", sort == FIT)]
    if price_key:
        options.append(Option(PRICE, by_key[price_key].label, sort == PRICE))
    options += [Option(key, criterion.label, sort == key) for key, criterion in by_key.items() if key != price_key]
    return ResultsView(
        base_url=base_url, sort=sort, sort_options=options,
        sort_sentence=None if sort == FIT else _sort_sentence(by_key[price_key if sort == PRICE else sort]),
        needs=[Option(key, requirement.label, key in wanted) for key, requirement in requirements.items()],
        offers=shown, set_aside=set_aside, compared=compared, comparison=comparison, compare_message=message,
        problems=problems,
    )


def _sort_key(asked: str, by_key: Mapping[str, Criterion], price_key: str | None, problems: list[str]) -> str:
    if asked in (FIT, PRICE) and (asked == FIT or price_key):
        return asked
    if asked == price_key:
        return PRICE
    if asked in by_key:
        return asked
    problems.append("We cannot sort by that, so the offers are in best-fit order.")
    return FIT


def _wanted(asked: Sequence[str], requirements: Mapping[str, Requirement], problems: list[str]) -> list[str]:
    unknown = [key for key in asked if key not in requirements]
    if unknown:
        problems.append("We do not know one of the things you asked to require, so we left it out.")
    return [key for key in requirements if key in asked]


def _terms_by_offer(result: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(provider["provider"], quote["id"]): quote.get("terms") or {}
            for provider in result.get("providers", []) for quote in provider.get("quotes", [])}


def _terms_of(offer: Mapping[str, Any], terms: Mapping[tuple[str, str], Mapping[str, Any]]) -> Mapping[str, Any]:
    return terms.get((offer["provider"], offer["quote_id"]), {})


def _filtered(ranking: list[Mapping[str, Any]], terms: Mapping[tuple[str, str], Mapping[str, Any]],
              required: Sequence[Requirement]) -> tuple[list[Mapping[str, Any]], list[tuple[Mapping[str, Any], list[str]]]]:
    shown, set_aside = [], []
    for offer in ranking:
        missing = [requirement.label for requirement in required if not requirement.met(_terms_of(offer, terms))]
        if missing:
            set_aside.append((offer, missing))
        else:
            shown.append(offer)
    return shown, set_aside


def _value(offer: Mapping[str, Any], key: str) -> Decimal | None:
    try:
        return Decimal(str(offer["values"][key]))
    except (KeyError, InvalidOperation):
        return None


def _sorted(offers: list[Mapping[str, Any]], criterion: Criterion | None) -> list[Mapping[str, Any]]:
    """Best on the criterion first; equal values keep their best-fit order (the sort is stable)."""
    if criterion is None:
        return offers
    sign = 1 if criterion.direction == "lower" else -1

    def key(offer: Mapping[str, Any]) -> tuple[int, Decimal]:
        value = _value(offer, criterion.key)
        return (1, Decimal(0)) if value is None else (0, sign * value)
    return sorted(offers, key=key)


def _sort_sentence(criterion: Criterion) -> str:
    order = "lowest" if criterion.direction == "lower" else "highest"
    return (f"Sorted by {criterion.label[:1].lower() + criterion.label[1:]}, {order} first. "
            "The rank beside each offer is still its best-fit rank, and the best fit is still the one at the top of the page.")


def _comparison(line: ProductLine, ranking: list[Mapping[str, Any]],
                terms: Mapping[tuple[str, str], Mapping[str, Any]], asked: Sequence[str],
                by_key: Mapping[str, Criterion]) -> tuple[frozenset[str], Comparison | None, str | None]:
    handles = {offer["handle"]: offer for offer in ranking}
    chosen = [handles[handle] for handle in dict.fromkeys(asked) if handle in handles]
    gone = len(set(asked)) - len(chosen)
    note = f" {_offers(gone)} you chose {'is' if gone == 1 else 'are'} no longer in this ranking." if gone else ""
    if not chosen:
        return frozenset(), None, note.strip() or None
    picked = frozenset(offer["handle"] for offer in chosen)
    if len(chosen) < COMPARE_MIN:
        return picked, None, "Choose one more offer to compare it with." + note
    if len(chosen) > COMPARE_MAX:
        return picked, None, f"You chose {len(chosen)} offers: choose two or three to compare side by side." + note
    return picked, _comparison_table(line, chosen, terms, by_key), note.strip() or None


def _offers(count: int) -> str:
    return "1 offer" if count == 1 else f"{count} offers"


def _comparison_table(line: ProductLine, chosen: list[Mapping[str, Any]],
                      terms: Mapping[tuple[str, str], Mapping[str, Any]], by_key: Mapping[str, Criterion]) -> Comparison:
    chosen = sorted(chosen, key=lambda offer: offer["rank"])
    ranked: list[Row] = [("Best-fit rank", [str(offer["rank"]) + (" (tied)" if offer.get("tied") else "") for offer in chosen]),
              ("Score out of 100", [str(offer.get("shown_score", offer["score"])) for offer in chosen])]
    criteria = [(criterion.label, [_formatted(criterion, offer) for offer in chosen]) for criterion in by_key.values()]
    columns: list[Row] = []
    for column in line.columns:
        facts = [offer["facts"] for offer in chosen]
        details = [str(fact.get(column.detail) or "") if column.detail else "" for fact in facts]
        if column.detail and column.detail_prefix.strip():
            columns.append((column.label, [str(fact.get(column.fact, "")) for fact in facts]))
            columns.append((column.detail_prefix.strip().rstrip(":"), details))
        else:
            columns.append((column.label, [str(fact.get(column.fact, "")) + (f" ({detail})" if detail else "")
                                           for fact, detail in zip(facts, details)]))
    needs = [(requirement.label, ["Yes" if requirement.met(_terms_of(offer, terms)) else "No" for offer in chosen])
             for requirement in line.requirements]
    groups = [("Rank", ranked), ("What we rank on", criteria), ("Their terms", columns + needs)]
    return Comparison(offers=chosen, groups=groups)


def _formatted(criterion: Criterion, offer: Mapping[str, Any]) -> str:
    value = _value(offer, criterion.key)
    return "not given" if value is None else criterion.format(value)
