"""Who did something the log records: a shopper (anonymous), a signed-in user, an API token, a
command. A leaf, so the log, sign-in and the comparison can all name an actor without importing
one another (docs/design.md, "Layers")."""

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
