"""Reading a provider's rate mapping from its settings (the six steps are described in
providers/rate_tables.py and docs/writing-an-adapter.md). Every complaint names the provider and
the exact setting, so an operator can fix the providers file without reading this code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from providers.cells import normalise_text
from providers.errors import ProviderConfigError

PARSERS = ("text", "integer", "decimal", "money", "percent", "boolean")
DEFAULT_MAX_OFFERS = 10
DEFAULT_NO_RATE_REASON = "its published rates do not cover this profile"
PRICED_PARSERS = ("money", "decimal")
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
    columns = _columns(read, options, html=html)
    fields = {column.field for column in columns}
    derive = _derivations(read, options)
    match = _conditions(read, options, fields)
    pricing = _pricing(read, options["pricing"], columns, html=html) if "pricing" in options else None
    variants = _variants(read, options, columns, priced=pricing is not None)
    terms = _terms(read, options, fields, variants)
    if not terms and not any(variant.terms for variant in variants) and pricing is None:
        raise read.fail("terms", "say which offer terms the rates give (see docs/writing-an-adapter.md)")
    currency = options.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise read.fail("currency", "must be a three-letter currency code such as USD")
    max_offers = options.get("max_offers", DEFAULT_MAX_OFFERS)
    if not isinstance(max_offers, int) or isinstance(max_offers, bool) or not 1 <= max_offers <= 100:
        raise read.fail("max_offers", "must be a whole number from 1 to 100")
    reason = options.get("no_rate_reason", DEFAULT_NO_RATE_REASON)
    return RateMapping(columns=columns, derive=derive, match=match, variants=variants, pricing=pricing, terms=terms, currency=currency, max_offers=max_offers,
                       no_rate_reason=read.text(reason, "no_rate_reason"))


def _columns(read: _Settings, options: Mapping[str, Any], *, html: bool) -> tuple[ColumnSpec, ...]:
    raw_columns = read.table(options.get("columns"), "columns")
    if not raw_columns:
        raise read.fail("columns", "name at least one column to read")
    return tuple(read.column(name, spec, f"columns.{name}", html=html) for name, spec in raw_columns.items())


def _derivations(read: _Settings, options: Mapping[str, Any]) -> tuple[Derivation, ...]:
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
    return tuple(derive)


def _conditions(read: _Settings, options: Mapping[str, Any], fields: set[str]) -> tuple[Condition, ...]:
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
    return tuple(match)


def _pricing(read: _Settings, raw: Any, columns: tuple[ColumnSpec, ...], *, html: bool) -> Pricing:
    spec = read.table(raw, "pricing")
    base = read.text(spec.get("base"), "pricing.base")
    if base not in {column.field for column in columns}:
        raise read.fail("pricing.base", f"{base!r} is not one of the columns")
    surcharges = _surcharge_table(read, spec["surcharges"], html=html) if "surcharges" in spec else None
    factors = tuple(_factor(read, setting, factor, surcharges)
                    for setting, factor in read.tables(spec.get("factors", []), "pricing.factors"))
    if base not in {column.field for column in columns if column.parse in PRICED_PARSERS}:
        raise read.fail("pricing.base", f"column {base!r} must be read with parse = \"money\" or \"decimal\"")
    return Pricing(base=base, into=read.text(spec.get("into"), "pricing.into"), factors=factors, surcharges=surcharges)


def _surcharge_table(read: _Settings, raw: Any, *, html: bool) -> SurchargeTable:
    if not html:
        raise read.fail("pricing.surcharges", "is only for rate pages; give each factor a 'percent'")
    table = read.table(raw, "pricing.surcharges")
    return SurchargeTable(
        table=read.text(table.get("table"), "pricing.surcharges.table"),
        rows=read.text(table.get("rows"), "pricing.surcharges.rows"),
        label=read.column("label", table.get("label"), "pricing.surcharges.label", html=True),
        percent=read.column("percent", table.get("percent"), "pricing.surcharges.percent", html=True),
    )


def _factor(read: _Settings, setting: str, factor: Mapping[str, Any], surcharges: SurchargeTable | None) -> Factor:
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
    return Factor(
        value=read.text(factor.get("value"), f"{setting}.value"),
        label=None if label is None else normalise_text(read.text(label, f"{setting}.label")),
        percent=None if percent is None else read.decimal(percent, f"{setting}.percent"),
        per_unit="per_unit" in factor,
        when=factor.get("when"),
        above=read.decimal(factor["above"], f"{setting}.above") if "above" in factor else None,
        below=read.decimal(factor["below"], f"{setting}.below") if "below" in factor else None,
    )


def _variants(read: _Settings, options: Mapping[str, Any], columns: tuple[ColumnSpec, ...], *,
              priced: bool) -> tuple[Variant, ...]:
    fields = {column.field for column in columns}
    variants = []
    for setting, spec in read.tables(options.get("variants", []), "variants", written="[[provider.variants]]"):
        base = spec.get("base")
        if base is not None and base not in fields:
            raise read.fail(f"{setting}.base", f"{base!r} is not one of the columns")
        if base is not None and not priced:
            raise read.fail(f"{setting}.base", "only means something with [provider.pricing]")
        if base is not None and next(c for c in columns if c.field == base).parse not in PRICED_PARSERS:
            raise read.fail(f"{setting}.base", f"column {base!r} must be read with parse = \"money\" or \"decimal\"")
        variants.append(Variant(when=dict(read.table(spec.get("when", {}), f"{setting}.when")), base=base,
                                terms=dict(read.table(spec.get("terms", {}), f"{setting}.terms"))))
    return tuple(variants)


def _terms(read: _Settings, options: Mapping[str, Any], fields: set[str], variants: tuple[Variant, ...]) -> dict[str, Any]:
    """The shared terms, checked together with every variant's own terms (all are written the same way)."""
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
    return terms
