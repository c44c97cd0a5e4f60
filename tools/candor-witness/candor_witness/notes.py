"""Signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and Ed25519
cosignatures (c2sp.org/tlog-cosignature, cosignature/v1), as much of each as a witness needs.

Key IDs are SHA-256(<name> || "\\n" || <type byte> || <public key>)[:4]: type 0x01 for a log's
Ed25519 note signature, 0x04 for an Ed25519 cosignature. Verifier keys ("vkeys") are
<name>+<hex key ID>+<base64(type byte || public key)>.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NOTE_SIGNATURE = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_NOTE_BYTES = 1 << 16
MAX_SIGNATURES = 100
MAX_TIMESTAMP = (1 << 63) - 1


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed."""


def b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise NoteError(f"{text[:20]!r} is not base64") from error


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(character.isspace() for character in name)


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()[:4]


@dataclass(frozen=True)
class PublicKey:
    """A named Ed25519 public key of one type: a log's note key (0x01) or a cosigner's (0x04)."""

    name: str
    key_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise NoteError(f"{self.name!r} is not a key name: non-empty, without spaces or '+'")
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.key_type, self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64encode(bytes([self.key_type]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, text: str, *, key_type: int) -> PublicKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8 or parts[1] != parts[1].lower():
            raise NoteError("a verifier key is <name>+<8 lowercase hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        raw = b64decode(encoded)
        if len(raw) != 33 or raw[0] != key_type:
            raise NoteError(f"expected an Ed25519 key of type 0x{key_type:02x} (33 bytes with its type)")
        key = cls(name, key_type, raw[1:])
        if key.key_id.hex() != hex_id:
            raise NoteError("the verifier key's ID does not match its name and key")
        return key

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes

    def format(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.signature)}\n"


def parse_signature_line(line: str) -> SignatureLine:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("a signature line starts with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    if not valid_key_name(name) or not encoded or " " in encoded:
        raise NoteError("a signature line is '— <key name> <base64 signature>'")
    raw = b64decode(encoded)
    if len(raw) < 5:
        raise NoteError("a signature is a 4-byte key ID and the signature itself")
    return SignatureLine(name, raw[:4], raw[4:])


def split_note(note: str) -> tuple[str, list[SignatureLine]]:
    """The text (ending in its newline) and signature lines of a signed note, checked for syntax."""
    if len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise NoteError("the note is too long")
    if any((ord(character) < 0x20 and character != "\n") or 0xD800 <= ord(character) <= 0xDFFF
           for character in note):
        raise NoteError("a note is UTF-8 text without control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, then signature lines")
    text, block = note[: split + 1], note[split + 2:]
    signatures = [parse_signature_line(line) for line in block[:-1].split("\n")]
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, signatures


def verified_by(text: str, signatures: list[SignatureLine], key: PublicKey) -> bool:
    """Whether `key` signed `text`. Lines of other keys are ignored, as the spec requires; a line
    that names this key but does not verify makes the note malformed."""
    found = False
    for line in signatures:
        if line.name == key.name and line.key_id == key.key_id:
            if not key.verifies(text.encode("utf-8"), line.signature):
                raise NoteError(f"the signature by {key.name} does not verify")
            found = True
    return found


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    text: str  # the whole note body, extension lines included, ending in a newline

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
            raise NoteError("a checkpoint is at least three non-empty lines")
        origin, size_text, root_text = lines[:3]
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
            raise NoteError("a checkpoint's tree size is a decimal number without leading zeros")
        if len(size_text) > 19 or int(size_text) > MAX_TIMESTAMP:
            raise NoteError("a checkpoint's tree size is below 2**63")
        root = b64decode(root_text)
        if len(root) != 32 or b64encode(root) != root_text:
            raise NoteError("a checkpoint's root hash is the base64 of 32 bytes")
        return cls(origin, int(size_text), root, text)


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


@dataclass(frozen=True)
class Cosigner:
    """The witness's own key: it signs cosignature/v1 statements about checkpoints."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return PublicKey(self.name, COSIGNATURE_V1, raw)

    def cosign(self, checkpoint_text: str, timestamp: int) -> SignatureLine:
        if not 0 < timestamp <= MAX_TIMESTAMP:
            raise NoteError("a cosignature's time is a positive POSIX timestamp")
        signature = self.private_key.sign(cosigned_message(checkpoint_text, timestamp))
        return SignatureLine(self.name, self.public.key_id, struct.pack(">Q", timestamp) + signature)


def cosignature_time(line: SignatureLine, key: PublicKey, checkpoint_text: str) -> int | None:
    """The time `key` vouched for `checkpoint_text` in this line, or None if the line is not a valid
    cosignature/v1 by that key."""
    if line.name != key.name or line.key_id != key.key_id or len(line.signature) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", line.signature[:8])
    if not 0 < timestamp <= MAX_TIMESTAMP:
        return None
    return timestamp if key.verifies(cosigned_message(checkpoint_text, timestamp), line.signature[8:]) else None
