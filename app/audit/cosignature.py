"""Witness cosignatures on our checkpoints: C2SP tlog-cosignature, Ed25519 `cosignature/v1`.

A cosignature is a signed-note signature line by the witness's key:

    — <witness name> base64(key ID (4 bytes) || timestamp (8 bytes, big-endian) || Ed25519 signature)

over the message "cosignature/v1\\ntime <timestamp>\\n" followed by the checkpoint's text. The key ID
is SHA-256(<name> || "\\n" || 0x04 || public key)[:4], and a witness's verifier key is
<name>+<hex key ID>+<base64(0x04 || public key)>. A cosignature says: as of that time, this is the
largest tree of this log the witness has seen, and it checked it is consistent with every earlier
one it saw.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.note import SIGNATURE_PREFIX, NoteError, _b64decode, valid_key_name

COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = (1 << 63) - 1
SIGNATURE_BYTES = 4 + 8 + 64


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


@dataclass(frozen=True)
class WitnessKey:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosignature_key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_verifier_key(cls, text: str) -> WitnessKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8 or parts[1] != parts[1].lower():
            raise NoteError("a witness's verifier key is <name>+<8 lowercase hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        raw = _b64decode(encoded)
        if not valid_key_name(name):
            raise NoteError(f"{name!r} is not a key name: non-empty, without spaces or '+'")
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise NoteError("a witness key is an Ed25519 cosignature/v1 key (type 0x04, 32 bytes)")
        key = cls(name, raw[1:])
        if key.key_id.hex() != hex_id:
            raise NoteError("the witness key's ID does not match its name and key")
        return key


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


@dataclass(frozen=True)
class Cosignature:
    witness: str
    timestamp: int
    line: str  # the signature line as received, with its final newline


def signature_lines(text: str, *, limit: int = 16) -> list[str]:
    """The note signature lines of a witness's answer (each '— name base64\\n'); anything else
    makes the whole answer malformed."""
    if not text.endswith("\n"):
        raise NoteError("signature lines end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) > limit:
        raise NoteError(f"more than {limit} signature lines")
    for line in lines:
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or not valid_key_name(name) or not encoded or " " in encoded:
            raise NoteError("a signature line is '— <key name> <base64 signature>'")
        _b64decode(encoded)
    return [line + "\n" for line in lines]


def verify_cosignature(line: str, key: WitnessKey, checkpoint_text: str) -> Cosignature | None:
    """The cosignature in `line` if it is `key`'s valid cosignature/v1 of `checkpoint_text`; None
    for a line by another key. A line that claims `key` but does not verify raises NoteError."""
    name, _, encoded = line.rstrip("\n").removeprefix(SIGNATURE_PREFIX).partition(" ")
    raw = _b64decode(encoded)
    if name != key.name or raw[:4] != key.key_id:
        return None
    if len(raw) != SIGNATURE_BYTES:
        raise NoteError(f"the cosignature by {key.name} is not a cosignature/v1 signature")
    (timestamp,) = struct.unpack(">Q", raw[4:12])
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"the cosignature by {key.name} has no valid time")
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(raw[12:], cosigned_message(checkpoint_text, timestamp))
    except InvalidSignature:
        raise NoteError(f"the cosignature by {key.name} does not verify") from None
    return Cosignature(key.name, timestamp, line if line.endswith("\n") else line + "\n")
