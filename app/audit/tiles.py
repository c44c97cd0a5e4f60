"""The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): the tree as tiles of up to 256 hashes, and
the leaves as entry bundles, so anyone can copy and check the log with plain HTTP GETs.

A tile at level L, index N holds the hashes of the complete subtrees of 256**L leaves numbered
N*256 … N*256+W-1, that is tree level 8L — level-0 tiles are leaf hashes (audit_entries), the
others rows of audit_tree_nodes. So every tile is one indexed range read, and nothing is hashed.
A tile or bundle exists once the log has all of its W positions; a full one (W = 256) never
changes, a partial one of width W never changes either (it is the same W hashes forever).

Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, N written as 3-digit groups, all
but the last prefixed with "x" (1234067 is x001/x234/067).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry, AuditTreeNode

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_BUNDLE_ENTRY = 0xFFFF  # entry bundles length-prefix each entry with a big-endian uint16
BUNDLE_BATCH = 32
_GROUP = re.compile(r"x\d{3}")


class TileNotFound(LookupError):
    """A well-formed path for a tile or bundle the log does not have (yet)."""


class BadTilePath(ValueError):
    """A path that names no tile."""


class EntryTooLong(ValueError):
    """An entry longer than an entry bundle's 16-bit length prefix can say."""


@dataclass(frozen=True)
class TileAddress:
    level: int | None  # None for an entry bundle
    index: int
    width: int  # TILE_WIDTH for a full tile

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


def encode_index(index: int) -> str:
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[start:start + 3] for start in range(0, len(digits), 3)]
    return "/".join([f"x{group}" for group in groups[:-1]] + [groups[-1]])


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{'entries' if level is None else level}/{encode_index(index)}{suffix}"


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text[0] == "0"):
        raise BadTilePath(f"{what} is a decimal number without leading zeros")
    return int(text)


def parse_tile_path(path: str) -> TileAddress:
    """`<L or entries>/<N>[.p/<W>]` (the part after tile/) as an address, strictly as the spec
    writes it: one spelling per tile, so caches and mirrors never hold two copies of one."""
    level_text, _, rest = path.partition("/")
    level = None if level_text == "entries" else _decimal(level_text, "a tile's level")
    if level is not None and level > MAX_LEVEL:
        raise BadTilePath(f"a tile's level is at most {MAX_LEVEL}")
    rest, marker, width_text = rest.partition(".p/")
    width = _decimal(width_text, "a partial tile's width") if marker else TILE_WIDTH
    if not 1 <= width <= TILE_WIDTH - (1 if marker else 0):
        raise BadTilePath("a partial tile's width is from 1 to 255")
    groups = rest.split("/")
    if len(groups) > 7 or not all(_GROUP.fullmatch(group) for group in groups[:-1]) or \
            not re.fullmatch(r"\d{3}", groups[-1]):
        raise BadTilePath("a tile index is 3-digit groups, each but the last written x000")
    return TileAddress(level, int("".join(group.lstrip("x") for group in groups)), width)


def _require(address: TileAddress, log_size: int) -> tuple[int, int]:
    """The first position and count at the tile's own level; TileNotFound if the log is too small."""
    first = address.index * TILE_WIDTH
    level = address.level or 0
    if (first + address.width) * TILE_WIDTH ** level > log_size:
        raise TileNotFound(f"the log of {log_size} entries has no {address.path} yet")
    return first, address.width


def tile_bytes(session: Session, address: TileAddress, log_size: int) -> bytes:
    """The concatenated 32-byte hashes of a tile of the tree of `log_size` entries."""
    if address.level is None:
        raise BadTilePath("an entry bundle is not a tile of hashes")
    first, count = _require(address, log_size)
    if address.level == 0:
        query = select(AuditEntry.leaf_hash).where(AuditEntry.index >= first, AuditEntry.index < first + count)\
            .order_by(AuditEntry.index)
    else:
        query = select(AuditTreeNode.hash).where(AuditTreeNode.level == TILE_HEIGHT * address.level,
                                                 AuditTreeNode.index >= first, AuditTreeNode.index < first + count)\
            .order_by(AuditTreeNode.index)
    hashes = [bytes(value) for value in session.scalars(query)]
    if len(hashes) != count:
        raise LookupError(f"the store lacks hashes of {address.path}: run `flask audit verify`")
    return b"".join(hashes)


def entry_bundle(session: Session, address: TileAddress, log_size: int) -> Iterator[bytes]:
    """The leaves of a bundle, each after its length as a big-endian uint16. Checked before the
    first byte is sent (the log has them, each fits the 16-bit length); then read a few at a time,
    as a bundle of 256 entries can be several megabytes."""
    if address.level is not None:
        raise BadTilePath("a tile of hashes is not an entry bundle")
    first, count = _require(address, log_size)
    longest = session.scalar(select(func.max(func.length(AuditEntry.leaf)))
                             .where(AuditEntry.index >= first, AuditEntry.index < first + count))
    if longest is not None and longest > MAX_BUNDLE_ENTRY:
        raise EntryTooLong(f"an entry of {longest:,} bytes in {address.path} does not fit an entry bundle's "
                           f"16-bit length; read it from the API instead")
    return _bundle(session, first, count, address)


def _bundle(session: Session, first: int, count: int, address: TileAddress) -> Iterator[bytes]:
    for start in range(first, first + count, BUNDLE_BATCH):
        end = min(start + BUNDLE_BATCH, first + count)
        leaves = [bytes(leaf) for leaf in session.scalars(
            select(AuditEntry.leaf).where(AuditEntry.index >= start, AuditEntry.index < end).order_by(AuditEntry.index))]
        if len(leaves) != end - start:
            raise LookupError(f"entries of {address.path} are missing: run `flask audit verify`")
        yield b"".join(struct.pack(">H", len(leaf)) + leaf for leaf in leaves)
