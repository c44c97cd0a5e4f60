"""A call's comparison and its outcome. The comparison is the shopper's own `run_comparison` with
the advisor as actor, so the ranking is the one the caller would see on the web; the outcome is a
log entry written in the same transaction as the call's row, or not at all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.actors import Actor
from app.advisor.models import AdvisorCall
from app.audit import ADVISOR_DECISION, OVERRIDE, REASON_LABELS, AuditEntry, PersonalDataError, append
from app.auth.models import User
from app.comparison.api import run_comparison
from app.db import utcnow
from app.products.base import ProductLine
from providers.registry import ProviderRegistry

CHANNEL = "advisor"
DECLINED = "declined"
NOTE_MAX_LENGTH = 1000
RECENT_CALLS = 20


_REFERENCE_CODE = re.compile(r"^(?:CND)?([0-9A-Z]{8})$")
# Crockford base32 reads I and L as 1 and O as 0, so a reference read out over the phone still works.
_CROCKFORD_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})


class OutcomeError(Exception):
    """An outcome that cannot be recorded; `status` is the HTTP status that says why."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotYourCall(OutcomeError):
    status = 403


class OutcomeAlreadyRecorded(OutcomeError):
    status = 409


class RankingChanged(OutcomeError):
    status = 409


class InvalidOutcome(OutcomeError):
    status = 400


class CallerErased(OutcomeError):
    status = 409


def advisor_actor(user: User) -> Actor:
    return Actor("advisor", str(user.id))


def normalise_reference(text: str) -> str | None:
    """"cnd-7k2m-q9xa", "7K2M Q9XA" and "CND7K2MQ9XA" all give "CND-7K2M-Q9XA"; None if it is not
    a reference at all."""
    compact = re.sub(r"[\s\-]", "", text.upper())
    match = _REFERENCE_CODE.fullmatch(compact)
    if match is None:
        return None
    code = match.group(1).translate(_CROCKFORD_ALIASES)
    if "U" in code:
        return None
    return f"CND-{code[:4]}-{code[4:]}"


def start_call(session: Session, registry: ProviderRegistry, line: ProductLine, profile: dict[str, Any], *,
               preferences: Mapping[str, Any], advisor: User, deadline_s: float) -> AuditEntry:
    entry = run_comparison(session, registry, line, profile, preferences=preferences, channel=CHANNEL,
                           actor=advisor_actor(advisor), deadline_s=deadline_s)
    session.add(AdvisorCall(reference=entry.reference, advisor_id=advisor.id, product=line.key,
                            created_at=entry.created_at))
    session.flush()
    return entry


def recent_calls(session: Session, advisor: User, limit: int = RECENT_CALLS) -> list[AdvisorCall]:
    return list(session.scalars(
        select(AdvisorCall).where(AdvisorCall.advisor_id == advisor.id)
        .order_by(AdvisorCall.created_at.desc(), AdvisorCall.reference).limit(limit)
    ))


def offer_value(offer: Mapping[str, Any]) -> str:
    return f"{offer['provider']}:{offer['quote_id']}"


def top_pick_values(result: Mapping[str, Any]) -> set[str]:
    return {offer_value(offer) for offer in result["ranking"] if offer["rank"] == 1}


def keeps_what_they_have(result: Mapping[str, Any]) -> bool:
    """The recommendation was what the caller already has (ProductLine.status_quo: keep your loan)."""
    return "status_quo" in (result.get("recommended") or {})


def needs_reason(result: Mapping[str, Any], choice: str) -> bool:
    """A reason and a note are needed for anything but a top pick; when nothing was ranked,
    declining is the only outcome and needs no reason. When the recommendation was to keep what the
    caller has, declining every offer follows it, and taking one needs the reason."""
    if keeps_what_they_have(result):
        return choice != DECLINED
    return bool(result["ranking"]) and choice not in top_pick_values(result)


@dataclass(frozen=True)
class Outcome:
    choice: str
    reason: str | None
    note: str | None


def record_outcome(session: Session, call: AdvisorCall, result: Mapping[str, Any], outcome: Outcome, *,
                   advisor: User, shown_index: int, script_version: str) -> AuditEntry:
    """Appends the outcome to the log and marks the call as decided, in the caller's transaction;
    raises OutcomeError (the caller rolls back) when it cannot be recorded."""
    chosen, reason_needed = _checked_choice(call, result, outcome, advisor=advisor, shown_index=shown_index)
    kind = OVERRIDE if chosen is not None and reason_needed else ADVISOR_DECISION
    now = utcnow()
    body = {
        "actor": advisor_actor(advisor).as_record(),
        "result_index": result["index"],
        "outcome": DECLINED if chosen is None else "chosen",
        "chosen": None if chosen is None else {"provider": chosen["provider"], "provider_name": chosen["provider_name"],
                                               "quote_id": chosen["quote_id"], "rank": chosen["rank"],
                                               "house": chosen["house"]},
        "recommended": result["recommended"],
        # Declining every offer is the top pick when the recommendation was to keep what one has.
        "top_pick": not reason_needed and (chosen is not None or keeps_what_they_have(result)),
        "reason": outcome.reason if reason_needed else None,
        "disclosure_script_version": script_version,
    }
    note = (outcome.note or "").strip()
    # The note is free text about the caller, so it is sealed with the caller's data key, like
    # their profile: erasing the caller erases it too, and the log stays provable.
    sealed = result.get("personal")
    subject = sealed.get("subject") if isinstance(sealed, Mapping) else None
    try:
        entry = append(session, body, kind=kind, channel=CHANNEL, created_at=now, reference=call.reference,
                       product=call.product, personal={"note": note} if note else None,
                       subject=subject if note else None)
    except PersonalDataError as error:
        raise CallerErased("The caller's details have been erased, so nothing more can be recorded about them. "
                           "If they want advice again, start a new call.") from error
    marked = session.execute(
        update(AdvisorCall)
        .where(AdvisorCall.reference == call.reference, AdvisorCall.outcome_index.is_(None))
        .values(outcome_index=entry.index, outcome_kind=kind, outcome_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        # Another request recorded an outcome first; the caller rolls this entry back.
        raise OutcomeAlreadyRecorded("An outcome is already recorded for this call.")
    return entry


def _checked_choice(call: AdvisorCall, result: Mapping[str, Any], outcome: Outcome, *, advisor: User,
                    shown_index: int) -> tuple[Mapping[str, Any] | None, bool]:
    """The offer chosen (None: declined all) and whether a reason was needed; raises OutcomeError
    when this advisor cannot record this outcome for this call."""
    if call.advisor_id != advisor.id:
        raise NotYourCall("Only the advisor who took this call can record its outcome.")
    if call.outcome_index is not None:
        raise OutcomeAlreadyRecorded("An outcome is already recorded for this call.")
    if shown_index != result["index"]:
        raise RankingChanged("The ranking for this reference changed after you opened it. "
                             "Read the new ranking to the caller, then record the outcome again.")
    offers = {offer_value(offer): offer for offer in result["ranking"]}
    if outcome.choice != DECLINED and outcome.choice not in offers:
        raise InvalidOutcome("Choose one of the offers in the ranking, or “declined all”.")
    reason_needed = needs_reason(result, outcome.choice)
    if reason_needed and (outcome.reason not in REASON_LABELS or not (outcome.note or "").strip()):
        raise InvalidOutcome("The caller did not take the top pick: choose a reason and write a note.")
    return offers.get(outcome.choice), reason_needed
