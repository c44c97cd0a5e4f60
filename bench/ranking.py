"""The ranking engine's speed: a typical 8-offer ranking (target under 1 ms) and 10,000 offers on
6 criteria (target under 1 s: markets hold about twenty offers, so the engine is written plainly
rather than for bulk, and this figure only guards against cost that grows faster than the list),
plus the parts worked out on request (dominance,
explanations), what one comparison spends ranking for its preset and the line's three others (issue
19: one ranking, re-weighed for the others) and a harder market where few offers dominate each other.

Figures are medians of repeated runs of the processor time this process used (so other work on
the machine does not count against it), with the garbage collector on, as a caller would see them.
`python -m bench.ranking` runs this alone; `python -m bench` runs it with the others.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from app.products.auto_insurance.line import CRITERIA, PRESETS
from app.ranking import explain
from app.ranking.engine import Candidate, Ranking, rank
from bench import Figure, print_table

WEIGHTS = PRESETS[0].weights
GRADES = 9


def market(count: int, rng: random.Random, *, insurers: int = 120) -> list[Candidate]:
    """Offers shaped like an auto market: each insurer's strength, service, complaints and extras
    are its own, and it quotes several deductibles at prices that follow its pricing."""
    houses = [(Decimal(rng.randint(1, GRADES)), Decimal(rng.randint(700, 920)), Decimal(rng.randint(40, 200)) / 100,
               Decimal(rng.randint(0, 3)), 0.8 + 0.5 * rng.random()) for _ in range(insurers)]
    offers = []
    for number in range(count):
        strength, service, complaints, extras, pricing = rng.choice(houses)
        deductible = rng.choice((250, 500, 1000, 2000))
        premium = Decimal(int(150000 * pricing * (1.3 - deductible / 4000) * rng.uniform(0.85, 1.15))) / 100
        offers.append(Candidate(f"offer-{number}", {
            "annual_premium": premium, "expected_out_of_pocket": Decimal(deductible) * Decimal("0.09"),
            "financial_strength": strength, "claims_satisfaction": service, "complaint_index": complaints,
            "extras": extras}))
    return offers


def scattered(count: int, rng: random.Random) -> list[Candidate]:
    """Every value drawn independently: the worst case for dominance (about a tenth of the offers
    are beaten on everything by no other)."""
    return [Candidate(f"offer-{number}", {c.key: Decimal(rng.randint(0, 400000)) / 100 * (c.best - c.worst) / 4000 + c.worst
                                          for c in CRITERIA}) for number in range(count)]


def median_ms(action: Callable[[], object], *, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def _dominance(ranking: Ranking) -> None:
    for offer in ranking.offers:
        offer.dominated  # noqa: B018 — the first one works out every offer's


def _read(ranking: Ranking) -> None:
    for offer in ranking.offers:
        offer.handle, offer.rank, offer.tied, offer.score, offer.shown_score  # noqa: B018


def _explained(offers: list[Candidate]) -> None:
    ranking = rank(offers, CRITERIA, WEIGHTS)
    name = str
    explain.top_reasons(ranking, name)
    for offer in ranking.offers:
        explain.why_rank(ranking, offer, name)
        offer.dominated_by  # noqa: B018
    for preset in PRESETS[1:]:
        ranking.reweighted(preset.weights).top  # noqa: B018


def _every_preset(offers: list[Candidate]) -> None:
    """A comparison's rankings: its preset's, and each other preset's first offer (re-weighed)."""
    first, *others = PRESETS
    ranking = rank(offers, CRITERIA, first.weights, (), first.measure)
    for preset in others:
        ranking.reweighted(preset.weights, preset.measure).top  # noqa: B018


def main() -> list[Figure]:
    rng = random.Random(2024)
    big = market(10_000, rng)
    hard = scattered(10_000, rng)
    typical = market(8, rng, insurers=8)

    rank_big = median_ms(lambda: rank(big, CRITERIA, WEIGHTS), runs=15)
    rank_typical = median_ms(lambda: rank(typical, CRITERIA, WEIGHTS), runs=2000)
    read_big = median_ms(lambda: _read(rank(big, CRITERIA, WEIGHTS)), runs=7) - rank_big
    dominance_big = median_ms(lambda: _dominance(rank(big, CRITERIA, WEIGHTS)), runs=7) - rank_big
    rank_hard = median_ms(lambda: rank(hard, CRITERIA, WEIGHTS), runs=7)
    dominance_hard = median_ms(lambda: _dominance(rank(hard, CRITERIA, WEIGHTS)), runs=3) - rank_hard
    explained_typical = median_ms(lambda: _explained(typical), runs=300)
    presets_typical = median_ms(lambda: _every_preset(typical), runs=2000)
    return [
        Figure("rank 10,000 offers, 6 criteria", f"{rank_big:.1f} ms", "< 1,000 ms", rank_big < 1000),
        Figure("rank 8 offers, 6 criteria", f"{rank_typical * 1000:.0f} µs", "< 1 ms", rank_typical < 1),
        Figure("  + reading every offer's rank and score", f"{read_big:.1f} ms"),
        Figure("  + dominance of all 10,000 (on request)", f"{dominance_big:.1f} ms"),
        Figure("  + 8 offers explained, dominance, 3 other presets", f"{explained_typical:.2f} ms"),
        Figure("8 offers ranked for all 4 presets (1 ranking, 3 re-weighed)", f"{presets_typical * 1000:.0f} µs"),
        Figure("rank 10,000 scattered offers", f"{rank_hard:.1f} ms"),
        Figure("  + dominance of all 10,000 scattered", f"{dominance_hard:.1f} ms"),
    ]


if __name__ == "__main__":
    print_table(main())
