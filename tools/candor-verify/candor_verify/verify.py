"""Verifying a receipt, in the order c2sp.org/tlog-proof gives: the leaf hash from the entry's own
bytes; the checkpoint's origin and its signature by a log key you trust; the cosignatures of the
witnesses you name, k of n; the inclusion proof from the leaf to the checkpoint's root. Each step
either holds or refuses the whole receipt, saying why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from candor_verify import merkle
from candor_verify.keys import CosignerKey, LogKey
from candor_verify.receipt import Checkpoint, Malformed, Receipt, parse_receipt

COSIGNATURE_HEADER = "cosignature/v1\n"
COSIGNATURE_BYTES = 8 + 64  # big-endian u64 timestamp, Ed25519 signature


class Refused(Exception):
    """The receipt does not prove what it claims; the message says which check failed and why."""


@dataclass(frozen=True)
class Cosigned:
    witness: str
    time: datetime


@dataclass(frozen=True)
class Verified:
    """What was proven: the entry (its bytes and what its header says), where it is in which log,
    the log key that signed the checkpoint and the witnesses that cosigned it."""

    index: int
    leaf_bytes: int
    leaf_hash: bytes
    header: dict[str, Any]
    origin: str
    tree_size: int
    root_hash: bytes
    proof_hashes: int
    log_key: LogKey
    cosigned: list[Cosigned]
    witnesses_named: int
    witnesses_required: int
    extensions: tuple[str, ...] = ()


def _entry_header(leaf: bytes, index: int) -> dict[str, Any]:
    """The header of a Candor entry ({"entry": {...}, "record": {...}}), checked against the index
    the receipt proves: a proof for one entry cannot be passed off as another's."""
    try:
        document = json.loads(leaf.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Refused("the entry's bytes are not the JSON of a Candor log entry") from error
    header = document.get("entry") if isinstance(document, dict) else None
    if not isinstance(header, dict) or not isinstance(header.get("index"), int):
        raise Refused("the entry's bytes are not a Candor log entry: there is no entry header with an index")
    if header["index"] != index:
        raise Refused(f"wrong index: the receipt claims entry {index:,}, but the entry's own bytes say it is "
                      f"entry {header['index']:,}")
    return header


def _signing_key(checkpoint: Checkpoint, log_keys: Sequence[LogKey]) -> LogKey:
    """The trusted key that signed the checkpoint. A signature that claims to be by a trusted key
    and does not verify refuses the receipt, whatever else signed it."""
    for_origin = [key for key in log_keys if key.name == checkpoint.origin]
    if not for_origin:
        names = ", ".join(sorted({key.name for key in log_keys}))
        raise Refused(f"the checkpoint is of the log {checkpoint.origin!r}, and none of your keys is for it "
                      f"(your keys are for: {names})")
    signer = None
    for line in checkpoint.signatures:
        for key in for_origin:
            if line.name != key.name or line.key_id != key.key_id:
                continue
            if not key.signed(checkpoint.body.encode("utf-8"), line.signature):
                raise Refused(f"forged checkpoint: its signature by {key.label} does not verify, "
                              "so the checkpoint was altered or not signed by that key")
            signer = signer or key
    if signer is None:
        raise Refused(f"the checkpoint is not signed by any key you gave for {checkpoint.origin!r}")
    return signer


def _cosignatures(checkpoint: Checkpoint, witnesses: Sequence[CosignerKey]) -> tuple[list[Cosigned], list[str]]:
    """Valid cosignatures by the named witnesses, and what was wrong with the others."""
    valid: list[Cosigned] = []
    problems: list[str] = []
    for witness in witnesses:
        lines = [line for line in checkpoint.signatures if line.name == witness.name and line.key_id == witness.key_id]
        if not lines:
            problems.append(f"{witness.name} did not cosign it")
            continue
        line = lines[0]
        if len(line.signature) != COSIGNATURE_BYTES:
            problems.append(f"{witness.name}'s cosignature is not a cosignature/v1 (timestamp and Ed25519 signature)")
            continue
        timestamp = int.from_bytes(line.signature[:8], "big")
        message = f"{COSIGNATURE_HEADER}time {timestamp}\n{checkpoint.body}".encode("utf-8")
        if timestamp >= 1 << 63 or not witness.signed(message, line.signature[8:]):
            problems.append(f"{witness.name}'s cosignature does not verify")
            continue
        valid.append(Cosigned(witness.name, datetime.fromtimestamp(timestamp, timezone.utc)))
    return valid, problems


def verify_receipt(data: bytes, log_keys: Sequence[LogKey], witnesses: Sequence[CosignerKey] = (),
                   witnesses_required: int | None = None) -> Verified:
    """What the receipt proves; Refused when any check fails. `witnesses_required` defaults to every
    witness named."""
    required = len(witnesses) if witnesses_required is None else witnesses_required
    if not log_keys:
        raise ValueError("a receipt is checked with at least one log key")
    if not 0 <= required <= len(witnesses):
        raise ValueError(f"{required} witnesses cannot be required of the {len(witnesses)} named")
    try:
        receipt: Receipt = parse_receipt(data)
    except Malformed as error:
        raise Refused(f"this is not a receipt we can read: {error}") from error
    if receipt.extra is None:
        raise Refused("the receipt does not carry the entry's bytes (no 'extra' line), so its leaf hash cannot be "
                      "recomputed")
    leaf_hash = merkle.leaf_hash(receipt.extra)
    header = _entry_header(receipt.extra, receipt.index)
    checkpoint = receipt.checkpoint
    log_key = _signing_key(checkpoint, log_keys)
    cosigned, problems = _cosignatures(checkpoint, witnesses)
    if len(cosigned) < required:
        raise Refused(f"missing witness: {len(cosigned)} of the {len(witnesses)} witnesses you named cosigned the "
                      f"checkpoint and you require {required} ({'; '.join(problems)})")
    try:
        root = merkle.root_from_inclusion_path(receipt.index, checkpoint.tree_size, leaf_hash, receipt.inclusion_path)
    except merkle.PathRefused as error:
        raise Refused(f"the inclusion proof does not fit: {error}") from error
    if root != checkpoint.root_hash:
        raise Refused(f"the inclusion proof from entry {receipt.index:,} does not lead to the checkpoint's root hash: "
                      "the entry, its index or the proof was changed")
    return Verified(receipt.index, len(receipt.extra), leaf_hash, header, checkpoint.origin, checkpoint.tree_size,
                    checkpoint.root_hash, len(receipt.inclusion_path), log_key, cosigned, len(witnesses), required,
                    checkpoint.extensions)
