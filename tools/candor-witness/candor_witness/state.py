"""What the witness remembers: for each log (by origin), the latest checkpoint it cosigned, kept on
disk so a restart never forgets it (forgetting would let the log roll back to an older tree).

One JSON file per log, named after the SHA-256 of the origin, replaced atomically (write a
temporary file, fsync, rename). Checking a request against the stored size and storing the new
checkpoint happen under one lock — a thread lock and an exclusive lock on the directory's lock
file, so two witness processes pointed at one directory cannot interleave either."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from candor_witness.notes import b64decode, b64encode


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint cosigned for one log: its size, root and the note as served to
    monitors (the log's signature and ours)."""

    size: int
    root_hash: bytes
    note: str


def origin_hash(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


class StateDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._thread_lock = threading.Lock()

    def _file(self, origin: str) -> Path:
        return self.path / f"{origin_hash(origin)}.json"

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock, open(self.path / ".lock", "a+b") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def latest(self, origin: str) -> Latest | None:
        try:
            stored = json.loads(self._file(origin).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if stored.get("origin") != origin:
            raise RuntimeError(f"{self._file(origin)} holds another log's state")
        return Latest(int(stored["size"]), b64decode(stored["root_hash"]), stored["note"])

    def latest_by_hash(self, hashed: str) -> Latest | None:
        path = self.path / f"{hashed}.json"
        if len(hashed) != 64 or not all(c in "0123456789abcdef" for c in hashed) or not path.is_file():
            return None
        stored = json.loads(path.read_text(encoding="utf-8"))
        return Latest(int(stored["size"]), b64decode(stored["root_hash"]), stored["note"])

    def store(self, origin: str, latest: Latest) -> None:
        """Call only while holding locked(); durable when it returns."""
        document = {"origin": origin, "size": latest.size, "root_hash": b64encode(latest.root_hash), "note": latest.note}
        handle, temporary = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._file(origin))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
