"""Drawing advisors' decided calls into the review queue.

Each decided call (an advisor-decision or override entry) gets one draw: HMAC-SHA256 of its
reference under a key derived from the site's secret key, read as a number from 0 to 1. The call is
drawn when that number is below its share: the override share for an override, else the new-advisor
share while the advisor's account is younger than CANDOR_QA_NEW_ADVISOR_DAYS, else the ordinary
share (the largest that applies). An advisor cannot tell which calls will be drawn; compliance can
show that the draw is the rule applied, since it is a pure function of the call and the key.

A run considers every decided call logged after the last run, in log order, and logs one
qa-sampling-run entry (the range it considered, the rules, how many it drew) and one qa-sampled
entry per drawn call; so the log shows that every decided call had its draw."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import ADVISOR_DECISION, OVERRIDE, AuditEntry, append, document
from app.auth.models import User
from app.quality.events import SAMPLED, SAMPLING_RUN, apply
from app.quality.models import QaReview, QaSamplingHead
from app.quality.settings import SamplingRules

SYSTEM = {"type": "system", "id": "qa-sampling"}
RUN_LIMIT = 5000
DRAW_PLACES = Decimal("0.000001")
ORDINARY, NEW_ADVISOR, OVERRIDDEN = "ordinary", "new-advisor", "override"


def sampling_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"candor qa sampling\n" + secret_key.encode("utf-8")).digest()


def draw(key: bytes, reference: str) -> Decimal:
    """The call's number from 0 (inclusive) to 1 (exclusive), to six places."""
    digest = hmac.new(key, reference.encode("utf-8"), hashlib.sha256).digest()
    return (Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2 ** 64)).quantize(DRAW_PLACES, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Rule:
    name: str
    share: Decimal


def rule_for(rules: SamplingRules, *, override: bool, advisor_since: datetime | None, decided_at: datetime) -> Rule:
    """The largest share that applies to the call, and which rule gave it."""
    applying = [Rule(ORDINARY, rules.share)]
    if advisor_since is not None and decided_at - advisor_since < timedelta(days=rules.new_advisor_days):
        applying.append(Rule(NEW_ADVISOR, rules.new_advisor_share))
    if override:
        applying.append(Rule(OVERRIDDEN, rules.override_share))
    return max(applying, key=lambda rule: rule.share)


def _head(session: Session) -> QaSamplingHead:
    head = session.scalars(select(QaSamplingHead).where(QaSamplingHead.id == 1).with_for_update()).one_or_none()
    if head is None:
        raise RuntimeError("the QA sampling head row is missing; run the migrations")
    return head


def _decisions_after(session: Session, index: int, limit: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.kind.in_((ADVISOR_DECISION, OVERRIDE)),
                                                         AuditEntry.index > index)
                                .order_by(AuditEntry.index).limit(limit)))


def pending(session: Session) -> int:
    """Decided calls not yet considered by a run."""
    through = session.scalar(select(QaSamplingHead.considered_through).where(QaSamplingHead.id == 1))
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.kind.in_((ADVISOR_DECISION, OVERRIDE)), AuditEntry.index > (-1 if through is None else through))) or 0


def sample_pending(session: Session, *, rules: SamplingRules, key: bytes, now: datetime,
                   limit: int = RUN_LIMIT) -> list[QaReview]:
    """One run over the decided calls logged since the last (at most `limit`); the drawn calls'
    rows, in the caller's transaction."""
    head = _head(session)
    decisions = _decisions_after(session, head.considered_through, limit)
    if not decisions:
        return []
    advisors = {str(user_id): created for user_id, created in session.execute(select(User.id, User.created_at))}
    drawn = []
    for entry in decisions:
        rule = rule_for(rules, override=entry.kind == OVERRIDE, advisor_since=advisors.get(entry.actor_id or ""),
                        decided_at=entry.created_at)
        number = draw(key, entry.reference or str(entry.index))
        if number < rule.share:
            drawn.append(_sample(session, entry, rule, number, now))
    run = append(session, {"actor": SYSTEM, "considered": {"from": head.considered_through + 1,
                                                           "through": decisions[-1].index, "calls": len(decisions)},
                           "drawn": [row.decision_index for row in drawn], "rules": rules.as_record()},
                 kind=SAMPLING_RUN, channel="system", created_at=now)
    apply(session, document(run), None)
    session.flush()
    return drawn


def _sample(session: Session, decision: AuditEntry, rule: Rule, number: Decimal, now: datetime) -> QaReview:
    logged = document(decision)
    entry = append(session, {"actor": SYSTEM, "call": {"reference": decision.reference, "decision_index": decision.index,
                                                       "result_index": logged.get("result_index")},
                             "advisor": decision.actor_id, "override": decision.kind == OVERRIDE, "rule": rule.name,
                             "share": str(rule.share), "draw": str(number),
                             "decided_at": decision.created_at.isoformat().replace("+00:00", "Z")},
                   kind=SAMPLED, channel="system", created_at=now, reference=decision.reference,
                   product=decision.product)
    row = apply(session, document(entry), None)
    assert row is not None
    return row
