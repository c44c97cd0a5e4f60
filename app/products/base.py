"""What a product line declares: the profile it asks for, the terms it expects, the criteria it
ranks on, its eligibility rules, its texts and its templates. The ranking engine, the audit log, the
provider framework and the shared pages only ever see a product line through this interface; a line
is one package, registered through the `candor.products` entry point (app/products/__init__.py)."""

from __future__ import annotations

import inspect
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

from flask_wtf import FlaskForm

from app.products.wording import Wording
from app.products.plausibility import PlausibleRange, implausibility
from app.ranking.criteria import Criterion
from app.ranking.engine import Constraint
from app.ranking.measure import Measure
from providers.json_schema import SchemaValidator

@dataclass(frozen=True)
class Preset:
    """A set of weights the customer can pick by name. A preset whose label names a measure
    ("Lowest cost") declares it: its ranking then puts first an offer best on that measure, within
    the measure's published tolerance (app/ranking/measure.py)."""

    key: str
    label: str
    description: str
    weights: Mapping[str, Decimal]
    measure: Measure | None = None


@dataclass(frozen=True)
class Assessment:
    """A quote the product line has checked and measured: either eligible with its criterion
    values, or excluded with the reason in words the customer understands."""

    values: Mapping[str, Decimal] | None
    exclusion: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def eligible(cls, values: Mapping[str, Decimal], facts: Mapping[str, str]) -> Assessment:
        return cls(values=dict(values), exclusion=None, facts=dict(facts))

    @classmethod
    def excluded(cls, reason: str, facts: Mapping[str, str]) -> Assessment:
        return cls(values=None, exclusion=reason, facts=dict(facts))


@dataclass(frozen=True)
class Column:
    """A column of the results table: the fact shown, and an optional smaller second line."""

    label: str
    fact: str
    detail: str | None = None
    detail_prefix: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class Requirement:
    """Something a shopper may insist on, read from an offer's logged terms: the results page can
    set aside the offers without it (a view only; the ranking is not changed)."""

    key: str
    label: str
    met: Callable[[Mapping[str, Any]], bool] = field(compare=False)


Segmenter = Callable[[Mapping[str, Any], date], str]


@dataclass(frozen=True)
class SampleCustomers:
    """What the neutrality sweep (`flask ranking sweep`) and the named-preset checks need of a line,
    so that they know no line by name: a plausible customer from a seeded Random, the segments to
    count "our offer first" by (each a function of the profile and today), the order to list each
    segment's groups in (alphabetical when not given), and — for property tests that make up a
    market — a plausible offer's raw terms for a customer."""

    profile: Callable[[random.Random, date], dict[str, Any]]
    segments: Mapping[str, Segmenter]
    group_order: Mapping[str, Sequence[str]] = field(default_factory=dict)
    offer: Callable[[random.Random, Mapping[str, Any]], dict[str, Any]] | None = None


class InvalidTerms(ValueError):
    """A provider's offer terms do not fit the product line's schema."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field_name = field_name
        self.problem = problem


def weights(**shares: str) -> dict[str, Decimal]:
    """Preset weights written as decimal strings, e.g. weights(price="0.60", service="0.40")."""
    return {key: Decimal(value) for key, value in shares.items()}


def check_against_schema(validator: SchemaValidator, terms: Mapping[str, Any]) -> None:
    """Raises InvalidTerms for the first schema error (in field order), naming the field."""
    error = next(iter(sorted(validator.iter_errors(terms), key=lambda e: list(e.path))), None)
    if error is None:
        return
    field_name = ".".join(str(part) for part in error.path)
    if not field_name and error.validator == "required":
        field_name = str(error.message).split("'")[1]
    raise InvalidTerms(field_name or "terms", error.message)


class ProfileForm(Protocol):
    """What the shared form pages need of a line's profile form besides WTForms: its fields grouped
    into titled sections, each a fieldset (title, field names)."""

    sections: Sequence[tuple[str, Sequence[str]]]


class ProductLine(ABC):
    key: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[str]
    currency: ClassVar[str]
    period_label: ClassVar[str]
    summary: ClassVar[str]
    profile_schema: ClassVar[Mapping[str, Any]]
    terms_schema: ClassVar[Mapping[str, Any]]
    presets: ClassVar[Sequence[Preset]]
    columns: ClassVar[Sequence[Column]]
    default_preset: ClassVar[str]
    disclosure_version: ClassVar[str]
    methodology_version: ClassVar[str]
    # Profile fields that are the customer's own limits on what they will accept, not facts a
    # provider prices on: they are sent as null. A lender told the most a buyer can pay a month has
    # no reason to quote less than that.
    withheld_from_providers: ClassVar[frozenset[str]] = frozenset()
    wording: ClassVar[Wording] = Wording()
    requirements: ClassVar[Sequence[Requirement]] = ()
    # The range each figure of a real offer falls in (app/products/plausibility.py); an offer
    # outside one is set aside as implausible, never ranked.
    plausible: ClassVar[Sequence[PlausibleRange]] = ()
    # The shared pages (templates/) use only what this class declares for what differs between lines.
    # A line's own templates sit in its package's templates/ folder, named under its key (the template
    # "mortgage/methodology.html" is app/products/mortgage/templates/methodology.html); they may call
    # anything the line adds (the mortgage chart's `cost_over_time`, the auto chart's `price_cover`).
    form_lead: ClassVar[str] = ("Answer a few questions. It takes about a minute. We do not ask for your name "
                                "or contact details.")
    # Sections 1 and 2 of the methodology page: which offers are ranked, and how figures are put on one basis.
    methodology_template: ClassVar[str | None] = None
    # Shown on the results page below the ranking (charts, notes), with `line` and `result` in scope.
    results_extra_template: ClassVar[str | None] = None
    # Shown beside the ranking wherever it is shown (results, the advisor's call, the receipt) when the
    # line made findings (`findings` below), with `line`, `result` and `findings` in scope.
    findings_template: ClassVar[str | None] = None

    def template_folder(self) -> Path | None:
        """The folder of the line's own templates: its package's templates/, when there is one."""
        folder = Path(inspect.getfile(type(self))).parent / "templates"
        return folder if folder.is_dir() else None

    def results_note(self, profile: Mapping[str, Any] | None) -> str:
        """The sentence under the ranking saying what the figures are (None: the profile was erased)."""
        return f"Prices are {self.period_label}."

    @abstractmethod
    def profile_form(self, **kwargs: Any) -> FlaskForm:
        """The WTForms form that asks for this line's profile, with its `sections` (ProfileForm)."""

    @abstractmethod
    def profile_from_form(self, form: FlaskForm) -> dict[str, Any]:
        """The JSON profile (as sent to providers) from a validated form."""

    @abstractmethod
    def profile_from_json(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The same profile as profile_from_form, read straight from a JSON profile (the API's):
        raises app.products.profile_json.InvalidProfile with (JSON pointer, message) pairs."""

    @abstractmethod
    def summarise_profile(self, profile: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Label/value pairs describing the profile, for pages and receipts."""

    @abstractmethod
    def criteria(self, profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
        """The criteria and their reference scales for this customer."""

    @abstractmethod
    def parse_terms(self, terms: Mapping[str, Any]) -> Mapping[str, Any]:
        """Typed terms from a provider's raw terms; raises InvalidTerms naming the field."""

    @abstractmethod
    def assess(self, terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Assessment:
        """Eligibility and criterion values for one offer; never looks at who offers it."""

    def implausible(self, terms: Mapping[str, Any]) -> str | None:
        """Why parsed terms cannot be a real offer ("Implausible — not ranked: …"), or None."""
        return implausibility(self.plausible, terms)

    def provider_profile(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """The profile as providers are sent it: every field, the withheld ones as null (the
        schemas allow null for them, so a provider checking the profile against it still can)."""
        return {key: None if key in self.withheld_from_providers else value for key, value in profile.items()}

    def offer_name(self, terms: Mapping[str, Any]) -> str | None:
        """A name for an offer made from its terms, to tell one provider's offers apart ("30-year
        fixed, 1 point"); None when the line has no such name. Never text a provider chose."""
        return None

    def sample_customers(self) -> SampleCustomers | None:
        """Plausible customers for the sweep and the named-preset checks; None: the line has none
        (Candor's own two lines keep theirs beside their sandbox market, in app/cli/sweep.py)."""
        return None

    def reference_data(self, now: datetime) -> Mapping[str, Any] | None:
        """Published figures the line checks offers against, as they stand at `now` (a mortgage's
        average prime offer rates): logged with each comparison, so a replay reads the logged ones,
        never today's. None: the line uses none, and makes no findings."""
        return None

    def findings(self, result: Mapping[str, Any], reference: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """What the line finds in a ranked result besides the ranking (options a regulation says to
        show, flags on offers), from the result's logged parts and `reference` (reference_data);
        logged in the result's explanation. Never changes the ranking."""
        return None

    def status_quo(self, ranking: Sequence[Mapping[str, Any]],
                   profile: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """What the shopper already has, when the line finds it beats every ranked offer (a refinance's
        current loan when no offer saves money): {"key", "label", "sentence", "money"}, `money` the
        sentence's one figure as data. The result then recommends it — first, in words, and in the
        log — instead of the first offer; the ranking itself is unchanged. `ranking` is the result's
        ranked offers (their `values` Decimal). None: the first offer is the recommendation."""
        return None

    def market_cell(self, profile: Mapping[str, Any]) -> str | None:
        """The key of the profile's market cell: comparable profiles, among whose offers over the last
        30 days a comparison's rates are placed (app/products/rate_distribution.py). It names no
        one: a few coarse bands of the profile. None: the line places no rates."""
        return None

    def offered_rates(self, result: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
        """(position in the ranking, interest rate in percent) of each ranked offer of a result, from
        its logged terms; what market_cell's counts are made of and its distribution places."""
        return []

    def rates_view(self, result: Mapping[str, Any]) -> Any:
        """Where a result's ranked rates sit among those offered for comparable profiles, as its
        entry logged it (app/products/rate_distribution.py), for the results page, the receipt and
        the advisor's call: a line's view with `shown`, `headline`, `basis` and `offers` (each with
        `rank`, `rate`, `place` and `said`), like the mortgage line's rates_offered.RatesView. None:
        the line places no rates, or the entry logged none."""
        return None

    def constraints(self, profile: Mapping[str, Any]) -> tuple[Constraint, ...]:
        """The customer's hard limits on criterion values (none unless a line asks for some)."""
        return ()

    def preset(self, key: str) -> Preset:
        for preset in self.presets:
            if preset.key == key:
                return preset
        raise KeyError(key)

    def criterion(self, profile: Mapping[str, Any], key: str) -> Criterion:
        for criterion in self.criteria(profile):
            if criterion.key == key:
                return criterion
        raise KeyError(key)
