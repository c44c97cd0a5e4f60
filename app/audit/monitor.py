"""A monitor of a tiled log (ours, or any mirror of it): `flask audit monitor URL …`.

For each source it fetches the checkpoint, checks the log's signature, recomputes the checkpoint's
root from the source's tiles, and checks a consistency proof (computed from those tiles, verified
with RFC 9162 §2.1.4.2) between it and the largest checkpoint seen before — from any source. It
remembers the root of every tree size it has seen; two checkpoints of one size with different
roots are a split view: the log showed two histories, and both signed notes are the evidence.

What it remembers is a JSON file (the state), replaced atomically. Findings are "ok", "alarm"
(split view, an inconsistent or unsigned checkpoint, tiles that do not match, an entry that does
not hash to its leaf) or "unavailable" (could not check: unreachable, a tile missing).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.audit import merkle
from app.audit.note import CheckpointText, NoteError, Verifier, open_note
from app.audit.tile_client import EntryMismatch, Fetch, LogUnavailable, TileStore, check_entries, fetch_checkpoint

OK, ALARM, UNAVAILABLE = "ok", "alarm", "unavailable"


@dataclass(frozen=True)
class Finding:
    source: str
    kind: str
    message: str


@dataclass
class Seen:
    size: int
    root: bytes
    source: str
    note: str


@dataclass
class MonitorState:
    path: Path
    origin: str
    latest: Seen | None = None
    seen: dict[int, Seen] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, origin: str) -> MonitorState:
        if not path.exists():
            return cls(path, origin)
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["origin"] != origin:
            raise ValueError(f"{path} follows the log {stored['origin']!r}, not {origin!r}")
        seen = {int(size): Seen(int(size), base64.b64decode(item["root"]), item["source"], item["note"])
                for size, item in stored["seen"].items()}
        latest = seen.get(stored["latest"]) if stored.get("latest") is not None else None
        return cls(path, origin, latest, seen)

    def save(self) -> None:
        document = {"origin": self.origin, "latest": self.latest.size if self.latest else None,
                    "seen": {str(size): {"root": base64.b64encode(item.root).decode("ascii"), "source": item.source,
                                         "note": item.note} for size, item in sorted(self.seen.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".monitor-")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file)
        os.replace(temporary, self.path)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass
class Monitor:
    state: MonitorState
    verifier: Verifier
    fetchers: dict[str, Fetch]
    check_entry_bundles: bool = False
    # Sources that are witnesses (c2sp.org/tlog-witness, GET <prefix>/<origin hash>/checkpoint): they
    # serve the latest checkpoint of ours they cosigned and no tiles, so their checkpoints are
    # checked against the tiles of the first source that is a log.
    witnesses: frozenset[str] = frozenset()

    def _tiles(self, source: str) -> Fetch:
        if source not in self.witnesses:
            return self.fetchers[source]
        logs = [name for name in self.fetchers if name not in self.witnesses]
        if not logs:
            raise LogUnavailable("a witness's checkpoint is checked against a log's tiles: name the log too")
        return self.fetchers[logs[0]]

    def observe(self, source: str) -> Finding:
        fetch = self.fetchers[source]
        try:
            note = fetch_checkpoint(fetch)
            checkpoint = self._opened(note)
        except LogUnavailable as error:
            return Finding(source, UNAVAILABLE, str(error))
        except NoteError as error:
            return Finding(source, ALARM, f"its checkpoint is not one our key signed for {self.verifier.name}: {error}")
        earlier = self.state.seen.get(checkpoint.size)
        if earlier is not None and earlier.root != checkpoint.root_hash:
            return Finding(source, ALARM, self._split_view(source, checkpoint, note, earlier))
        try:
            message = self._check(source, fetch, checkpoint)
        except (LogUnavailable, merkle.MissingNodes) as error:
            return Finding(source, UNAVAILABLE, f"could not check the checkpoint of {checkpoint.size:,} entries: {error}")
        except (merkle.ProofError, EntryMismatch) as error:
            return Finding(source, ALARM, f"the checkpoint of {checkpoint.size:,} entries: {error}")
        self.state.seen[checkpoint.size] = Seen(checkpoint.size, checkpoint.root_hash, source, note)
        if self.state.latest is None or checkpoint.size > self.state.latest.size:
            self.state.latest = self.state.seen[checkpoint.size]
        return Finding(source, OK, message)

    def _opened(self, note: str) -> CheckpointText:
        checkpoint = CheckpointText.parse(open_note(note, self.verifier))
        if checkpoint.origin != self.verifier.name:
            raise NoteError(f"it is for the log {checkpoint.origin!r}")
        return checkpoint

    def _split_view(self, source: str, checkpoint: CheckpointText, note: str, earlier: Seen) -> str:
        return (f"SPLIT VIEW: two checkpoints of {checkpoint.size:,} entries with different roots, both signed "
                f"by {self.verifier.name}: {_b64(earlier.root)} from {earlier.source} and "
                f"{_b64(checkpoint.root_hash)} from {source}. Both signed notes are the evidence:\n"
                f"{earlier.note}\n{note}")

    def _check(self, source: str, fetch: Fetch, checkpoint: CheckpointText) -> str:
        store = TileStore(self._tiles(source), checkpoint.size)
        if merkle.root_hash(checkpoint.size, store) != checkpoint.root_hash:
            if source in self.witnesses:
                raise merkle.ProofError(f"SPLIT VIEW: the witness holds a checkpoint signed by {self.verifier.name} "
                                        f"whose root is not that of the log's tree of {checkpoint.size:,} entries")
            raise merkle.ProofError(f"the tiles at {source} do not hash to its root")
        latest = self.state.latest
        words = f"the checkpoint of {checkpoint.size:,} entries matches {'the log' if source in self.witnesses else 'its'} tiles"
        if checkpoint.size in self.state.seen:
            words += " and is the one seen before"
        if latest is not None and latest.size != checkpoint.size:
            first, second = sorted((latest, Seen(checkpoint.size, checkpoint.root_hash, source, "")),
                                   key=lambda item: item.size)
            # The proof comes from the larger tree's tiles: those of whichever source showed it.
            larger = second.source if second.source in self.fetchers else source
            larger_store = store if second.size == checkpoint.size else TileStore(self._tiles(larger), second.size)
            proof = merkle.consistency_proof(first.size, second.size, larger_store)
            merkle.verify_consistency(first.size, second.size, first.root, second.root, proof)
            words += f" and is consistent with the checkpoint of {latest.size:,} seen before ({len(proof)}-hash proof)"
        if self.check_entry_bundles and source not in self.witnesses:
            start = min(latest.size, checkpoint.size) if latest is not None else 0
            checked = check_entries(fetch, store, start, checkpoint.size)
            words += f"; {checked:,} entries hash to their leaves"
        return words
