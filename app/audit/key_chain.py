"""The keys that have signed our checkpoints, in order: the first, then each one announced by a
`signing-key-rotation` entry and a hand-over checkpoint signed by the key before it (see
app/audit/signing_keys.py). A key may sign checkpoints of the log from the size at which it was
announced; earlier keys stay valid, so checkpoints signed on either side of a hand-over — and by
instances not yet given the new key — all verify."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.note import Verifier


@dataclass(frozen=True)
class ChainKey:
    verifier: Verifier
    from_size: int  # the smallest tree size it may sign
    announced_in: int | None  # the index of the rotation entry that announced it; None for the first key


@dataclass(frozen=True)
class KeyChain:
    keys: tuple[ChainKey, ...]

    @classmethod
    def single(cls, verifier: Verifier) -> KeyChain:
        return cls((ChainKey(verifier, 0, None),))

    @property
    def current(self) -> ChainKey:
        return self.keys[-1]

    @property
    def earlier(self) -> tuple[ChainKey, ...]:
        return self.keys[:-1]

    def verifiers_for(self, size: int) -> list[Verifier]:
        """The keys that may have signed a checkpoint of `size` entries, newest first."""
        return [key.verifier for key in reversed(self.keys) if key.from_size <= size]

    def knows(self, verifier: Verifier) -> bool:
        return any(key.verifier == verifier for key in self.keys)
