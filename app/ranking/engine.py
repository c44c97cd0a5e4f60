"""The ranking engine: a pure function from anonymous offers to a ranking.

Method: a weighted sum of linear value functions on fixed reference scales (multi-attribute
value theory). Each criterion's value is read against the scale its product line sets for this
customer, never against the other offers in the list, so adding or removing an offer cannot swap
two others. Offers are ordered by exact score; equal scores fall back to the unweighted sum of
the criterion values (so a dominating offer always comes first) and then to a digest of the
values. Scores within TIE_TOLERANCE points of a rank's first offer share that rank.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from app.products.base import Criterion

ENGINE_VERSION = "1"
TIE_TOLERANCE = Decimal("0.10")
HUNDRED = Decimal(100)
UTILITY_QUANTUM = Decimal("1e-18")


class RankingInputError(ValueError):
    pass


@dataclass(frozen=True)
class Candidate:
    """An offer as the engine sees it: an opaque handle and its criterion values, nothing else."""

    handle: str
    values: Mapping[str, Decimal]


@dataclass(frozen=True)
class Constraint:
    """A hard limit set by the customer: the criterion's value may be no worse than `limit`."""

    criterion: str
    limit: Decimal
    reason: str


@dataclass(frozen=True)
class RankedOffer:
    handle: str
    rank: int
    score: Decimal
    contributions: Mapping[str, Decimal]
    utilities: Mapping[str, Decimal]
    tied: bool = False
    dominated_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranking:
    offers: tuple[RankedOffer, ...]
    excluded: tuple[tuple[str, str], ...]
    weights: Mapping[str, Decimal]
    tolerance: Decimal = TIE_TOLERANCE
    engine_version: str = ENGINE_VERSION
    handles: Mapping[str, RankedOffer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "handles", {offer.handle: offer for offer in self.offers})

    @property
    def top(self) -> RankedOffer | None:
        return self.offers[0] if self.offers else None


def normalise_weights(criteria: Sequence[Criterion], weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    keys = {criterion.key for criterion in criteria}
    unknown = set(weights) - keys
    if unknown:
        raise RankingInputError(f"weights name unknown criteria: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Decimal] = {}
    for criterion in criteria:
        weight = weights.get(criterion.key, Decimal(0))
        if not isinstance(weight, Decimal) or not weight.is_finite() or weight < 0:
            raise RankingInputError(f"weight for {criterion.key} must be a non-negative Decimal")
        cleaned[criterion.key] = weight
    total = sum(cleaned.values(), Decimal(0))
    if total == 0:
        raise RankingInputError("at least one criterion needs a weight above zero")
    with localcontext() as context:
        context.prec = 28
        return {key: weight / total for key, weight in cleaned.items()}


def utility(criterion: Criterion, value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 40
        return ((value - criterion.worst) / (criterion.best - criterion.worst)).quantize(UTILITY_QUANTUM)


def rank(
    candidates: Iterable[Candidate],
    criteria: Sequence[Criterion],
    weights: Mapping[str, Decimal],
    constraints: Sequence[Constraint] = (),
) -> Ranking:
    normalised = normalise_weights(criteria, weights)
    scored: list[tuple[tuple[Decimal, Decimal, str, str], Candidate, dict[str, Decimal], dict[str, Decimal], Decimal]] = []
    excluded: list[tuple[str, str]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.handle in seen:
            raise RankingInputError(f"two offers share the handle {candidate.handle}")
        seen.add(candidate.handle)
        utilities = _utilities(candidate, criteria)
        breach = _first_breach(candidate, criteria, constraints)
        if breach is not None:
            excluded.append((candidate.handle, breach))
            continue
        with localcontext() as context:
            context.prec = 40
            contributions = {key: HUNDRED * normalised[key] * utilities[key] for key in utilities}
            score = sum(contributions.values(), Decimal(0))
            unweighted = sum(utilities.values(), Decimal(0))
        digest = hashlib.sha256(
            "|".join(f"{key}={utilities[key]}" for key in sorted(utilities)).encode()
        ).hexdigest()
        scored.append(((-score, -unweighted, digest, candidate.handle), candidate, contributions, utilities, score))

    scored.sort(key=lambda item: item[0])
    offers: list[RankedOffer] = []
    head_score: Decimal | None = None
    head_rank = 0
    for position, (_, candidate, contributions, utilities, score) in enumerate(scored, start=1):
        if head_score is None or head_score - score >= TIE_TOLERANCE:
            head_score, head_rank = score, position
        offers.append(RankedOffer(candidate.handle, head_rank, score, contributions, utilities))

    rank_sizes: dict[int, int] = {}
    for offer in offers:
        rank_sizes[offer.rank] = rank_sizes.get(offer.rank, 0) + 1
    dominated = _dominance([(offer.handle, offer.utilities) for offer in offers])
    final = tuple(
        RankedOffer(
            offer.handle,
            offer.rank,
            offer.score,
            offer.contributions,
            offer.utilities,
            tied=rank_sizes[offer.rank] > 1,
            dominated_by=dominated.get(offer.handle, ()),
        )
        for offer in offers
    )
    excluded.sort()
    return Ranking(offers=final, excluded=tuple(excluded), weights=normalised)


def _utilities(candidate: Candidate, criteria: Sequence[Criterion]) -> dict[str, Decimal]:
    utilities = {}
    for criterion in criteria:
        try:
            value = candidate.values[criterion.key]
        except KeyError:
            raise RankingInputError(f"offer {candidate.handle} has no value for {criterion.key}") from None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise RankingInputError(f"offer {candidate.handle}: {criterion.key} must be a finite Decimal")
        utilities[criterion.key] = utility(criterion, value)
    return utilities


def _first_breach(candidate: Candidate, criteria: Sequence[Criterion], constraints: Sequence[Constraint]) -> str | None:
    by_key = {criterion.key: criterion for criterion in criteria}
    for constraint in constraints:
        criterion = by_key.get(constraint.criterion)
        if criterion is None:
            raise RankingInputError(f"constraint names unknown criterion {constraint.criterion}")
        value = candidate.values[constraint.criterion]
        worse = value > constraint.limit if criterion.direction == "lower" else value < constraint.limit
        if worse:
            return constraint.reason
    return None


def _dominance(offers: Sequence[tuple[str, Mapping[str, Decimal]]]) -> dict[str, tuple[str, ...]]:
    """Which offers each offer is dominated by: no worse on every criterion, better on one.
    Offers arrive best first, so a dominator always stands before what it dominates."""
    dominated: dict[str, list[str]] = {}
    keys = list(offers[0][1]) if offers else []
    for i, (handle, utilities) in enumerate(offers):
        for dominator, better in offers[:i]:
            if all(better[key] >= utilities[key] for key in keys) and any(
                better[key] > utilities[key] for key in keys
            ):
                dominated.setdefault(handle, []).append(dominator)
    return {handle: tuple(sorted(dominators)) for handle, dominators in dominated.items()}
