"""Reading a tiled log (C2SP tlog-tiles) over plain HTTP: its checkpoint, and any tree hash, proof
or root of a given size computed from its tiles — ours at /log/, or any mirror's copy.

TileStore is a merkle.NodeStore: the subtree (level h, index i) lies inside one tile of level
h // 8 and is folded from 2**(h % 8) of its hashes, so merkle.root_hash and merkle.consistency_proof
work over tiles exactly as over our database. Everything fetched is bounded: a tile is exactly its
width × 32 bytes, a checkpoint at most 64 KiB, redirects are not followed (a mirror gives its own
address), and each answer must come within the timeout.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping

from app.audit.merkle import HASH_SIZE, MissingNodes, NodeKey, leaf_hash, node_hash
from app.audit.note import MAX_NOTE_BYTES
from app.audit.tiles import TILE_HEIGHT, TILE_WIDTH, tile_path

MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + 0xFFFF)
Fetch = Callable[[str, int], bytes]


class LogUnavailable(Exception):
    """The log (or mirror) did not give a resource it should have: unreachable, missing, too big."""


class EntryMismatch(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(f"entry {index} does not hash to its leaf hash in the tree")
        self.index = index


def http_fetcher(base_url: str, *, timeout_s: float = 10.0, token: str | None = None) -> Fetch:
    """fetch(path, max_bytes) -> the body of GET <base_url>/<path>, or LogUnavailable."""
    base = base_url.rstrip("/")
    headers = {"Accept-Encoding": "gzip, identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def fetch(path: str, max_bytes: int) -> bytes:
        import requests  # only `flask audit monitor` fetches tiles: a web worker never carries requests (4 MB)

        url = f"{base}/{path}"
        try:
            with requests.get(url, timeout=timeout_s, allow_redirects=False, stream=True, headers=headers) as answer:
                body = answer.raw.read(max_bytes + 1, decode_content=True)
                status = answer.status_code
        except requests.RequestException as error:
            raise LogUnavailable(f"{url} did not answer ({type(error).__name__})") from None
        if status != 200:
            raise LogUnavailable(f"{url} answered HTTP {status}")
        if len(body) > max_bytes:
            raise LogUnavailable(f"{url} sent more than {max_bytes:,} bytes")
        return body

    return fetch


def fetch_checkpoint(fetch: Fetch) -> str:
    try:
        return fetch("checkpoint", MAX_NOTE_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise LogUnavailable("the checkpoint is not UTF-8 text") from None


def _fold(hashes: list[bytes]) -> bytes:
    """The root of a perfect subtree whose bottom row is `hashes` (a power of two of them)."""
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


class TileStore:
    """The tree of `size` leaves, as the tiles at `fetch` tell it."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        self.fetch = fetch
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self._tiles:
            width = min(TILE_WIDTH, (self.size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)
            if width <= 0:
                raise MissingNodes([(TILE_HEIGHT * level, index * TILE_WIDTH)])
            body = self.fetch(tile_path(level, index, width), width * HASH_SIZE)
            if len(body) != width * HASH_SIZE:
                raise LogUnavailable(f"{tile_path(level, index, width)} is {len(body)} bytes, not {width * HASH_SIZE}")
            self._tiles[key] = [body[offset:offset + HASH_SIZE] for offset in range(0, len(body), HASH_SIZE)]
        return self._tiles[key]

    def get(self, keys: Iterable[NodeKey]) -> Mapping[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        for level, index in set(keys):
            tile_level, height = divmod(level, TILE_HEIGHT)
            start, count = index << height, 1 << height
            hashes = self.tile(tile_level, start // TILE_WIDTH)
            offset = start % TILE_WIDTH
            if offset + count > len(hashes):
                raise MissingNodes([(level, index)])
            found[(level, index)] = _fold(hashes[offset:offset + count])
        return found


def bundle_leaves(body: bytes) -> list[bytes]:
    """The entries of an entry bundle (each after its big-endian uint16 length)."""
    leaves, offset = [], 0
    while offset < len(body):
        if offset + 2 > len(body):
            raise LogUnavailable("an entry bundle ends inside a length")
        (length,) = struct.unpack(">H", body[offset:offset + 2])
        if offset + 2 + length > len(body):
            raise LogUnavailable("an entry bundle ends inside an entry")
        leaves.append(body[offset + 2:offset + 2 + length])
        offset += 2 + length
    return leaves


def check_entries(fetch: Fetch, store: TileStore, start: int, end: int) -> int:
    """Fetches the entry bundles covering leaves [start, end) and checks each entry hashes to its
    leaf hash in the level-0 tiles. Returns how many entries were checked."""
    checked = 0
    for bundle in range(start // TILE_WIDTH, (end + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, store.size - bundle * TILE_WIDTH)
        leaves = bundle_leaves(store.fetch(tile_path(None, bundle, width), MAX_BUNDLE_BYTES))
        if len(leaves) != width:
            raise LogUnavailable(f"{tile_path(None, bundle, width)} holds {len(leaves)} entries, not {width}")
        hashes = store.tile(0, bundle)
        for offset, leaf in enumerate(leaves):
            index = bundle * TILE_WIDTH + offset
            if start <= index < end:
                if leaf_hash(leaf) != hashes[offset]:
                    raise EntryMismatch(index)
                checked += 1
    return checked
