"""Who asked for a comparison or acted on the log: recorded in every entry as {"type", "id"}.

The comparison use case itself lives in its own modules, behind app/comparison/api.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    type: str
    id: str | None = None

    def as_record(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id}


ANONYMOUS = Actor("anonymous")
