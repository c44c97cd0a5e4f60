"""The keys a verifier trusts, in the C2SP signed-note verifier-key form (vkey):
`<name>+<hex key ID>+<base64(type byte || public key)>`.

- a log key, type 0x01 (Ed25519 signed note): key ID = SHA-256(name || 0x0A || 0x01 || key)[:4];
- a witness (cosigner) key, type 0x04 (C2SP tlog-cosignature, cosignature/v1):
  key ID = SHA-256(name || 0x0A || 0x04 || key)[:4]."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
TYPE_NAMES = {ED25519: "an Ed25519 log key (type 0x01)", COSIGNATURE_V1: "an Ed25519 witness key (type 0x04)"}
MAX_KEY_TEXT = 1024


class BadKey(ValueError):
    """A key that cannot be read, or is not of the kind asked for."""


def b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError("not base64") from error


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(character.isspace() for character in name)


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()[:4]


@dataclass(frozen=True)
class _Key:
    name: str
    public_key: bytes

    KEY_TYPE = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.KEY_TYPE, self.public_key)

    @property
    def label(self) -> str:
        """The key's name and ID, how a person tells keys apart: <name>+<hex key ID>."""
        return f"{self.name}+{self.key_id.hex()}"

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.KEY_TYPE]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def signed(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def parse(cls, text: str) -> Self:
        """The key a vkey names; BadKey saying what is wrong with it."""
        text = text.strip()
        if len(text) > MAX_KEY_TEXT:
            raise BadKey("a verifier key is one short line; this is far too long")
        parts = text.split("+", 2)
        if len(parts) != 3 or not valid_key_name(parts[0]) or len(parts[1]) != 8:
            raise BadKey("a verifier key is <name>+<8 hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            claimed = bytes.fromhex(hex_id)
            raw = b64decode(encoded)
        except ValueError as error:
            raise BadKey("a verifier key's ID is 8 hex digits and its key is base64") from error
        if len(raw) != 33 or raw[0] != cls.KEY_TYPE:
            found = TYPE_NAMES.get(raw[0], f"a key of type {raw[0]:#04x}") if raw else "empty"
            raise BadKey(f"expected {TYPE_NAMES[cls.KEY_TYPE]} of 32 bytes; this is {found}"
                         f"{'' if len(raw) == 33 else f' of {len(raw) - 1} bytes'}")
        key = cls(name, raw[1:])
        if key.key_id != claimed:
            raise BadKey(f"the key ID {hex_id} does not match the key's name and bytes (it should be {key.key_id.hex()})")
        return key


@dataclass(frozen=True)
class LogKey(_Key):
    """A log's checkpoint-signing key; its name is the log's origin."""

    KEY_TYPE = ED25519


@dataclass(frozen=True)
class CosignerKey(_Key):
    """A witness's key for cosignature/v1."""

    KEY_TYPE = COSIGNATURE_V1
