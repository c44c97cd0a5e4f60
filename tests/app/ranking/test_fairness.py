"""Proof of fairness for the whole comparison, by property: for any set of auto-insurance quotes,
renaming the providers, moving the "our offer" flag, changing commissions and changing the order
providers are listed in leave everything the ranking decided exactly as it was."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli.sweep import signature
from app.comparison.fetch import ProviderOutcome
from app.comparison.api import build_result
from app.db import utcnow
from app.products import get_product_line
from app.products.auto_insurance import AutoInsurance
from app.ranking.engine import Constraint
from providers.base import ProviderConfig, Quote
from tests.factories import auto_profile, auto_terms

line = get_product_line("auto")
NOW = utcnow()
GRADES = ("A++", "A+", "A", "A-", "B++", "B+", "B")


@st.composite
def terms(draw: st.DrawFn) -> dict:
    return auto_terms(
        term_months=draw(st.sampled_from([6, 12])),
        premium=f"{draw(st.sampled_from([600, 900, 1212, 1500]) | st.integers(300, 3000))}.{draw(st.integers(0, 99)):02d}",
        liability_limits=draw(st.sampled_from(["100/300/100", "250/500/250", "50/100/50"])),
        comprehensive_deductible=draw(st.sampled_from(["250", "500", "1000"])),
        collision_deductible=draw(st.sampled_from(["250", "500", "1000"])),
        rental_reimbursement=draw(st.booleans()),
        roadside_assistance=draw(st.booleans()),
        uninsured_motorist=draw(st.booleans()),
        financial_strength=draw(st.sampled_from(GRADES)),
        claims_satisfaction=draw(st.sampled_from([800, 850]) | st.integers(700, 920)),
        complaint_index=draw(st.sampled_from(["0.50", "1.00", "1.42"])),
    )


@st.composite
def outcomes(draw: st.DrawFn) -> list[ProviderOutcome]:
    count = draw(st.integers(1, 7))
    house = draw(st.integers(0, count - 1))
    made = []
    seen: list[dict] = []
    for n in range(count):
        quotes = []
        for q in range(draw(st.integers(0, 2))):
            # Often the very same terms as another provider's offer: a tie the order must break fairly.
            offered = draw(st.sampled_from(seen)) if seen and draw(st.booleans()) else draw(terms())
            seen.append(offered)
            quotes.append(Quote(id=f"q{n}-{q}", product="auto", currency="USD", valid_until=NOW + timedelta(days=30),
                                terms=offered, url=f"https://insurer-{n}.example/quotes/{q}"))
        config = ProviderConfig(key=f"p{n}", name=f"Insurer {n}", adapter="quote_protocol", products=("auto",),
                                house=n == house, commission=f"{n}% of the premium")
        made.append(ProviderOutcome(config=config, request_id=f"r{n}", quotes=quotes))
    return made


@settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(outcomes(), st.sampled_from([p.key for p in line.presets]), st.randoms(use_true_random=False))
def test_who_made_an_offer_never_changes_the_ranking(answers, preset, random):
    profile = auto_profile()
    weights = line.preset(preset).weights
    as_is = build_result(line, profile, answers, preset=preset, weights=weights, now=NOW, deadline_s=3)

    # Every identity handed to another provider, with another house and other commissions.
    identities = [(o.config.key, o.config.name) for o in answers]
    random.shuffle(identities)
    house = random.randrange(len(answers))
    disguised, real_key = [], {}
    for n, (outcome, (key, name)) in enumerate(zip(answers, identities)):
        new_key = f"x-{key}"
        config = dataclasses.replace(outcome.config, key=new_key, name=f"Renamed {name}", house=n == house,
                                     commission=random.choice(["", "50% of everything", "$1,000 a policy"]))
        disguised.append(dataclasses.replace(outcome, config=config))
        real_key[new_key] = outcome.config.key
    random.shuffle(disguised)

    other = build_result(line, profile, disguised, preset=preset, weights=weights, now=NOW, deadline_s=3)
    assert signature(other, real_key.__getitem__) == signature(as_is)


class CappedAuto(AutoInsurance):
    """Auto insurance with a hard ceiling on the yearly price, as a product line may declare."""

    def constraints(self, profile):  # type: ignore[no-untyped-def]
        return (Constraint("annual_premium", Decimal(1000), "It costs more than the $1,000.00 a year you set."),)


def test_a_product_lines_hard_limits_exclude_offers_with_the_reason():
    capped = CappedAuto()
    answers = []
    for n, premium in enumerate(("900.00", "1000.00", "1000.01", "2000.00")):
        quote = Quote(id=f"q{n}", product="auto", currency="USD", valid_until=NOW + timedelta(days=30),
                      terms=auto_terms(premium=premium, financial_strength="A++" if n == 3 else "B"), url=None)
        answers.append(ProviderOutcome(config=ProviderConfig(key=f"p{n}", name=f"Insurer {n}", adapter="quote_protocol",
                                                             products=("auto",)), request_id=f"r{n}", quotes=[quote]))
    result = build_result(capped, auto_profile(), answers, preset="best_service",
                          weights=capped.preset("best_service").weights, now=NOW, deadline_s=3)
    assert [o["quote_id"] for o in result["ranking"]] == ["q0", "q1"]
    assert sorted((e["quote_id"], e["reason"]) for e in result["excluded"]) == [
        ("q2", "It costs more than the $1,000.00 a year you set."),
        ("q3", "It costs more than the $1,000.00 a year you set.")]
    # Another preset would not bring an excluded offer back as the winner.
    assert {p["provider"] for p in result["explanation"]["presets"]} <= {"p0", "p1"}


@pytest.mark.parametrize("preset", [p.key for p in line.presets])
def test_identical_offers_from_two_providers_are_ordered_by_neither_name_nor_our_offer_flag(preset):
    """Two insurers send the very same offer. Whichever is called what, whichever is ours and
    whichever is listed first in the providers file, the same quote is listed first: the order
    between them comes from the quotes, never from who sent them."""
    same = auto_terms()
    quotes = [Quote(id=f"quote-{n}", product="auto", currency="USD", valid_until=NOW + timedelta(days=30),
                    terms=same, url=f"https://insurer-{n}.example/q") for n in (1, 2)]
    orders = set()
    for names in (("Aardvark Mutual", "Zenith Insurance"), ("Zenith Insurance", "Aardvark Mutual")):
        for ours in (0, 1):
            answers = [ProviderOutcome(config=ProviderConfig(key=f"p{n}", name=names[n], adapter="quote_protocol",
                                                             products=("auto",), house=n == ours, commission=""),
                                       request_id=f"r{n}", quotes=[quotes[n]]) for n in (0, 1)]
            for listed in (answers, answers[::-1]):
                result = build_result(line, auto_profile(), listed, preset=preset, weights=line.preset(preset).weights,
                                      now=NOW, deadline_s=3)
                assert [o["rank"] for o in result["ranking"]] == [1, 1]
                orders.add(tuple(o["quote_id"] for o in result["ranking"]))
    assert len(orders) == 1
