"""How explanations name an offer once the ranking is done: by its provider, marked when it is
ours, and — when a provider has several offers in the ranking — by the offer's own name, which the
product line makes from its terms ("30-year fixed, 1 point"). Offers that still cannot be told
apart are told apart by their rank."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Protocol

from app.products.base import ProductLine
from app.ranking.engine import Ranking
from providers.base import ProviderConfig, Quote


class NamedOffer(Protocol):
    """An offer with its provider re-attached (comparison.market.BlindOffer)."""

    @property
    def config(self) -> ProviderConfig: ...

    @property
    def quote(self) -> Quote: ...


class OfferNames:
    """Callable as the explanations' namer: handle → "Summit General", "Harbor Home Loans
    (30-year fixed, 1 point; our offer)"."""

    def __init__(self, line: ProductLine, offers: Mapping[str, NamedOffer], ranking: Ranking) -> None:
        self._offers = offers
        self._ranking = ranking
        self._names = {offer.handle: line.offer_name(offers[offer.handle].quote.terms) for offer in ranking.offers}
        self._per_provider = Counter(offers[offer.handle].config.key for offer in ranking.offers)
        self._same_name = Counter((offers[handle].config.key, name) for handle, name in self._names.items())

    def offer_name(self, handle: str) -> str | None:
        """The offer's own name, whether or not it is needed to tell it apart."""
        return self._names.get(handle)

    def note(self, handle: str) -> str | None:
        """What tells this offer apart from its provider's others, or None when it has none."""
        provider = self._offers[handle].config.key
        if self._per_provider[provider] < 2:
            return None
        own = self._names.get(handle)
        rank = f"at rank {self._ranking.handles[handle].rank}"
        if own is None:
            return f"offer {rank}"
        return own if self._same_name[(provider, own)] < 2 else f"{own}, {rank}"

    def ours(self, handle: str, *, capital: bool = False) -> str:
        """Our offer as a sentence calls it: "our offer", or "our offer (30-year fixed, 1 point)"."""
        note = self.note(handle)
        words = ("Our" if capital else "our") + " offer"
        if note and note.startswith("offer "):  # no name of its own: "our offer at rank 2"
            return f"{words} {note.removeprefix('offer ')}"
        return f"{words} ({note})" if note else words

    def __call__(self, handle: str) -> str:
        config = self._offers[handle].config
        notes = [note for note in (self.note(handle), "our offer" if config.house else None) if note]
        return f"{config.name} ({'; '.join(notes)})" if notes else config.name
