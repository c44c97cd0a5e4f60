"""The witnesses we ask to cosign our checkpoints: CANDOR_WITNESSES.

Each witness is its submission URL and its verifier key (C2SP tlog-cosignature, Ed25519
cosignature/v1, type 0x04), one witness per line or separated by ';':

    CANDOR_WITNESSES="http://127.0.0.1:7380 witness.example/w1+9a1c7b12+BCm…; https://w2.example/ w2.example+…"

Read once when the app starts, so a mistake stops the start with a message naming it. A witness is
someone else's server: what it answers is untrusted and bounded (app/audit/cosigning.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app

from app.audit.cosignature import WitnessKey
from app.audit.note import NoteError

EXTENSION = "candor.witnesses"
MAX_WITNESSES = 16


class WitnessConfigurationError(RuntimeError):
    """CANDOR_WITNESSES is malformed; the message says which witness and how."""


@dataclass(frozen=True)
class Witness:
    url: str
    key: WitnessKey

    @property
    def name(self) -> str:
        return self.key.name


@dataclass(frozen=True)
class WitnessSettings:
    witnesses: tuple[Witness, ...]
    timeout_s: float


def _witness(text: str, position: int) -> Witness:
    parts = text.split()
    if len(parts) != 2:
        raise WitnessConfigurationError(
            f"CANDOR_WITNESSES, witness {position}: give its URL and its verifier key, separated by a space")
    url, verifier_key = parts
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.hostname or address.query or address.fragment:
        raise WitnessConfigurationError(
            f"CANDOR_WITNESSES, witness {position}: {url[:80]!r} is not an http(s) URL without query or fragment")
    try:
        key = WitnessKey.from_verifier_key(verifier_key)
    except NoteError as error:
        raise WitnessConfigurationError(f"CANDOR_WITNESSES, witness {position}: {error}") from None
    return Witness(url.rstrip("/"), key)


def parse_witnesses(raw: str) -> tuple[Witness, ...]:
    entries = [entry.strip() for entry in re.split(r"[;\n]", raw) if entry.strip()]
    if len(entries) > MAX_WITNESSES:
        raise WitnessConfigurationError(f"CANDOR_WITNESSES names {len(entries)} witnesses; at most {MAX_WITNESSES}")
    witnesses = tuple(_witness(entry, position) for position, entry in enumerate(entries, start=1))
    names = [witness.name for witness in witnesses]
    if len(set(names)) != len(names):
        raise WitnessConfigurationError("CANDOR_WITNESSES names one witness twice")
    return witnesses


def _setting(app: Flask, name: str, default: str) -> str:
    value = app.config.get(name)
    return str(os.environ.get(name, default) if value is None else value)


def init_app(app: Flask) -> None:
    raw_timeout = _setting(app, "CANDOR_WITNESS_TIMEOUT_S", "5")
    try:
        timeout_s = float(raw_timeout)
    except ValueError:
        raise WitnessConfigurationError(f"CANDOR_WITNESS_TIMEOUT_S must be a number of seconds, got {raw_timeout!r}") from None
    if not 0 < timeout_s <= 60:
        raise WitnessConfigurationError("CANDOR_WITNESS_TIMEOUT_S must be more than 0 and at most 60 seconds")
    app.extensions[EXTENSION] = WitnessSettings(parse_witnesses(_setting(app, "CANDOR_WITNESSES", "")), timeout_s)


def configure(app: Flask, witnesses: tuple[Witness, ...]) -> None:
    """Replaces the witnesses of a running app (`flask demo run` adds the one it starts)."""
    app.extensions[EXTENSION] = WitnessSettings(witnesses, current_witness_settings(app).timeout_s)


def current_witness_settings(app: Flask | None = None) -> WitnessSettings:
    settings: WitnessSettings = (app or current_app).extensions[EXTENSION]
    return settings
