"""The log's two keys and its settings, loaded once per app.

- The checkpoint signing key: an Ed25519 private key in PEM (PKCS #8) at CANDOR_SIGNING_KEY_FILE,
  generated there when the file does not exist (a developer's machine; production provides one).
- The data key that wraps every customer's personal-data key: CANDOR_DATA_KEY, the base64 of 32
  random bytes. When it is not set a key is generated into instance/data-key so a developer's
  machine works; several instances must share one key, so production sets it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from flask import Flask, current_app

from app.audit.note import Signer, Verifier, valid_key_name

EXTENSION = "candor.audit"
logger = logging.getLogger(__name__)
DATA_KEY_FILE = "data-key"


class KeyConfigurationError(RuntimeError):
    """A key is missing, unreadable or of the wrong kind; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    origin: str
    checkpoint_every: int
    checkpoint_max_age_s: float
    retention_days: int | None


# name: (default, converter). Each can be set in the environment or in the app's configuration.
SETTINGS = {
    "CANDOR_LOG_ORIGIN": ("candor.example/recommendations", str),
    "CANDOR_CHECKPOINT_EVERY": ("1000", int),
    "CANDOR_CHECKPOINT_MAX_AGE_S": ("300", float),
    "CANDOR_RETENTION_DAYS": ("", lambda raw: int(raw) if str(raw).strip() else None),
    "CANDOR_VERIFY_RATE_LIMIT": ("60 per minute", str),
}


def _settings(app: Flask) -> Settings:
    values = {}
    for name, (default, convert) in SETTINGS.items():
        raw = app.config.get(name)
        if raw is None:
            raw = os.environ.get(name, default)
        try:
            values[name] = convert(raw)  # type: ignore[operator]
        except ValueError as error:
            raise KeyConfigurationError(f"{name} must be a number, got {raw!r}") from error
        app.config[name] = values[name]
    settings = Settings(
        origin=values["CANDOR_LOG_ORIGIN"],
        checkpoint_every=values["CANDOR_CHECKPOINT_EVERY"],
        checkpoint_max_age_s=values["CANDOR_CHECKPOINT_MAX_AGE_S"],
        retention_days=values["CANDOR_RETENTION_DAYS"],
    )
    if not valid_key_name(settings.origin):
        raise KeyConfigurationError("CANDOR_LOG_ORIGIN must be a name without spaces or '+', such as example.com/log")
    if settings.checkpoint_every < 1:
        raise KeyConfigurationError("CANDOR_CHECKPOINT_EVERY must be at least 1")
    if settings.retention_days is not None and settings.retention_days < 1:
        raise KeyConfigurationError("CANDOR_RETENTION_DAYS must be at least 1 day, or unset to keep personal data")
    return settings


def _create_exclusively(path: Path, content: bytes) -> bool:
    """Writes `content` to `path` only if nothing is there yet, atomically, readable by the owner
    only; False if another process got there first (its file is then complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        generated = Ed25519PrivateKey.generate()
        _create_exclusively(path, generated.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise KeyConfigurationError(
            f"CANDOR_SIGNING_KEY_FILE ({path}) is not an unencrypted PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyConfigurationError(f"CANDOR_SIGNING_KEY_FILE ({path}) holds a {type(key).__name__}, not an Ed25519 key")
    return key


def parse_data_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise KeyConfigurationError("CANDOR_DATA_KEY must be the base64 of 32 random bytes") from error
    if len(key) != 32:
        raise KeyConfigurationError(f"CANDOR_DATA_KEY must be 32 bytes once decoded, not {len(key)}")
    return key


def parse_read_data_keys(configured: str | None) -> tuple[bytes, ...]:
    """CANDOR_READ_DATA_KEYS: earlier data keys, base64, separated by commas or spaces. Customer
    keys still wrapped by one of them stay readable while `flask audit rotate-data-key` re-wraps
    them under CANDOR_DATA_KEY."""
    texts = [text for text in (configured or "").replace(",", " ").split() if text]
    try:
        return tuple(parse_data_key(text) for text in texts)
    except KeyConfigurationError as error:
        raise KeyConfigurationError(str(error).replace("CANDOR_DATA_KEY", "every key in CANDOR_READ_DATA_KEYS")) from None


def data_key_id_of(data_key: bytes) -> str:
    """Names a data key in each wrapped key, so a key change is detected rather than mistaken for
    damage."""
    return hashlib.sha256(b"candor data key id\n" + data_key).hexdigest()[:16]


def load_data_key(configured: str | None, instance_path: Path) -> bytes:
    if configured:
        return parse_data_key(configured)
    path = instance_path / DATA_KEY_FILE
    if not path.exists() and _create_exclusively(path, base64.b64encode(secrets.token_bytes(32)) + b"\n"):
        logger.warning("CANDOR_DATA_KEY is not set: generated a data key into %s. Every instance must use the "
                       "same key; set CANDOR_DATA_KEY when running more than one.", path)
    return parse_data_key(path.read_text())


@dataclass(frozen=True)
class AuditKeys:
    settings: Settings
    signer: Signer
    data_key: bytes
    read_data_keys: tuple[bytes, ...] = ()

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier

    @cached_property  # read on every append with personal data: worked out once
    def data_key_id(self) -> str:
        return data_key_id_of(self.data_key)

    @cached_property
    def data_cipher(self) -> AESGCM:
        return AESGCM(self.data_key)

    @cached_property
    def unwrapping_ciphers(self) -> dict[str, AESGCM]:
        """Every data key that may open a wrapped customer key, by its id: CANDOR_DATA_KEY and the
        earlier ones in CANDOR_READ_DATA_KEYS. New keys are only ever wrapped by CANDOR_DATA_KEY."""
        ciphers = {data_key_id_of(key): AESGCM(key) for key in self.read_data_keys}
        ciphers[self.data_key_id] = self.data_cipher
        return ciphers


def init_app(app: Flask) -> None:
    settings = _settings(app)
    signing_key = load_signing_key(Path(app.config["CANDOR_SIGNING_KEY_FILE"]))
    data_key = load_data_key(app.config.get("CANDOR_DATA_KEY"), Path(app.instance_path))
    read_data_keys = parse_read_data_keys(app.config.get("CANDOR_READ_DATA_KEYS") or os.environ.get("CANDOR_READ_DATA_KEYS"))
    app.extensions[EXTENSION] = AuditKeys(settings, Signer(settings.origin, signing_key), data_key, read_data_keys)


def current_keys() -> AuditKeys:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
