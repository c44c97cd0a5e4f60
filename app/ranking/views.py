"""The ranked offers as the engine hands them out: light views on a ranking's arrays, so a ranking
of ten thousand offers is not ten thousand objects until someone looks at them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, overload

from app.ranking.scale import _EXACT, SCORE_PLACES, SCORE_QUANTUM, UTILITY_QUANTUM, _round

if TYPE_CHECKING:
    from app.ranking.engine import Ranking


class RankedOffer:
    """One ranked offer: a light view on the ranking's arrays (so a ranking of ten thousand offers
    is not ten thousand objects until someone looks at them). `score` is the exact score rounded
    to 12 places, `shown_score` the score rounded to the tie step — what decides ties and what the
    customer sees; `contributions` are each criterion's points, which add up to the score."""

    __slots__ = ("_ranking", "position")

    def __init__(self, ranking: Ranking, position: int) -> None:
        self._ranking = ranking
        self.position = position  # 1-based place in the order

    @property
    def handle(self) -> str:
        return self._ranking._sorted_handles[self.position - 1]

    @property
    def rank(self) -> int:
        return self._ranking._ranks[self.position - 1]

    @property
    def tied(self) -> bool:
        """Whether another offer shares this rank."""
        return self._ranking._tied[self.position - 1]

    @property
    def _index(self) -> int:
        return self._ranking._order[self.position - 1]

    @property
    def row(self) -> tuple[Decimal, ...]:
        """The values in the order of the ranking's criteria."""
        index = self._index
        return tuple(column[index] for column in self._ranking._columns)

    @property
    def values(self) -> Mapping[str, Decimal]:
        return self._ranking._values(self._index)

    @property
    def exact_score(self) -> Fraction:
        scale = self._ranking._scale
        with localcontext(_EXACT):
            return scale.score(self._ranking._numerators[self._index] - scale.offset)

    @property
    def score(self) -> Decimal:
        ranking = self._ranking
        return ranking._scale.rounded_score(ranking._numerators[self._index], SCORE_PLACES)

    @property
    def shown_score(self) -> Decimal:
        return self._ranking._shown(self._ranking._bands[self.position - 1])

    @property
    def exact_contributions(self) -> Mapping[str, Fraction]:
        return self._ranking._exact_contributions(self._index)

    @property
    def contributions(self) -> dict[str, Decimal]:
        return {key: _round(value, SCORE_QUANTUM) for key, value in self.exact_contributions.items()}

    @property
    def utilities(self) -> dict[str, Decimal]:
        scale = self._ranking._scale
        return {key: _round(scale.utility(k, value), UTILITY_QUANTUM)
                for k, (key, value) in enumerate(zip(scale.keys, self.row))}

    @property
    def dominated(self) -> bool:
        """Whether another offer is at least as good on every criterion and better on one."""
        return self._ranking._dominated()[self.position - 1]

    @property
    def dominated_by(self) -> tuple[str, ...]:
        """Every offer that dominates this one, best placed first."""
        return self._ranking.dominators(self.handle)

    def _identity(self) -> tuple[Any, ...]:
        return (self.handle, self.rank, self.position, self.tied, self.dominated, self.exact_score,
                tuple(self.exact_contributions.items()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RankedOffer):
            return NotImplemented
        if self._ranking is other._ranking:
            return self.position == other.position
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((self.handle, self.rank, self.position))

    def __repr__(self) -> str:
        return f"RankedOffer({self.handle!r}, rank={self.rank}, score={self.score}, tied={self.tied})"


class RankedOffers(Sequence[RankedOffer]):
    """The ranked offers, best first, as a read-only sequence of views."""

    __slots__ = ("_ranking",)

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    def __len__(self) -> int:
        return len(self._ranking._order)

    @overload
    def __getitem__(self, index: int) -> RankedOffer: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RankedOffer, ...]: ...

    def __getitem__(self, index: int | slice) -> RankedOffer | tuple[RankedOffer, ...]:
        count = len(self)
        if isinstance(index, slice):
            return tuple(RankedOffer(self._ranking, position + 1) for position in range(*index.indices(count)))
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("ranking index out of range")
        return RankedOffer(self._ranking, index + 1)

    def __iter__(self) -> Iterator[RankedOffer]:
        ranking = self._ranking
        return (RankedOffer(ranking, position) for position in range(1, len(self) + 1))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RankedOffers, tuple, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class RankedHandles(Mapping[str, RankedOffer]):
    """The ranked offers by handle."""

    __slots__ = ("_ranking",)

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    def __getitem__(self, handle: str) -> RankedOffer:
        return RankedOffer(self._ranking, self._ranking._positions[handle])

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranking._sorted_handles)

    def __len__(self) -> int:
        return len(self._ranking._sorted_handles)
