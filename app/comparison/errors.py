"""What can go wrong with a comparison already in the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ComparisonError(RuntimeError):
    pass


class InputsErased(ComparisonError):
    """The customer's profile was erased, so the comparison cannot be re-ranked or replayed."""

    def __init__(self, erasure: Mapping[str, Any] | None) -> None:
        self.erasure = erasure
        when = f" on {erasure['at'][:10]} by {erasure['by']}" if erasure else ""
        super().__init__(f"the customer's details were erased{when}, so this comparison cannot be ranked again")
