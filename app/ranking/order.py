"""How a ranking's offers are put in order and given ranks (app/ranking/engine.py explains the
rules): by step on a measure if any, by exact score, then the content-based tie-breaks; competition
ranks from the rounded scores; and which offers another dominates."""

from __future__ import annotations

import operator
from bisect import bisect_right
from decimal import Decimal
from itertools import compress
from typing import Any

from app.ranking.scale import _Scale


def _tied(ranks: list[int]) -> list[bool]:
    """Whether each place shares its rank: ranks repeat only within a run of equal rounded scores."""
    count = len(ranks)
    same_as_next = list(map(operator.eq, ranks, ranks[1:])) + [False]
    same_as_previous = [False] + same_as_next[:-1] if count else []
    return list(map(operator.or_, same_as_next[:count], same_as_previous))


def _order(scale: _Scale, handles: list[str], columns: list[list[Decimal]], numerators: list[Decimal],
           steps: list[int] | None = None) -> list[int]:
    """Indices best first: by step on the measure if there is one, by score, then — worked out
    only among equal scores, which are rare — by unweighted utility sum, then digest and handle."""
    order = sorted(range(len(numerators)), key=numerators.__getitem__, reverse=True)
    ordered: list[Any] = list(map(numerators.__getitem__, order))
    if steps is not None:
        order.sort(key=steps.__getitem__)  # stable: by score within a step
        ordered = [(steps[i], numerators[i]) for i in order]
    # Places whose score equals the next one's; found in bulk, as they are rare.
    level = list(compress(range(len(ordered)), map(operator.eq, ordered, ordered[1:])))
    if not level:
        return order

    def row(i: int) -> tuple[Decimal, ...]:
        return tuple(column[i] for column in columns)

    def refine(indices: list[int]) -> list[int]:
        sums = {i: scale.unweighted_sum(row(i)) for i in indices}
        if len(set(sums.values())) == len(indices):
            return sorted(indices, key=sums.__getitem__, reverse=True)
        rows = {i: row(i) for i in indices}
        if len(set(rows.values())) == 1:  # the same figures throughout: only the handles differ
            return sorted(indices, key=handles.__getitem__)
        digests = {values: scale.digest(values) for values in set(rows.values())}
        return sorted(indices, key=lambda i: (-sums[i], digests[rows[i]], handles[i]))

    start = level[0]
    for place, following in zip(level, [*level[1:], None]):
        if following != place + 1:  # the run of equal scores from `start` ends at place + 1
            order[start:place + 2] = refine(order[start:place + 2])
            start = following if following is not None else 0
    return order


def _ranks_and_bands(scale: _Scale, sorted_numerators: list[Decimal]) -> tuple[list[int], list[int]]:
    """Competition ranks from the rounded scores: exact arithmetic only where a new step begins,
    and a binary search for where it ends."""
    count = len(sorted_numerators)
    ranks = [0] * count
    bands = [0] * count
    position = 0
    while position < count:
        band = scale.band(sorted_numerators[position])
        floor = scale.band_floor(band)
        # The numerators fall from left to right; find the first one below the step's floor.
        end = bisect_right(sorted_numerators, -floor, lo=position + 1, key=operator.neg)
        ranks[position:end] = [position + 1] * (end - position)
        bands[position:end] = [band] * (end - position)
        position = end
    return ranks, bands


def _oriented(scale: _Scale, columns: list[list[Decimal]]) -> list[tuple[Decimal, ...]]:
    """Rows of values turned so that higher is better on every criterion (dominance is read on
    these)."""
    turned = [column if sign > 0 else list(map(operator.neg, column)) for sign, column in zip(scale.signs, columns)]
    return list(zip(*turned))
def _dominated(oriented: list[tuple[Decimal, ...]]) -> list[bool]:
    """Whether each offer (in ranking order) is dominated by any other.

    Sort-and-sweep: a dominator always stands earlier in the order (its score is at least as high,
    and if equal its unweighted sum is higher), and by transitivity every dominated offer is
    dominated by an undominated one. So each offer is checked only against the undominated offers
    before it — the Pareto front so far — and the check stops at the first that dominates it. The
    front member that last dominated something is moved to the head of the list, because offers
    that dominate one offer tend to dominate the next (the move-to-front rule of block-nested-loop
    skyline algorithms); the answer does not depend on that order, only the time does."""
    front: list[tuple[Decimal, ...]] = []
    dominated = [False] * len(oriented)
    ge = operator.ge
    for position, mine in enumerate(oriented):
        for index, theirs in enumerate(front):
            if all(map(ge, theirs, mine)) and theirs != mine:
                dominated[position] = True
                if index:
                    front.insert(0, front.pop(index))
                break
        else:
            front.append(mine)
    return dominated
