"""`flask ranking sweep`: the provider-blindness of the ranking, shown on the sandbox market.

Each generated customer profile is sent to the simulated providers once; the answers are then
ranked twice — as they came, and with the providers' keys, names, "our offer" flag and
commissions shuffled among them (and their order shuffled too). The two rankings must agree on
every offer, rank and score. The first ranking also says how often our offer wins, per segment
of customers, which is what a neutrality review looks at. And every preset named after a measure
("Lowest cost") ranks the same offers, to show that its first offer is best on that measure within
its published tolerance (app/cli/named_presets.py).

The engine stays product-agnostic: what a sweep needs to know about a product line (how to make
a plausible customer and how to sort customers into segments) is the line's own
`sample_customers()` (app/products/base.py: SampleCustomers); Candor's own two lines, whose customer
generators live with their sandbox market, are in the SWEEPS table below. Every registered line
with either is swept.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import click

from app.cli.named_presets import NamedPresetReport, check_named_presets, format_named
from app.comparison.fetch import ProviderOutcome, gather_quotes
from app.comparison.preferences import resolve_weights
from app.comparison.result import build_result
from app.db import utcnow
from app.products import PRODUCT_LINES, UnknownProduct, get_product_line
from app.products.base import ProductLine, SampleCustomers
from providers.registry import ProviderRegistry
from providers.sandbox.market import SandboxMarket, line_markets
from providers.sandbox.sample_profiles import random_auto_profile, random_mortgage_profile

# US Census Bureau regions.
_REGIONS = {
    "Northeast": "CT ME MA NH RI VT NJ NY PA",
    "Midwest": "IL IN MI OH WI IA KS MN MO NE ND SD",
    "South": "DE DC FL GA MD NC SC VA WV AL KY MS TN AR LA OK TX",
    "West": "AZ CO ID MT NV NM UT WY AK CA HI OR WA",
}
REGION_OF_STATE = {state: region for region, states in _REGIONS.items() for state in states.split()}
AGE_BANDS = ((25, "under 25"), (35, "25–34"), (50, "35–49"), (65, "50–64"), (None, "65 and over"))


def _age_band(profile: Mapping[str, Any], today: date) -> str:
    born = date.fromisoformat(profile["driver_birth_date"])
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for limit, label in AGE_BANDS if limit is None or age < limit)


def _loan(profile: Mapping[str, Any], today: date) -> str:
    kind = "fixed" if profile["rate_type"] == "fixed" else profile["rate_type"].replace("arm_", "").replace("_", "/")
    return f"{profile['term_years']}-year {kind}"


def _down_payment(profile: Mapping[str, Any], today: date) -> str:
    share = Decimal(profile["down_payment"]) / Decimal(profile["property_value"])
    return next(label for limit, label in DOWN_PAYMENT_BANDS if limit is None or share < limit)


def _keeping(profile: Mapping[str, Any], today: date) -> str:
    years = int(profile["years_expected"])
    return next(label for limit, label in KEEPING_BANDS if limit is None or years < limit)


DOWN_PAYMENT_BANDS = ((Decimal("0.10"), "under 10%"), (Decimal("0.20"), "10–19%"), (None, "20% or more"))
KEEPING_BANDS = ((6, "3–5 years"), (11, "6–10 years"), (21, "11–20 years"), (None, "21 years or more"))


SweepSpec = SampleCustomers

SWEEPS: dict[str, SweepSpec] = {
    "auto": SweepSpec(
        profile=random_auto_profile,
        segments={
            "age": _age_band,
            "region": lambda profile, today: REGION_OF_STATE.get(profile["state"], "other"),
            "vehicle use": lambda profile, today: str(profile["vehicle_use"]),
        },
        group_order={"age": [label for _, label in AGE_BANDS], "region": list(_REGIONS)},
    ),
    "mortgage": SweepSpec(
        profile=random_mortgage_profile,
        segments={
            "loan": _loan,
            "credit": lambda profile, today: str(profile["credit_score_band"]),
            "down payment": _down_payment,
            "keeps it": _keeping,
        },
        group_order={"down payment": [label for _, label in DOWN_PAYMENT_BANDS],
                     "keeps it": [label for _, label in KEEPING_BANDS]},
    ),
}


@dataclass
class SweepReport:
    profiles: int = 0
    ranked: int = 0
    house_wins: int = 0
    mismatches: list[str] = field(default_factory=list)
    segment_profiles: Counter[tuple[str, str]] = field(default_factory=Counter)
    segment_wins: Counter[tuple[str, str]] = field(default_factory=Counter)
    named: NamedPresetReport = field(default_factory=NamedPresetReport)

    @property
    def failed(self) -> bool:
        return bool(self.mismatches or self.named.misses)


def disguise(outcomes: Sequence[ProviderOutcome], rng: random.Random) -> tuple[list[ProviderOutcome], dict[str, str]]:
    """The same answers with every provider's identity (key, name, our-offer flag, commission)
    handed to another provider at random, in a shuffled order; and the map from each disguised
    key back to the provider that really answered."""
    identities = [(o.config.key, o.config.name, o.config.house, o.config.commission) for o in outcomes]
    rng.shuffle(identities)
    disguised, real_key = [], {}
    for outcome, (key, name, house, commission) in zip(outcomes, identities):
        config = dataclasses.replace(outcome.config, key=key, name=name, house=house, commission=commission)
        disguised.append(dataclasses.replace(outcome, config=config))
        real_key[key] = outcome.config.key
    rng.shuffle(disguised)
    return disguised, real_key


def signature(result: Mapping[str, Any], real_key: Callable[[str], str] = str) -> dict[str, Any]:
    """Everything the ranking decided, with each offer named by the provider that really made it."""
    return {
        "ranking": [(real_key(o["provider"]), o["quote_id"], o["rank"], str(o["score"]), str(o["shown_score"]), o["tied"])
                    for o in result["ranking"]],
        "excluded": sorted((real_key(e["provider"]), e["quote_id"], e["reason"]) for e in result["excluded"]),
        "recommended": _recommended(result["recommended"], real_key),
    }


def _recommended(recommended: Mapping[str, Any] | None, real_key: Callable[[str], str]) -> str | None:
    """The provider recommended, or what the customer already has (a status quo) when that was."""
    if recommended is None:
        return None
    return f"status quo: {recommended['status_quo']}" if "status_quo" in recommended else real_key(recommended["provider"])


def sweep(line: ProductLine, registry: ProviderRegistry, spec: SweepSpec, *, profiles: int, seed: int,
          preset: str | None = None, deadline_s: float = 5.0, today: date | None = None) -> SweepReport:
    rng = random.Random(seed)
    today = today or utcnow().date()
    preset_key, weights = resolve_weights(line, {"preset": preset} if preset else {})
    configs = registry.for_product(line.key)
    report = SweepReport()
    for number in range(1, profiles + 1):
        profile = spec.profile(rng, today)
        outcomes = gather_quotes(registry, configs, line.key, line.provider_profile(profile), deadline_s=deadline_s)
        now = utcnow()
        as_is = build_result(line, profile, outcomes, preset=preset_key, weights=weights, now=now, deadline_s=deadline_s)
        disguised_outcomes, real_key = disguise(outcomes, rng)
        disguised = build_result(line, profile, disguised_outcomes, preset=preset_key, weights=weights, now=now,
                                 deadline_s=deadline_s)
        if signature(as_is) != signature(disguised, real_key.__getitem__):
            report.mismatches.append(f"profile {number}: the ranking changed when the providers were disguised")
        report.profiles += 1
        check_named_presets(line, profile, outcomes, now=now, deadline_s=deadline_s, number=number, report=report.named)
        if not as_is["ranking"]:
            continue
        report.ranked += 1
        # Our offer wins only when it is the recommendation: not when keeping what one has is.
        won = bool(as_is["ranking"][0]["house"]) and "status_quo" not in (as_is["recommended"] or {})
        report.house_wins += won
        for segment, of in spec.segments.items():
            key = (segment, of(profile, today))
            report.segment_profiles[key] += 1
            report.segment_wins[key] += won
    return report


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def format_report(report: SweepReport, line: ProductLine, preset: str, spec: SweepSpec) -> list[str]:
    lines = [
        f"{line.name}: {report.profiles} profiles ranked twice (as they are, and with provider names, "
        f"our-offer flag and commissions shuffled), preset “{preset}”.",
        f"Mismatches: {len(report.mismatches)}",
        *(f"  {mismatch}" for mismatch in report.mismatches),
        f"Profiles with at least one eligible offer: {report.ranked}",
        f"Our offer ranked first: {report.house_wins} of {report.ranked} ({_share(report.house_wins, report.ranked).strip()})",
        *format_named(report.named, line),
        "",
        f"{'segment':<14}{'group':<16}{'profiles':>9}{'ours first':>12}{'share':>8}",
    ]
    def place(key: tuple[str, str]) -> tuple[int, int, str]:
        segment, group = key
        order = list(spec.group_order.get(segment, ()))
        return (list(spec.segments).index(segment), order.index(group) if group in order else len(order), group)

    for segment, group in sorted(report.segment_profiles, key=place):
        count = report.segment_profiles[(segment, group)]
        wins = report.segment_wins[(segment, group)]
        lines.append(f"{segment:<14}{group:<16}{count:>9}{wins:>12}{_share(wins, count):>8}")
    return lines


def run_sweep(*, profiles: int, seed: int, product: str | None, preset: str | None) -> None:
    """`flask ranking sweep` (app/cli/demo.py): prints each line's report; exits 1 on any mismatch
    or miss."""
    lines = _swept_lines(product, preset)
    failed = False
    for number, line in enumerate(lines):
        report = _sweep_line(line, profiles=profiles, seed=seed, preset=preset)
        if number:
            click.echo("")
        for text in format_report(report, line, preset or line.default_preset, _spec(line)):
            click.echo(text)
        failed = failed or report.failed
    if failed:
        raise SystemExit(1)


def sample_customers(line: ProductLine) -> SampleCustomers | None:
    """The line's own sample customers, or the table's for Candor's own lines."""
    return line.sample_customers() or SWEEPS.get(line.key)


def _swept_lines(product: str | None, preset: str | None) -> list[ProductLine]:
    if product is None:
        lines = [line for line in PRODUCT_LINES.values() if sample_customers(line) is not None]
    else:
        try:
            lines = [get_product_line(product)]
        except UnknownProduct:
            raise click.BadParameter(f"unknown product {product!r}", param_hint="--product") from None
        if sample_customers(lines[0]) is None:
            known = ", ".join(key for key, line in PRODUCT_LINES.items() if sample_customers(line) is not None)
            raise click.BadParameter(f"there is no sweep for {product!r} yet (known: {known})",
                                     param_hint="--product")
    lacking = [line.name for line in lines if preset is not None and preset not in {p.key for p in line.presets}]
    if lacking:
        raise click.BadParameter(f"unknown preset {preset!r} for {' and '.join(lacking)}", param_hint="--preset")
    return lines


def _spec(line: ProductLine) -> SampleCustomers:
    spec = sample_customers(line)
    assert spec is not None  # _swept_lines keeps only lines that have one
    return spec


def _sweep_line(line: ProductLine, *, profiles: int, seed: int, preset: str | None) -> SweepReport:
    participants = line_markets()[line.key]()
    # How slowly a provider answers has no bearing on a ranking; the sweep does not wait for it.
    quick = {p.key: {"latency_s": 0.0} for p in participants if p.latency_s}
    with SandboxMarket(participants, overrides=quick) as market:
        registry = ProviderRegistry.from_entries(market.provider_entries())
        try:
            return sweep(line, registry, _spec(line), profiles=profiles, seed=seed, preset=preset)
        finally:
            registry.close()
