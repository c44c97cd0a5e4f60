"""From published rates to offers: the mapping shared by `html_rate_table` and `rate_sheet`.

A provider that only publishes rates (a page, a sheet) cannot price one customer exactly the way
its own quoting system would. The mapping makes what we do with its rates explicit, in the
providers file, and the same for every product line (docs/writing-an-adapter.md has the full
reference):

1. `columns`  read each row of the table into named fields, each parsed as text, integer,
              decimal, money or percent (or boolean).
2. `derive`   compute values from the profile that rows are keyed on (an age from a birth date,
              a ZIP prefix).
3. `match`    keep the rows that apply to this profile: a value inside a row's from/to band, or
              equal to a row field. Every matching row is one offer (a lender's rows of rate and
              points for the asked term; for a base-rate table by age and territory, one row).
4. `variants` pick, by the profile, which row field is the base price and which terms change
              (liability-only versus full cover, say). The first variant whose `when` holds wins.
5. `pricing`  optional: the base price times published surcharges ("+45% per at-fault
              accident"), read from a surcharge table on the page or set in the file.
6. `terms`    the offer terms: literals, row fields or profile values; the price goes to
              `pricing.into`.

Every number that reaches an offer came from the provider's rates or is this documented
arithmetic on them: Decimal throughout, rounded to cents once, at the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from providers.base import ESTIMATE, Quote, QuoteQuery
from providers.cells import NUMBER, normalise_text, term_value
from providers.errors import LayoutChanged, ProviderDeclined
from providers.rate_mapping import Condition, Factor, RateMapping, Row

CENT = Decimal("0.01")


# --- rows to offers --------------------------------------------------------------------------------


def profile_values(mapping: RateMapping, profile: Mapping[str, Any], today: date) -> dict[str, Any]:
    values = {key: value for key, value in profile.items() if not isinstance(value, (Mapping, list))}
    for derivation in mapping.derive:
        source = profile.get(derivation.source)
        if not isinstance(source, str):
            continue
        if derivation.how == "age_of":
            try:
                born = date.fromisoformat(source)
            except ValueError:
                continue
            had_birthday = (today.month, today.day) >= (born.month, born.day)
            values[derivation.name] = today.year - born.year - (0 if had_birthday else 1)
        else:
            prefix = source[: derivation.length]
            values[derivation.name] = int(prefix) if prefix.isdigit() else prefix
    return values


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def same(left: Any, right: Any) -> bool:
    """Equality across what a profile, a TOML file and a table cell call the same thing:
    "500" is 500, "Business" is "business"; true is only ever true."""
    if isinstance(right, list):
        return any(same(left, item) for item in right)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    left_number, right_number = _number(left), _number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    if left is None or right is None:
        return left is right
    return normalise_text(left).casefold() == normalise_text(right).casefold()


def _holds(condition: Condition, row: Row, values: Mapping[str, Any]) -> bool:
    value = values.get(condition.value)
    if value is None:
        return False
    if condition.equals is not None and not same(value, row.get(condition.equals)):
        return False
    if condition.low is not None or condition.high is not None:
        number = _number(value)
        if number is None:
            return False
        low = _number(row.get(condition.low)) if condition.low is not None else None
        high = _number(row.get(condition.high)) if condition.high is not None else None
        if condition.low is not None and (low is None or number < low):
            return False
        if condition.high is not None and (high is None or number > high):
            return False
    return True


def _applies(when: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    return all(same(values.get(name), expected) for name, expected in when.items())


def multiplier(factor: Factor, percent: Decimal, values: Mapping[str, Any]) -> Decimal:
    """1 + percent/100 when the factor applies (per unit: once for each unit), else 1."""
    value = values.get(factor.value)
    rate = percent / 100
    if factor.per_unit:
        units = _number(value)
        return Decimal(1) + rate * units if units is not None and units > 0 else Decimal(1)
    if factor.above is not None or factor.below is not None:
        number = _number(value)
        if number is None:
            return Decimal(1)
        if factor.above is not None and number > factor.above:
            return Decimal(1) + rate
        if factor.below is not None and number < factor.below:
            return Decimal(1) + rate
        return Decimal(1)
    return Decimal(1) + rate if same(value, factor.when) else Decimal(1)


def offers_from_rows(
    mapping: RateMapping,
    rows: Sequence[Row],
    query: QuoteQuery,
    *,
    provider_key: str,
    source_digest: str,
    valid_until: datetime,
    today: date,
    surcharges: Mapping[str, Decimal] | None = None,
    url: str | None = None,
    layout_message: str = "changed its rate page, so we could not read its rates",
) -> list[Quote]:
    values = profile_values(mapping, query.profile, today)
    matched = [(position, row) for position, row in enumerate(rows)
               if all(_holds(condition, row, values) for condition in mapping.match)]
    if not matched:
        raise ProviderDeclined(mapping.no_rate_reason, ours=True)  # the operator's words, from the providers file
    variant = next((v for v in mapping.variants if _applies(v.when, values)), None)
    terms_template = {**mapping.terms, **(variant.terms if variant else {})}
    quotes = []
    for position, row in matched[: mapping.max_offers]:
        terms = _row_terms(terms_template, row, values)
        if mapping.pricing is not None:
            base = row.get((variant.base if variant and variant.base else None) or mapping.pricing.base)
            if not isinstance(base, Decimal):
                raise LayoutChanged(layout_message, detail=f"row {position + 1} has no price in {mapping.pricing.base!r}")
            price = _priced(base, mapping.pricing.factors, values, surcharges or {}, layout_message)
            terms[mapping.pricing.into] = format(price.quantize(CENT, rounding=ROUND_HALF_UP), "f")
        digest = hashlib.sha256(json.dumps([source_digest, position, terms], sort_keys=True, default=str).encode())
        quotes.append(Quote(id=f"{provider_key}-{digest.hexdigest()[:20]}", product=query.product,
                            currency=mapping.currency, valid_until=valid_until, terms=terms, url=url,
                            firmness=ESTIMATE))
    return quotes


def _row_terms(template: Mapping[str, Any], row: Row, values: Mapping[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for name, spec in template.items():
        if isinstance(spec, Mapping) and "row" in spec:
            terms[name] = term_value(row.get(spec["row"]))
        elif isinstance(spec, Mapping) and "profile" in spec:
            terms[name] = values.get(spec["profile"])
        elif isinstance(spec, Mapping):
            terms[name] = None
        else:
            terms[name] = spec
    return terms


def _priced(base: Decimal, factors: Sequence[Factor], values: Mapping[str, Any], surcharges: Mapping[str, Decimal],
            layout_message: str) -> Decimal:
    """The base price times every factor; unrounded, so the offer is rounded to cents once."""
    price = base
    for factor in factors:
        percent = factor.percent
        if percent is None:
            assert factor.label is not None
            percent = surcharges.get(factor.label.casefold())
            if percent is None:
                raise LayoutChanged(layout_message, detail=f"no surcharge row labelled {factor.label!r}")
        price *= multiplier(factor, percent, values)
    return price
