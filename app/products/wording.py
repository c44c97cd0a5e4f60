"""The words a product line's pages use for who quotes and what they offer, so a mortgage page
speaks of lenders and loan offers and an insurance page of insurers and quotes. A line that
declares none gets the neutral words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    provider: str = "provider"
    providers: str = "providers"
    offer: str = "offer"
    offers: str = "offers"
    # What the shopper could change when no offer fits: the end of "You could try again with …".
    try_again_with: str = "different answers"
    # How the methodology says what our offer would need to come first: a line whose shopper earns
    # says "how much more ours would have to earn".
    gap_to_first: str = "how much cheaper ours would have to be to rank first"

