"""The recommendation log: append-only entries whose leaves feed an RFC 9162 Merkle tree, signed
checkpoints, proofs, verification, and personal data that can be erased without breaking them.
docs/audit-log.md describes the formats.

This module is the log's one interface for the web edge (shop, advisor, compliance, admin, api,
verify): append, prove, verify, erase and read back replay inputs through the names below, never
through the submodules, so the log's insides can change without touching a blueprint."""

from __future__ import annotations

from flask import Flask

from app.audit import keys, retention, witnesses
from app.audit.canonical import loggable
from app.audit.checkpoints import checkpoint_now, open_checkpoint
from app.audit.checkpoints import latest as latest_checkpoint
from app.audit.entries import (
    ADVISOR_DECISION, CONFIGURATION_CHANGE, ERASURE, LOGIN, OVERRIDE, RECOMMENDATION, RERANK, RESULT_KINDS,
    describe_actor,
)
from app.audit.cosigning import WitnessStanding, latest_cosigned, witness_standing, with_cosignatures
from app.audit.witnesses import Witness, current_witness_settings
from app.audit.keys import current_keys
from app.audit.log import append, document, flatten, latest_for_reference
from app.audit.log import size as log_size
from app.audit.merkle import MissingNodes, ProofError, verify_inclusion
from app.audit.merkle import leaf_hash as leaf_hash_of
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.note import NoteError
from app.audit.override_reasons import REASON_LABELS
from app.audit.personal import Erasure, PersonalDataError, Revealed, reveal
from app.audit.query import MAX_PAGE, EntryFilter, list_entries
from app.audit.receipts import normalise_reference, prove_reference
from app.audit.tlog_proof import TlogProof, prove_entry, tlog_proof
from app.audit.tiles import BadTilePath, EntryTooLong, TileNotFound, entry_bundle, parse_tile_path, tile_bytes
from app.audit.retention import RetentionRule
from app.audit.retention import period_days as retention_period_days
from app.audit.retention import register as register_retention
from app.audit.retention import rules as retention_rules
from app.audit.signing_keys import key_chain as signing_key_chain
from app.audit.tree import consistency_proof, inclusion_proof
from app.audit.verify import Report, verify_log

__all__ = [
    "ADVISOR_DECISION", "REASON_LABELS", "CONFIGURATION_CHANGE", "ERASURE", "LOGIN", "MAX_PAGE", "OVERRIDE", "RECOMMENDATION",
    "RERANK", "RESULT_KINDS", "AuditEntry", "EntryFilter", "Erasure", "MissingNodes", "NoteError",
    "PersonalDataError", "PersonalDataKey", "ProofError", "Report", "Revealed", "TlogProof", "append", "checkpoint_now",
    "consistency_proof", "current_keys", "describe_actor", "document", "flatten", "inclusion_proof", "init_app",
    "latest_checkpoint", "latest_for_reference", "leaf_hash_of", "list_entries", "log_size", "loggable",
    "normalise_reference", "open_checkpoint", "prove_entry", "prove_reference", "reveal", "tlog_proof",
    "verify_inclusion", "verify_log",
    "with_cosignatures", "Witness", "WitnessStanding", "latest_cosigned", "witness_standing", "current_witness_settings",
    "BadTilePath", "EntryTooLong", "TileNotFound", "entry_bundle", "parse_tile_path", "tile_bytes",
    "RetentionRule", "register_retention", "retention_period_days", "retention_rules", "signing_key_chain",
]


def init_app(app: Flask) -> None:
    keys.init_app(app)
    witnesses.init_app(app)
    retention.init_app(app)
