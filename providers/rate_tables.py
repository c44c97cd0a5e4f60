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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from providers.base import Quote, QuoteQuery
from providers.cells import CellError, parse_value  # noqa: F401 - re-exported: the cell readers lived here
from providers.cells import NUMBER, normalise_text, term_value
from providers.errors import LayoutChanged, ProviderConfigError, ProviderDeclined

PARSERS = ("text", "integer", "decimal", "money", "percent", "boolean")
CENT = Decimal("0.01")
DEFAULT_MAX_OFFERS = 10
DEFAULT_NO_RATE_REASON = "its published rates do not cover this profile"
Row = dict[str, Any]


# --- the settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    parse: str = "text"
    selector: str | None = None
    """HTML: a CSS selector within the row."""
    header: str | None = None
    """HTML: the column's header text; sheets: the column's name (defaults to the field name)."""
    optional: bool = False


@dataclass(frozen=True)
class Derivation:
    name: str
    source: str
    how: str  # "age_of" or "prefix_of"
    length: int = 0


@dataclass(frozen=True)
class Condition:
    value: str
    low: str | None = None
    high: str | None = None
    equals: str | None = None


@dataclass(frozen=True)
class Factor:
    value: str
    label: str | None = None
    percent: Decimal | None = None
    per_unit: bool = False
    when: Any = None
    above: Decimal | None = None
    below: Decimal | None = None


@dataclass(frozen=True)
class Variant:
    when: Mapping[str, Any]
    base: str | None
    terms: Mapping[str, Any]


@dataclass(frozen=True)
class SurchargeTable:
    table: str
    rows: str
    label: ColumnSpec
    percent: ColumnSpec


@dataclass(frozen=True)
class Pricing:
    base: str
    into: str
    factors: tuple[Factor, ...] = ()
    surcharges: SurchargeTable | None = None


@dataclass(frozen=True)
class RateMapping:
    columns: tuple[ColumnSpec, ...]
    derive: tuple[Derivation, ...] = ()
    match: tuple[Condition, ...] = ()
    variants: tuple[Variant, ...] = ()
    pricing: Pricing | None = None
    terms: Mapping[str, Any] = field(default_factory=dict)
    currency: str = "USD"
    max_offers: int = DEFAULT_MAX_OFFERS
    no_rate_reason: str = DEFAULT_NO_RATE_REASON


MAPPING_KEYS = {"columns", "derive", "match", "variants", "pricing", "terms", "currency", "max_offers", "no_rate_reason"}


class _Settings:
    """Reads one provider's settings, naming the provider and the setting in every complaint."""

    def __init__(self, provider_key: str) -> None:
        self.provider_key = provider_key

    def fail(self, setting: str, problem: str) -> ProviderConfigError:
        return ProviderConfigError(self.provider_key, setting, problem)

    def table(self, value: Any, setting: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(setting, "must be a table")
        return value

    def tables(self, value: Any, setting: str, *, written: str = "") -> list[tuple[str, Mapping[str, Any]]]:
        """An array of tables, each with the name of its own setting ("match[2]")."""
        if not isinstance(value, list):
            raise self.fail(setting, "must be an array of tables" + (f" ({written})" if written else ""))
        return [(f"{setting}[{position}]", self.table(item, f"{setting}[{position}]")) for position, item in enumerate(value)]

    def text(self, value: Any, setting: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(setting, "must be non-empty text")
        return value

    def decimal(self, value: Any, setting: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.fail(setting, 'must be a number written as text, e.g. "45" or "-8.5" (TOML floats are inexact)')
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self.fail(setting, f"{value!r} is not a number") from None

    def column(self, name: str, value: Any, setting: str, *, html: bool) -> ColumnSpec:
        if isinstance(value, str):
            value = {"selector": value} if html else {"header": value}
        spec = self.table(value, setting)
        unknown = set(spec) - {"selector", "header", "parse", "optional"}
        if unknown:
            raise self.fail(setting, f"unknown keys {sorted(unknown)}")
        parse = spec.get("parse", "text")
        if parse not in PARSERS:
            raise self.fail(f"{setting}.parse", f"must be one of {', '.join(PARSERS)}")
        selector, header = spec.get("selector"), spec.get("header")
        if html and (selector is None) == (header is None):
            raise self.fail(setting, "needs exactly one of 'selector' (CSS, within the row) or 'header' (header text)")
        if not html and selector is not None:
            raise self.fail(setting, "a sheet column is named by 'header', not 'selector'")
        for key, text in (("selector", selector), ("header", header)):
            if text is not None:
                self.text(text, f"{setting}.{key}")
        optional = spec.get("optional", False)
        if not isinstance(optional, bool):
            raise self.fail(f"{setting}.optional", "must be true or false")
        return ColumnSpec(field=name, parse=parse, selector=selector,
                          header=header if (header or html) else name, optional=optional)


def parse_mapping(provider_key: str, options: Mapping[str, Any], *, html: bool) -> RateMapping:
    """The mapping part of a provider's settings; raises ProviderConfigError naming the setting."""
    read = _Settings(provider_key)
    raw_columns = read.table(options.get("columns"), "columns")
    if not raw_columns:
        raise read.fail("columns", "name at least one column to read")
    columns = tuple(read.column(name, spec, f"columns.{name}", html=html) for name, spec in raw_columns.items())
    fields = {column.field for column in columns}

    derive = []
    for name, spec in read.table(options.get("derive", {}), "derive").items():
        spec = read.table(spec, f"derive.{name}")
        if "age_of" in spec:
            derive.append(Derivation(name, read.text(spec["age_of"], f"derive.{name}.age_of"), "age_of"))
        elif "prefix_of" in spec:
            length = spec.get("length")
            if not isinstance(length, int) or isinstance(length, bool) or length < 1:
                raise read.fail(f"derive.{name}.length", "must be a whole number of characters, at least 1")
            derive.append(Derivation(name, read.text(spec["prefix_of"], f"derive.{name}.prefix_of"), "prefix_of", length))
        else:
            raise read.fail(f"derive.{name}", "must say 'age_of' (a date field) or 'prefix_of' with 'length'")

    match = []
    for setting, spec in read.tables(options.get("match", []), "match", written="[[provider.match]]"):
        condition = Condition(value=read.text(spec.get("value"), f"{setting}.value"),
                              low=spec.get("from"), high=spec.get("to"), equals=spec.get("equals"))
        if condition.equals is None and condition.low is None and condition.high is None:
            raise read.fail(setting, "needs 'equals' (a row field) or 'from'/'to' (row fields bounding a band)")
        for key in ("from", "to", "equals"):
            if spec.get(key) is not None and spec[key] not in fields:
                raise read.fail(f"{setting}.{key}", f"{spec[key]!r} is not one of the columns")
        match.append(condition)

    pricing = None
    if "pricing" in options:
        spec = read.table(options["pricing"], "pricing")
        base = read.text(spec.get("base"), "pricing.base")
        if base not in fields:
            raise read.fail("pricing.base", f"{base!r} is not one of the columns")
        surcharges = None
        if "surcharges" in spec:
            if not html:
                raise read.fail("pricing.surcharges", "is only for rate pages; give each factor a 'percent'")
            table = read.table(spec["surcharges"], "pricing.surcharges")
            surcharges = SurchargeTable(
                table=read.text(table.get("table"), "pricing.surcharges.table"),
                rows=read.text(table.get("rows"), "pricing.surcharges.rows"),
                label=read.column("label", table.get("label"), "pricing.surcharges.label", html=True),
                percent=read.column("percent", table.get("percent"), "pricing.surcharges.percent", html=True),
            )
        factors = []
        for setting, factor in read.tables(spec.get("factors", []), "pricing.factors"):
            label = factor.get("label")
            percent = factor.get("percent")
            if (label is None) == (percent is None):
                raise read.fail(setting, "needs exactly one of 'label' (a row of the surcharge table) or 'percent'")
            if label is not None and surcharges is None:
                raise read.fail(f"{setting}.label", "needs pricing.surcharges to say where the surcharge table is")
            conditions = [key for key in ("per_unit", "when", "above", "below") if key in factor]
            if len(conditions) != 1:
                raise read.fail(setting, "needs exactly one of 'per_unit = true', 'when', 'above' or 'below'")
            if "per_unit" in factor and factor["per_unit"] is not True:
                raise read.fail(f"{setting}.per_unit", "must be true")
            factors.append(Factor(
                value=read.text(factor.get("value"), f"{setting}.value"),
                label=None if label is None else normalise_text(read.text(label, f"{setting}.label")),
                percent=None if percent is None else read.decimal(percent, f"{setting}.percent"),
                per_unit="per_unit" in factor,
                when=factor.get("when"),
                above=read.decimal(factor["above"], f"{setting}.above") if "above" in factor else None,
                below=read.decimal(factor["below"], f"{setting}.below") if "below" in factor else None,
            ))
        money_fields = {column.field for column in columns if column.parse in ("money", "decimal")}
        if base not in money_fields:
            raise read.fail("pricing.base", f"column {base!r} must be read with parse = \"money\" or \"decimal\"")
        pricing = Pricing(base=base, into=read.text(spec.get("into"), "pricing.into"), factors=tuple(factors),
                          surcharges=surcharges)

    variants = []
    for setting, spec in read.tables(options.get("variants", []), "variants", written="[[provider.variants]]"):
        base = spec.get("base")
        if base is not None and base not in fields:
            raise read.fail(f"{setting}.base", f"{base!r} is not one of the columns")
        if base is not None and pricing is None:
            raise read.fail(f"{setting}.base", "only means something with [provider.pricing]")
        if base is not None and next(c for c in columns if c.field == base).parse not in ("money", "decimal"):
            raise read.fail(f"{setting}.base", f"column {base!r} must be read with parse = \"money\" or \"decimal\"")
        variants.append(Variant(when=dict(read.table(spec.get("when", {}), f"{setting}.when")), base=base,
                                terms=dict(read.table(spec.get("terms", {}), f"{setting}.terms"))))

    terms = dict(read.table(options.get("terms", {}), "terms"))
    for name, value in [*terms.items(), *((n, v) for variant in variants for n, v in variant.terms.items())]:
        if isinstance(value, Mapping):
            if set(value) == {"row"}:
                if value["row"] not in fields:
                    raise read.fail(f"terms.{name}.row", f"{value['row']!r} is not one of the columns")
            elif set(value) == {"none"}:
                if value["none"] is not True:
                    raise read.fail(f"terms.{name}.none", "must be true (TOML has no null: {none = true} is one)")
            elif set(value) != {"profile"}:
                raise read.fail(f"terms.{name}",
                                "a computed term is {row = \"column\"}, {profile = \"field\"} or {none = true}")
        elif isinstance(value, float):
            raise read.fail(f"terms.{name}", 'write decimals as text, e.g. "0.82" (TOML floats are inexact)')
    if not terms and not any(variant.terms for variant in variants) and pricing is None:
        raise read.fail("terms", "say which offer terms the rates give (see docs/writing-an-adapter.md)")

    currency = options.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise read.fail("currency", "must be a three-letter currency code such as USD")
    max_offers = options.get("max_offers", DEFAULT_MAX_OFFERS)
    if not isinstance(max_offers, int) or isinstance(max_offers, bool) or not 1 <= max_offers <= 100:
        raise read.fail("max_offers", "must be a whole number from 1 to 100")
    reason = options.get("no_rate_reason", DEFAULT_NO_RATE_REASON)
    return RateMapping(columns=columns, derive=tuple(derive), match=tuple(match), variants=tuple(variants),
                       pricing=pricing, terms=terms, currency=currency, max_offers=max_offers,
                       no_rate_reason=read.text(reason, "no_rate_reason"))


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
        terms: dict[str, Any] = {}
        for name, spec in terms_template.items():
            if isinstance(spec, Mapping) and "row" in spec:
                terms[name] = term_value(row.get(spec["row"]))
            elif isinstance(spec, Mapping) and "profile" in spec:
                terms[name] = values.get(spec["profile"])
            elif isinstance(spec, Mapping):
                terms[name] = None
            else:
                terms[name] = spec
        if mapping.pricing is not None:
            pricing = mapping.pricing
            base = row.get((variant.base if variant and variant.base else None) or pricing.base)
            if not isinstance(base, Decimal):
                raise LayoutChanged(layout_message, detail=f"row {position + 1} has no price in {pricing.base!r}")
            price = base
            for factor in pricing.factors:
                percent = factor.percent
                if percent is None:
                    assert factor.label is not None
                    percent = (surcharges or {}).get(factor.label.casefold())
                    if percent is None:
                        raise LayoutChanged(layout_message, detail=f"no surcharge row labelled {factor.label!r}")
                price *= multiplier(factor, percent, values)
            terms[pricing.into] = format(price.quantize(CENT, rounding=ROUND_HALF_UP), "f")
        digest = hashlib.sha256(json.dumps([source_digest, position, terms], sort_keys=True, default=str).encode())
        quotes.append(Quote(id=f"{provider_key}-{digest.hexdigest()[:20]}", product=query.product,
                            currency=mapping.currency, valid_until=valid_until, terms=terms, url=url))
    return quotes
