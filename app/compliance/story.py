"""One entry, told the way a reviewer reads it — asked, answered, excluded, ranked, shown,
decided — with its inclusion proof checked here, on the server, against the latest signed
checkpoint, and a replay from its logged inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import (
    ADVISOR_DECISION,
    OVERRIDE,
    RESULT_KINDS,
    AuditEntry,
    Erasure,
    MissingNodes,
    NoteError,
    PersonalDataError,
    ProofError,
    Revealed,
    current_keys,
    document,
    inclusion_proof,
    latest_checkpoint,
    leaf_hash_of,
    loggable,
    open_checkpoint,
    reveal,
    signing_key_chain,
    verify_inclusion,
)
from app.comparison.api import REQUOTE, InputsErased, load_result_at, replay, replay_rerank, with_personal
from app.products import UnknownProduct, get_product_line

REPLAYED_PARTS = ("ranking", "excluded", "failures", "recommended", "house", "explanation")
PART_LABELS = {"ranking": "the ranking", "excluded": "the exclusions", "failures": "the provider failures",
               "recommended": "the recommended offer", "house": "our offer’s rank",
               "explanation": "the explanations shown"}

ProofState = Literal["verified", "uncovered", "failed"]


@dataclass(frozen=True)
class ProofStatus:
    state: ProofState
    tree_size: int | None = None
    leaf_hash: str = ""
    path: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def label(self) -> str:
        if self.state == "verified":
            return f"In the log, verified against the checkpoint of size {self.tree_size:,}"
        if self.state == "uncovered":
            return "In the log, not yet covered by a checkpoint"
        return "Proof FAILED"


def proof_status(session: Session, entry: AuditEntry) -> ProofStatus:
    """Checks the entry against the latest signed checkpoint without signing a new one: the leaf
    hash is recomputed from the leaf bytes, the path is read from the stored tree, the checkpoint's
    signature is checked with our key, and the path must lead to its signed root."""
    computed = leaf_hash_of(bytes(entry.leaf))
    latest = latest_checkpoint(session)
    if latest is None or latest.tree_size <= entry.index:
        return ProofStatus("uncovered", leaf_hash=computed.hex())
    try:
        keys = current_keys()
        signed = open_checkpoint(latest.note, keys, signing_key_chain(session, keys))
        path = inclusion_proof(session, entry.index, signed.size)
        verify_inclusion(entry.index, signed.size, computed, path, signed.root_hash)
    except (ProofError, MissingNodes, NoteError) as problem:
        return ProofStatus("failed", latest.tree_size, computed.hex(), problem=str(problem) or type(problem).__name__)
    if computed != bytes(entry.leaf_hash):
        return ProofStatus("failed", latest.tree_size, computed.hex(),
                           problem="the stored leaf hash does not match the leaf")
    return ProofStatus("verified", signed.size, computed.hex(), tuple(item.hex() for item in path))


@dataclass(frozen=True)
class Decision:
    index: int
    kind: str
    time: str
    actor: Mapping[str, Any] | None
    record: Mapping[str, Any]
    note: str | None
    note_erased: Erasure | None


@dataclass(frozen=True)
class Story:
    entry: AuditEntry
    logged: dict[str, Any]
    personal: Revealed | None
    personal_problem: str | None
    related: list[AuditEntry]
    decisions: list[Decision]

    @property
    def is_result(self) -> bool:
        return self.entry.kind in RESULT_KINDS

    @property
    def profile(self) -> Mapping[str, Any] | None:
        data = self.personal.data if self.personal else None
        return data.get("profile") if isinstance(data, Mapping) else None


def _reveal(session: Session, logged: Mapping[str, Any]) -> tuple[Revealed | None, str | None]:
    try:
        return reveal(session, logged), None
    except PersonalDataError as problem:
        return None, f"The personal details cannot be read: {problem}."


def tell(session: Session, entry: AuditEntry) -> Story:
    clear = document(entry)
    personal, problem = _reveal(session, clear)
    logged = with_personal(clear, personal.data if personal else None)
    related: list[AuditEntry] = []
    decisions: list[Decision] = []
    if entry.reference:
        related = list(session.scalars(select(AuditEntry).where(AuditEntry.reference == entry.reference)
                                       .order_by(AuditEntry.index)))
        for other in related:
            if other.kind not in (ADVISOR_DECISION, OVERRIDE):
                continue
            record = document(other)
            revealed, _ = _reveal(session, record)
            note = revealed.data.get("note") if revealed and isinstance(revealed.data, Mapping) else None
            decisions.append(Decision(other.index, other.kind, record["time"], record.get("actor"), record, note,
                                      revealed.erasure if revealed else None))
    return Story(entry, logged, personal, problem, related, decisions)


@dataclass(frozen=True)
class OfferDifference:
    provider: str
    quote_id: str
    logged_rank: int | None
    replayed_rank: int | None
    logged_score: str | None
    replayed_score: str | None


@dataclass
class ReplayOutcome:
    identical: bool = False
    unavailable: str | None = None
    parts: list[str] = field(default_factory=list)
    offers: list[OfferDifference] = field(default_factory=list)


def _comparable(value: Any) -> Any:
    return json.loads(json.dumps(loggable(value)))


def replay_entry(story: Story) -> ReplayOutcome:
    """Re-ranks the entry from its logged inputs (its profile revealed) at its logged time and
    compares every part shown; per offer, rank and score."""
    if not story.is_result:
        return ReplayOutcome(unavailable="Only recommendations and re-ranks can be replayed.")
    if story.personal is not None and story.personal.erasure is not None:
        erasure = story.personal.erasure
        return ReplayOutcome(unavailable=f"It cannot be replayed: the customer’s details it was ranked on were erased "
                                         f"on {erasure.at:%d %B %Y} by {erasure.by}. The entry itself is unchanged "
                                         f"and still verifies.")
    if story.profile is None:
        return ReplayOutcome(unavailable=story.personal_problem or "It cannot be replayed: its profile is not readable.")
    try:
        line = get_product_line(story.logged["product"]["key"])
        replayed = _comparable(replay(line, {**story.logged, "profile": story.profile}))
    except UnknownProduct:
        return ReplayOutcome(unavailable=f"This version has no product line {story.logged['product']['key']!r}.")
    except InputsErased as erased:
        return ReplayOutcome(unavailable=str(erased))
    outcome = ReplayOutcome()
    outcome.parts = [part for part in REPLAYED_PARTS if replayed[part] != story.logged.get(part)]
    logged_offers = {(offer["provider"], offer["quote_id"]): offer for offer in story.logged.get("ranking", [])}
    replayed_offers = {(offer["provider"], offer["quote_id"]): offer for offer in replayed["ranking"]}
    for key in sorted(logged_offers.keys() | replayed_offers.keys()):
        before, after = logged_offers.get(key), replayed_offers.get(key)
        pair = [(o or {}).get("rank") for o in (before, after)], [(o or {}).get("score") for o in (before, after)]
        if pair[0][0] != pair[0][1] or pair[1][0] != pair[1][1]:
            outcome.offers.append(OfferDifference(key[0], key[1], pair[0][0], pair[0][1], pair[1][0], pair[1][1]))
    outcome.identical = not outcome.parts and not outcome.offers
    return outcome


def replay_requote_entry(session: Session, story: Story) -> ReplayOutcome:
    """Works a re-quote entry's re-ranking out again — the comparison it was asked from, with the
    fresh quote it logged in place — and says whether it is exactly what the entry records."""
    if story.entry.kind != REQUOTE or story.logged.get("reranked") is None:
        return ReplayOutcome(unavailable="This re-quote recorded no re-ranking to replay.")
    result = load_result_at(session, story.logged["reference"], story.logged["result_index"])
    if result is None:
        return ReplayOutcome(unavailable="The comparison this re-quote was asked from is not in the log.")
    if result.get("profile") is None:
        return ReplayOutcome(unavailable="It cannot be replayed: the customer’s details it was ranked on were erased. "
                                         "The entry itself is unchanged and still verifies.")
    try:
        identical = replay_rerank(get_product_line(result["product"]["key"]), result, story.logged)
    except UnknownProduct:
        return ReplayOutcome(unavailable=f"This version has no product line {result['product']['key']!r}.")
    return ReplayOutcome(identical=identical, parts=[] if identical else ["reranked"])
