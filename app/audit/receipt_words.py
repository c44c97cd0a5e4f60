"""What a receipt's proofs show, in words for a person: entry numbers with thousands separators,
dates in words, times in UTC. Each sentence is said only when the check behind it was made."""

from __future__ import annotations

from datetime import datetime

WHAT = {
    "recommendation": "This recommendation",
    "re-rank": "This ranking with the preferences you changed",
    "erasure": "The erasure of your details",
    "advisor-decision": "The advisor's record of your choice",
    "override": "The advisor's record of your choice",
}


def date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def logged(kind: str, index: int, moment: datetime, *, proven: bool = True) -> str:
    """When and where an entry was logged: stated as a fact once its proofs checked out, as what
    our records say when they did not."""
    what = WHAT.get(kind, f"This {kind.replace('-', ' ')}")
    sentence = f"{what} was logged as entry {index:,} on {date(moment)} at {moment:%H:%M} UTC."
    return sentence if proven else f"Our records say {sentence[0].lower()}{sentence[1:]}"


def proven(checkpoint_time: datetime, *, latest: bool) -> str:
    if latest:
        return f"Our log's signed checkpoint of {date(checkpoint_time)} includes it; it is the latest one we have signed."
    return f"Our log's signed checkpoint of {date(checkpoint_time)} includes it, and the log has only grown since."


def unsigned(checkpoint_date: str) -> str:
    return (f"We could not prove that it is in our log: our checkpoint of {checkpoint_date} does not carry a "
            "valid signature by our published key.")


def not_included(index: int, checkpoint_date: str) -> str:
    return (f"We could not prove that it is in our log: the proof for entry {index:,} does not lead to our "
            f"signed checkpoint of {checkpoint_date}.")


def not_grown(checkpoint_date: str) -> str:
    return (f"Our log's signed checkpoint of {checkpoint_date} includes it, but we could not prove that the log "
            "has only grown since: the proof from that checkpoint to our latest one does not check out.")
