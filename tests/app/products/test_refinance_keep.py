"""“Keep your current loan” as a first answer, by property over random markets (the line's own sample
homeowners and offers, as the sweep and the named-preset test use): it is the recommendation exactly
when no offer saves money, its sentence carries the one money figure of the offer that saves most, a
preset named after a measure still keeps its promise with it, and a replay gives the same answer."""

from __future__ import annotations

import json
import os
import random
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.canonical import loggable
from app.comparison.api import build_result, replay
from app.comparison.fetch import ProviderOutcome
from app.db import utcnow
from app.products import get_product_line
from app.products.refinance.samples import random_offer, random_profile
from providers.base import ProviderConfig, Quote

NOW = utcnow()
LINE = get_product_line("refinance")
examples = settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _market(seed: int, lenders: int) -> tuple[dict, list[ProviderOutcome]]:
    rng = random.Random(seed)
    profile = random_profile(rng, NOW.date())
    outcomes = []
    for n in range(lenders):
        quotes = [Quote(id=f"q{n}-{q}", product="refinance", currency="USD", valid_until=NOW + timedelta(days=30),
                        terms=random_offer(rng, profile), url=f"https://lender-{n}.example/{q}")
                  for q in range(rng.randint(1, 2))]
        config = ProviderConfig(key=f"p{n}", name=f"Lender {n}", adapter="quote_protocol", products=("refinance",),
                                house=n == 0, commission="")
        outcomes.append(ProviderOutcome(config=config, request_id=f"r{n}", quotes=quotes))
    return profile, outcomes


def _logged(result: dict) -> dict:
    return {**json.loads(json.dumps(loggable(result))), "time": NOW.isoformat()}


@examples
@given(seed=st.integers(0, 2**32), lenders=st.integers(1, 6), preset=st.sampled_from([p.key for p in LINE.presets]))
def test_keep_your_loan_is_the_answer_exactly_when_no_offer_saves_money(seed, lenders, preset):
    profile, outcomes = _market(seed, lenders)
    declared = LINE.preset(preset)
    result = build_result(LINE, profile, outcomes, preset=preset, weights=declared.weights, now=NOW, deadline_s=3)
    savings = [offer["values"]["net_saving"] for offer in result["ranking"]]
    if not savings:
        assert result["recommended"] is None and "status_quo" not in result["explanation"]
        return
    kept = result["explanation"].get("status_quo")
    if max(savings) > 0:
        assert kept is None
        assert result["recommended"] == {"provider": result["ranking"][0]["provider"],
                                         "quote_id": result["ranking"][0]["quote_id"]}
    else:
        assert result["recommended"] == {"status_quo": "current_loan", "label": "Keep your current loan"}
        assert Decimal(kept["money"]["amount"]) == -max(savings).quantize(Decimal("0.01"))
        assert f"${Decimal(kept['money']['amount']):,.2f}" in kept["sentence"] or kept["money"]["direction"] == "same"
        assert kept["sentence"].startswith(("None of these saves you money over your ", "This offer does not save"))
        if result["explanation"]["house_standing"] in ("first", "shared_first"):
            # Our offer may be the best of the offers; the notice says so, and that the answer is still to keep.
            assert result["explanation"]["house_notice"].endswith(" Even so, our answer is: keep your current loan.")
    if declared.measure is not None and declared.measure.criteria == ("net_saving",):
        # “Biggest saving”: the first answer is best on net saving — keeping the loan (zero) when nothing
        # saves, else an offer within the tolerance of the biggest saving.
        assert (kept is not None) == (max(savings) <= 0)
        if kept is None:
            assert max(savings) - savings[0] < declared.measure.tolerance
    again = _logged(replay(LINE, _logged(result)))
    assert again["recommended"] == _logged(result)["recommended"]
    assert again["explanation"] == _logged(result)["explanation"]
