"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and the tlog-checkpoint text they carry
(c2sp.org/tlog-checkpoint). Byte-compatible with golang.org/x/mod/sumdb/note, so anyone can check
our checkpoints with the Go tooling or a few lines of their own.

    <origin>\\n<tree size>\\n<base64 root hash>\\n
    \\n
    — <key name> <base64(key ID (4 bytes, big-endian) || Ed25519 signature)>\\n
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 16


class NoteError(ValueError):
    """A note or key that is malformed, or whose signature does not verify."""


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(character.isspace() for character in name)


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4], as the signed-note spec recommends."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise NoteError("not base64") from error


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise NoteError(f"{self.name!r} is not a key name: it must be non-empty, without spaces or '+'")
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        """The shareable form: <name>+<hex key ID>+<base64(0x01 || public key)>."""
        encoded = base64.b64encode(ED25519 + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_verifier_key(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8:
            raise NoteError("a verifier key is <name>+<8 hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            claimed_id = bytes.fromhex(hex_id)
        except ValueError as error:
            raise NoteError("the key ID of a verifier key is 8 hex digits") from error
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
        verifier = cls(name, raw[1:])
        if verifier.key_id != claimed_id or hex_id != hex_id.lower():
            raise NoteError("the verifier key's ID does not match its name and key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, _raw_public_key(self.private_key.public_key()))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, text: str) -> str:
        """The signed note of `text`, which ends in a newline."""
        _check_text(text)
        signature = self.private_key.sign(text.encode("utf-8"))
        encoded = base64.b64encode(self.verifier.key_id + signature).decode("ascii")
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def add_signature(note: str, signer: Signer) -> str:
    """The note with one more signature line, by `signer`, over the same text."""
    text, _ = split_note(note)
    signature = signer.private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(signer.verifier.key_id + signature).decode("ascii")
    return f"{note}{SIGNATURE_PREFIX}{signer.name} {encoded}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    if any(ord(character) < 0x20 and character != "\n" for character in text):
        raise NoteError("a note contains no control characters other than newline")


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """The text and signature lines of a signed note, checked for syntax only."""
    if len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise NoteError("the note is too long")
    if any(ord(character) < 0x20 and character != "\n" for character in note):
        raise NoteError("a note contains no control characters other than newline")
    if any(0xD800 <= ord(character) <= 0xDFFF for character in note):
        raise NoteError("a note is valid UTF-8")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, then signature lines")
    text, signature_block = note[: split + 1], note[split + 2:]
    signatures: list[NoteSignature] = []
    for line in signature_block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("every line after the blank line is a signature line")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        if not valid_key_name(name) or not encoded or " " in encoded:
            raise NoteError("a signature line is '— <key name> <base64 signature>'")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("a signature is a 4-byte key ID and the signature itself")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("a signed note has at least one signature")
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, signatures


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text, if `verifier`'s key signed it. Signatures by other keys are ignored, as
    the spec requires; a bad signature by our key rejects the note."""
    text, signatures = split_note(note)
    verified = False
    for signature in signatures:
        if signature.name != verifier.name or signature.key_id != verifier.key_id:
            continue
        if not verifier.verify(text.encode("utf-8"), signature.signature):
            raise NoteError(f"the signature by {verifier.name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"the note is not signed by {verifier.name}+{verifier.key_id.hex()}")
    return text


# tlog-checkpoint ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckpointText:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()  # extension lines after the root hash, as tlog-checkpoint allows

    def format(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("an origin is one non-empty line")
        if self.size < 0 or len(self.root_hash) != 32:
            raise NoteError("a checkpoint has a tree size and a 32-byte root hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise NoteError("an extension line is one non-empty line")
        extensions = "".join(f"{line}\n" for line in self.extensions)
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n{extensions}"

    @classmethod
    def parse(cls, text: str) -> CheckpointText:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
            raise NoteError("a checkpoint is at least three non-empty lines")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError("a checkpoint's tree size is a decimal number without leading zeros")
        root = _b64decode(root_text)
        if len(root) != 32 or base64.b64encode(root).decode("ascii") != root_text:
            raise NoteError("a checkpoint's root hash is the base64 of 32 bytes")
        return cls(origin, int(size_text), root, tuple(lines[3:-1]))
