"""The mortgage findings (findings.py) in words for the pages: the safe harbor's three loans for
each kind of loan, and which offers are higher-priced — or, when the table of average prime offer
rates is missing or out of date, a warning saying we could not check."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.products.mortgage.figures import percent
from app.products.mortgage.apor import rate_spread
from app.products.mortgage.findings import HIGHER_PRICED_MEANING, apor_term
from app.products.mortgage.safe_harbor import OPTIONS, TRANSACTION_TYPE_WORDS, creditors_sentence, features_text

TermsOf = Callable[[Mapping[str, Any]], Mapping[str, Any]]
NO_RISK_FREE_OFFER = "No offer without any of these features"


@dataclass(frozen=True)
class OptionRow:
    label: str
    key: str
    loan: str | None
    """The provider and the loan's name, or None when no offer is this option."""
    house: bool
    rate: str
    points_and_fees: str
    rank: int | None
    features: str


@dataclass(frozen=True)
class SafeHarborGroup:
    heading: str
    rows: list[OptionRow]
    creditors: str
    enough_creditors: bool


@dataclass(frozen=True)
class HigherPriced:
    warning: str | None
    """Why offers could not be checked (a missing or out-of-date table), or None."""
    flagged: list[str]
    summary: str | None
    meaning: str
    source: str
    """Where the average prime offer rates came from ("… simulated …" in the demo)."""


@dataclass(frozen=True)
class FindingsView:
    safe_harbor: list[SafeHarborGroup]
    higher_priced: HigherPriced


def findings_view(result: Mapping[str, Any]) -> FindingsView | None:
    """The logged findings of a result, in words; None when it has none (another line, an entry
    from before findings, one whose customer's details were erased, or nothing ranked)."""
    findings = (result.get("explanation") or {}).get("findings")
    if not findings or not result["ranking"]:  # nothing ranked: no loans to show, none to check
        return None
    offers = {(offer["provider"], offer["quote_id"]): offer for offer in result["ranking"]}
    terms = {(provider["provider"], quote["id"]): quote["terms"]
             for provider in result["providers"] for quote in provider["quotes"]}

    def terms_of(offer: Mapping[str, Any]) -> Mapping[str, Any]:
        return terms[(offer["provider"], offer["quote_id"])]

    groups = [_group(group, offers, terms_of) for group in findings["safe_harbor"]]
    return FindingsView(groups, _higher_priced(findings["higher_priced"], result["reference_data"]["apor"],
                                               result["ranking"], terms_of))


def _loan_name(offer: Mapping[str, Any]) -> str:
    name = offer["provider_name"]
    return f"{name} ({offer['offer_name']})" if offer.get("offer_name") else name


def _group(group: Mapping[str, Any], offers: Mapping[tuple[str, str], Mapping[str, Any]],
           terms_of: TermsOf) -> SafeHarborGroup:
    rows = []
    for key, label in OPTIONS:
        chosen = group["options"][key]
        if chosen is None:
            rows.append(OptionRow(label, key, None, False, "—", "—", None, NO_RISK_FREE_OFFER))
            continue
        offer = offers[(chosen["provider"], chosen["quote_id"])]
        terms = terms_of(offer)
        rows.append(OptionRow(label, key, _loan_name(offer), offer["house"], percent(Decimal(terms["note_rate"])),
                              offer["facts"]["upfront"], chosen["rank"], features_text(terms.get("features") or ())))
    return SafeHarborGroup(TRANSACTION_TYPE_WORDS[group["transaction_type"]], rows, creditors_sentence(group),
                           group["enough_creditors"])


def _week(text: str) -> str:
    day = date.fromisoformat(text)
    return f"{day:%B} {day.day}, {day.year}"


def _table_warning(apor: Mapping[str, Any], kinds: set[str]) -> str | None:
    for kind in sorted(kinds):
        table = apor[kind]
        words = "fixed-rate" if kind == "fixed" else "adjustable-rate"
        if table["status"] == "missing":
            return (f"We could not check which offers are higher-priced mortgage loans: we have no table of average "
                    f"prime offer rates for {words} loans for {_week(apor['date'])}.")
        if table["status"] == "stale":
            return (f"We could not check which offers are higher-priced mortgage loans: our table of average prime "
                    f"offer rates for {words} loans is out of date (its newest week began {_week(table['newest_week'])}).")
    return None


def _higher_priced(record: Mapping[str, Any], apor: Mapping[str, Any],
                   ranking: Sequence[Mapping[str, Any]], terms_of: TermsOf) -> HigherPriced:
    flagged = []
    for position in record["flagged"]:
        offer = ranking[position]
        kind, term = apor_term(terms_of(offer))
        apr, average = Decimal(offer["values"]["apr"]), Decimal(apor[kind]["rates"][str(term)])
        flagged.append(f"{_loan_name(offer)}: its APR of {percent(apr)} is {rate_spread(apr, average):.3f} percentage "
                       f"points above the average prime offer rate of {percent(average)} for a comparable loan, "
                       f"the week of {_week(apor[kind]['week'])}.")
    checked = record["checked"]
    unchecked = {apor_term(terms_of(offer))[0] for offer in ranking} if record["unchecked"] else set()
    threshold = Decimal(record["threshold"])
    summary = None
    if checked and not flagged:
        summary = (f"None of the {checked} offers checked is a higher-priced mortgage loan: each APR is less than "
                   f"{threshold} percentage points above the average prime offer rate.")
    elif flagged:
        summary = (f"{len(flagged)} of the {checked} offers checked "
                   f"{'is a higher-priced mortgage loan' if len(flagged) == 1 else 'are higher-priced mortgage loans'}"
                   f": APR {threshold} percentage points or more above the average prime offer rate.")
    source = f"Average prime offer rates: {apor['source']}."
    return HigherPriced(_table_warning(apor, unchecked), flagged, summary, HIGHER_PRICED_MEANING, source)
