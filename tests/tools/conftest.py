"""candor-verify is its own distribution (tools/candor-verify) with nothing of Candor's: the tests
import it from its folder, as a user who ran `pip install ./tools/candor-verify` would have it,
and make receipts the way a shopper gets them, from a real app's pages."""

from __future__ import annotations

import base64
import hashlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tools" / "candor-verify"
COSIGNATURE_V1 = b"\x04"  # the vkey type byte of an Ed25519 cosigner (c2sp.org/tlog-cosignature)


@pytest.fixture(scope="session")
def candor_verify() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PACKAGE))
        importlib.import_module("candor_verify.cli")
        yield importlib.import_module("candor_verify")


class Witness:
    """A cosigner as C2SP tlog-cosignature specifies one (cosignature/v1, Ed25519), written from the
    spec for these tests: the verifier must accept what any such witness signs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.private_key = Ed25519PrivateKey.generate()
        self.public_key = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n" + COSIGNATURE_V1 + self.public_key).digest()[:4]

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(COSIGNATURE_V1 + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def cosign(self, note: str, timestamp: int = 1_764_900_000) -> str:
        """The note with this witness's cosignature line added."""
        body = note[: note.rfind("\n\n") + 1]
        message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
        signature = self.key_id + timestamp.to_bytes(8, "big") + self.private_key.sign(message)
        return f"{note}\u2014 {self.name} {base64.b64encode(signature).decode()}\n"
