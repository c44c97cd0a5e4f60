"""The comparison service: profile → providers → validated offers → provider-blind ranking →
log entry (in the caller's transaction) → the result the user is shown, which *is* the entry."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.actors import ANONYMOUS, Actor
from app.audit.canonical import canonical_json, loggable
from app.audit.entries import RECOMMENDATION, RERANK, RESULT_KINDS
from app.audit.log import append, document
from app.audit.models import AuditEntry
from app.audit.personal import reveal
from app.comparison import house_notice
from app.comparison.bounds import Limits, shown_score
from app.comparison.budget import within_budget
from app.comparison.derived import remember_sealed, sealed_of, with_personal
from app.comparison.fetch import ProviderOutcome, gather_quotes
from app.comparison.naming import OfferNames
from app.comparison.settle import outcomes_from_log, settle
from app.comparison.settle import provider_identity as _provider_identity
from app.db import utcnow
from app.products.base import ProductLine
from app.ranking import explain
from app.ranking.criteria import Criterion
from app.ranking.engine import TIE_TOLERANCE, Candidate, Constraint, RankedOffer, Ranking, normalise_weights, rank
from app.ranking.measure import Measure, declared_measures, logged_measures
from providers.base import ProviderConfig, Quote
from providers.registry import ProviderRegistry

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SCORE_QUANTUM = Decimal("0.000001")
# A result's member holding the SHA-256 of its permalink's secret; never the secret itself.
PERMALINK = "permalink"


class ComparisonError(RuntimeError):
    pass


class InputsErased(ComparisonError):
    """The customer's profile was erased, so the comparison cannot be re-ranked or replayed."""

    def __init__(self, erasure: Mapping[str, Any] | None) -> None:
        self.erasure = erasure
        when = f" on {erasure['at'][:10]} by {erasure['by']}" if erasure else ""
        super().__init__(f"the customer's details were erased{when}, so this comparison cannot be ranked again")


@dataclass(frozen=True)
class _Offer:
    handle: str
    config: ProviderConfig
    quote: Quote
    values: Mapping[str, Decimal]
    facts: Mapping[str, str]


def new_reference(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"CND-{code[:4]}-{code[4:]}"
        taken = session.scalar(select(AuditEntry.index).where(AuditEntry.reference == reference).limit(1))
        if taken is None:
            return reference


class InvalidPreferences(ValueError):
    """Preferences that cannot be ranked with: one message per field, in words for the customer.
    Fields are "preset", "preferences" (the whole request) and "weight_<criterion key>"."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


CUSTOM = "custom"
WEIGHT_FIELD = "weight_"
MAX_WEIGHT = Decimal(100)
WEIGHT_PLACES = 2


def ranking_criteria(line: ProductLine) -> tuple[Criterion, ...]:
    """The criteria as the line defines them for its example profile: their keys, labels and
    order do not depend on the customer (only their scales may), so preferences are checked
    against these."""
    return line.criteria(line.profile_schema["examples"][0])


def resolve_weights(line: ProductLine, preferences: Mapping[str, Any]) -> tuple[str, dict[str, Decimal]]:
    """The preset and the weights to rank with. `preferences` is {"preset": key} for one of the
    line's presets, or {"weights": {criterion: 0–100, …}} (with or without "preset": "custom")
    for the customer's own; raises InvalidPreferences saying what is wrong."""
    preset_key = preferences.get("preset") or line.default_preset
    custom = preferences.get("weights")
    if custom or preset_key == CUSTOM:
        if not isinstance(custom, Mapping) or not custom:
            raise InvalidPreferences({"preferences": "Give at least one thing a weight above 0."})
        return CUSTOM, _checked_weights(line, custom)
    try:
        return preset_key, dict(line.preset(str(preset_key)).weights)
    except KeyError:
        raise InvalidPreferences({"preset": "Choose one of the presets we offer."}) from None


def _checked_weights(line: ProductLine, weights: Mapping[str, Any]) -> dict[str, Decimal]:
    criteria = {criterion.key: criterion for criterion in ranking_criteria(line)}
    errors: dict[str, str] = {}
    unknown = sorted(str(key) for key in weights if key not in criteria)
    if unknown:
        errors["preferences"] = f"We do not rank on {', '.join(f'“{key}”' for key in unknown)}."
    cleaned: dict[str, Decimal] = {}
    for key, criterion in criteria.items():
        if key not in weights:
            continue
        weight = _weight(weights[key])
        if weight is None:
            errors[f"{WEIGHT_FIELD}{key}"] = (f"Enter a number from 0 to 100 for “{criterion.label}”, "
                                              f"with at most {WEIGHT_PLACES} decimal places.")
        else:
            cleaned[key] = weight
    if not errors and not any(cleaned.values()):
        errors["preferences"] = "Give at least one thing a weight above 0."
    if errors:
        raise InvalidPreferences(errors)
    return cleaned


def _weight(value: Any) -> Decimal | None:
    """A weight from a form or JSON: a number from 0 to 100 with at most two decimal places."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    text = str(value).strip()
    if not text or len(text) > 20:
        return None
    try:
        weight = Decimal(text)
    except ArithmeticError:
        return None
    if not weight.is_finite() or not 0 <= weight <= MAX_WEIGHT or weight != weight.quantize(Decimal(1).scaleb(-WEIGHT_PLACES)):
        return None
    return Decimal(format(weight, "f"))  # "6E+1" → "60": plain in the log


def preference_controls(line: ProductLine, preferences: Mapping[str, Any]) -> dict[str, Any]:
    """What the results page's preference form shows: the presets (with their weights as shares,
    for the sliders to follow) and one slider per criterion, set to the weights the shown ranking
    was made with (as logged, so an old ranking shows what it used even if a preset has changed)."""
    criteria = ranking_criteria(line)
    keys = {criterion.key for criterion in criteria}
    preset = preferences.get("preset")
    used = {key: Decimal(value) for key, value in preferences.get("weights", {}).items() if key in keys}
    if not any(used.values()):
        used = dict(line.preset(line.default_preset).weights)
    shares = normalise_weights(criteria, used)
    if preset == CUSTOM:
        label = "your own weights"
        sliders = {c.key: used.get(c.key, Decimal(0)) for c in criteria}
    else:
        label = next((option.label for option in line.presets if option.key == preset), str(preset).replace("_", " "))
        sliders = {key: _percent(share) for key, share in shares.items()}
    return {
        "preset": preset,
        "label": label,
        "presets": [
            {"key": option.key, "label": option.label, "description": option.description,
             "checked": option.key == preset,
             "weights": " ".join(f"{key}={_percent(share)}"
                                 for key, share in normalise_weights(criteria, option.weights).items())}
            for option in line.presets
        ],
        "sliders": [{"key": c.key, "label": c.label, "description": c.description,
                     "value": format(sliders[c.key], "f"), "share": _percent(shares[c.key])} for c in criteria],
    }


def _percent(share: Decimal) -> Decimal:
    return (share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def preferences_from_form(line: ProductLine, form: Mapping[str, str]) -> dict[str, Any]:
    """Preferences from the results page's form: `apply` says which half of it the customer used
    ("preset": the preset chosen; "custom": the sliders, fields "weight_<criterion key>").
    Raises InvalidPreferences with every problem at once."""
    weights = {name[len(WEIGHT_FIELD):]: value for name, value in form.items() if name.startswith(WEIGHT_FIELD)}
    apply = form.get("apply") or (CUSTOM if form.get("preset") == CUSTOM else "preset")
    if apply == CUSTOM:
        preferences: dict[str, Any] = {"preset": CUSTOM, "weights": weights}
    elif apply == "preset":
        known = {criterion.key for criterion in ranking_criteria(line)}
        unknown = sorted(key for key in weights if key not in known)
        if unknown:
            raise InvalidPreferences({"preferences": f"We do not rank on {', '.join(f'“{key}”' for key in unknown)}."})
        preferences = {"preset": form.get("preset") or ""}
        if preferences["preset"] in ("", CUSTOM):
            raise InvalidPreferences({"preset": "Choose one of the presets we offer."})
    else:
        raise InvalidPreferences({"preferences": "Choose a preset or set your own weights."})
    resolve_weights(line, preferences)
    return preferences


def run_comparison(
    session: Session,
    registry: ProviderRegistry,
    line: ProductLine,
    profile: dict[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
    deadline_s: float = 5.0,
    subject: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
) -> AuditEntry:
    """Runs a comparison and appends it to the log through `session`; the caller commits. The
    profile is logged sealed with the data key of `subject` (a new customer when None);
    `replaces` ({"reference", "index"}) points at the comparison this one re-quotes, and
    `permalink_sha256` is the SHA-256 (hex) of the results permalink's secret (app/shop/permalink.py)."""
    resolve_weights(line, preferences)  # unknown preferences fail before any provider is asked
    outcomes = gather_quotes(registry, registry.for_product(line.key), line.key, line.provider_profile(profile),
                             deadline_s=deadline_s)
    return record_comparison(session, line, profile, outcomes, preferences=preferences, channel=channel, actor=actor,
                             deadline_s=deadline_s, subject=subject, replaces=replaces,
                             permalink_sha256=permalink_sha256)


def record_comparison(
    session: Session,
    line: ProductLine,
    profile: dict[str, Any],
    outcomes: list[ProviderOutcome],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
    deadline_s: float,
    subject: str | None = None,
    reference: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
) -> AuditEntry:
    """Ranks settled provider outcomes and appends the result to the log through `session`; the
    caller commits. `reference` is given when it had to be chosen before the providers answered
    (a streamed comparison: app/shop/progress.py), else a new one is drawn."""
    preset, weights = resolve_weights(line, preferences)
    now = utcnow()

    def build(limits: Limits | None) -> dict[str, Any]:
        body = build_result(line, profile, outcomes, preset=preset, weights=weights, now=now, deadline_s=deadline_s,
                            limits=limits)
        body["actor"] = actor.as_record()
        if replaces is not None:
            body["replaces"] = {"reference": replaces["reference"], "index": replaces["index"]}
        if permalink_sha256 is not None:
            body[PERMALINK] = {"sha256": permalink_sha256}
        return body

    clear, personal = within_budget(build)
    entry = append(session, clear, kind=RECOMMENDATION, channel=channel, created_at=now,
                   reference=reference or new_reference(session), product=line.key, personal=personal,
                   subject=subject)
    remember_sealed(entry, personal)
    return entry


def build_result(
    line: ProductLine,
    profile: Mapping[str, Any],
    outcomes: list[ProviderOutcome],
    *,
    preset: str,
    weights: Mapping[str, Decimal],
    now: datetime,
    deadline_s: float,
    measures: Mapping[str, Measure] | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """`measures`: what each preset named after a measure ranks with (default: as the line
    declares them; replay passes the logged ones). `limits` None: each provider's even share
    (app/comparison/bounds.py); the result records them."""
    criteria = line.criteria(profile)
    measures = declared_measures(line.presets) if measures is None else measures
    measure = None if preset == CUSTOM else measures.get(preset)
    settled = settle(line, profile, outcomes, now=now, limits=limits)
    excluded = settled.excluded
    offers = _anonymise(settled.eligible)
    candidates = [Candidate(offer.handle, offer.values) for offer in offers]
    limits = line.constraints(profile)
    ranking = rank(candidates, criteria, weights, limits, measure)
    # Names are re-attached only now, after ranking, to put the engine's numbers into words.
    by_handle = {offer.handle: offer for offer in offers}
    for handle, reason in ranking.excluded:
        offer = by_handle[handle]
        excluded.append({**_provider_identity(offer.config), "quote_id": offer.quote.id, "facts": dict(offer.facts),
                         "reason": reason})
    name = _namer(line, by_handle, ranking)
    ranked_records = [_ranked_record(ranked, by_handle[ranked.handle], ranking, name) for ranked in ranking.offers]
    house_summary, explanation = _house_and_explanation(ranking, by_handle, name, outcomes, excluded, settled.failures)
    explanation["presets"], explanation["presets_summary"] = _other_presets(line, candidates, criteria, limits, ranking,
                                                                            by_handle, name, preset, measures)
    explanation["assumptions"] = [{"criterion": criterion.label, "text": criterion.description}
                                  for criterion in criteria]
    top = ranking.top
    return {
        "product": {"key": line.key, "version": line.version, "name": line.name},
        "engine": {"version": ranking.engine_version, "tie_tolerance": str(TIE_TOLERANCE),
                   "ties": "scores rounded half up to the tie step; equal rounded scores share a rank",
                   "measures": {key: value.as_record() for key, value in measures.items()}},
        "deadline_ms": round(deadline_s * 1000),
        "profile": dict(profile),
        "preferences": {"preset": preset, "weights": {key: str(value) for key, value in weights.items()},
                        **({"measure": measure.as_record()} if measure else {})},
        "criteria": [criterion.as_record() for criterion in criteria],
        "limits": settled.limits.as_record(),
        "providers": settled.providers,
        "ranking": ranked_records,
        "excluded": excluded,
        "failures": settled.failures,
        "recommended": None if top is None else {"provider": by_handle[top.handle].config.key,
                                                 "quote_id": by_handle[top.handle].quote.id},
        "house": house_summary,
        "explanation": explanation,
        "disclosures": {
            "methodology_version": line.methodology_version,
            "disclosure_version": line.disclosure_version,
            "commissions": [{"provider": o.config.key, "name": o.config.name, "house": o.config.house,
                             "commission": o.config.commission} for o in outcomes],
        },
    }


def _anonymise(eligible: list[tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]]) -> list[_Offer]:
    """Handles are numbered in an order that depends only on the offers' contents, so nothing the
    engine sees — not even the handles — says who made an offer or in which order providers replied.
    Two offers with exactly the same figures and terms are told apart by a fingerprint of their
    quote ids and links, not by the order of the providers file (where ours may well come first)."""
    def content_key(item: tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]) -> tuple[bytes, bytes]:
        _, quote, offer_values, _ = item
        content = hashlib.sha256(canonical_json({"values": offer_values, "terms": quote.terms})).digest()
        return content, hashlib.sha256(canonical_json({"id": quote.id, "url": quote.url})).digest()

    ordered = sorted(eligible, key=content_key)
    return [_Offer(f"offer-{position}", config, quote, offer_values, facts)
            for position, (config, quote, offer_values, facts) in enumerate(ordered, start=1)]


def _namer(line: ProductLine, by_handle: Mapping[str, _Offer], ranking: Ranking) -> OfferNames:
    """How explanations name an offer (app/comparison/naming.py)."""
    return OfferNames(line, by_handle, ranking)


def _ranked_record(ranked: RankedOffer, offer: _Offer, ranking: Ranking, name: OfferNames) -> dict[str, Any]:
    why = explain.why_rank(ranking, ranked, name)
    gap = house_notice.gap_sentence(ranking, ranked) if offer.config.house else None
    return {
        **_provider_identity(offer.config),
        "handle": offer.handle,
        "rank": ranked.rank,
        "tied": ranked.tied,
        "quote_id": offer.quote.id,
        "url": offer.quote.url,
        "currency": offer.quote.currency,
        "valid_until": offer.quote.valid_until,
        "score": ranked.score.quantize(SCORE_QUANTUM),
        "shown_score": shown_score(ranked.shown_score),
        "contributions": {key: value.quantize(SCORE_QUANTUM) for key, value in ranked.contributions.items()},
        "values": dict(offer.values),
        "facts": dict(offer.facts),
        "dominated_by": list(ranked.dominated_by),
        "offer_name": name.offer_name(ranked.handle),
        "why": why + ([gap] if gap else []),
    }


def _house_and_explanation(ranking: Ranking, by_handle: Mapping[str, _Offer], name: OfferNames,
                           outcomes: list[ProviderOutcome], excluded: list[dict[str, Any]],
                           failures: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    house_config = next((o.config for o in outcomes if o.config.house), None)
    house_offer = next((ranked for ranked in ranking.offers if by_handle[ranked.handle].config.house), None)
    top = ranking.top
    notice = (house_notice.house_notice(ranking, by_handle, name, excluded=excluded, failures=failures)
              if house_config is not None else house_notice.HouseNotice())
    explanation: dict[str, Any] = {
        "top_reasons": explain.top_reasons(ranking, name),
        "house_notice": notice.sentence,
        "house_money": notice.money,
        "house_standing": notice.standing,
        # Points behind only when the score put the first offer first; when a preset's measure did,
        # ours may score more, and "points behind" would read as a negative gap.
        "house_comparison": (_house_comparison(ranking, top, house_offer)
                             if notice.standing == "behind" and top is not None and house_offer is not None
                             and top.exact_score >= house_offer.exact_score else None),
    }
    house = {
        "provider": house_config.key if house_config else None,
        "rank": house_offer.rank if house_offer else None,
        "best": bool(house_offer is not None and top is not None and house_offer.rank == 1),
    }
    return house, explanation


def _house_comparison(ranking: Ranking, top: RankedOffer, house: RankedOffer) -> dict[str, Any]:
    """Where our offer loses (and gains) points against the first, criterion by criterion; the
    points add up to the gap between the two scores."""
    return {
        "top_score": shown_score(top.shown_score),
        "house_score": shown_score(house.shown_score),
        "points_behind": explain.points(top.shown_score - house.shown_score),
        "criteria": [
            {"criterion": item.criterion.label,
             "top": item.criterion.format(item.first),
             "house": item.criterion.format(item.second),
             "points": _signed(explain.points(-item.points))}
            for item in explain.differences(ranking, top, house)
        ],
    }


def _signed(points: str) -> str:
    """Points with their sign, as gained (+) or lost (−)."""
    if Decimal(points) == 0:
        return "0.0"
    return "−" + points[1:] if points.startswith("-") else "+" + points


def _other_presets(line: ProductLine, candidates: list[Candidate], criteria: tuple[Criterion, ...],
                   limits: tuple[Constraint, ...], ranking: Ranking, by_handle: Mapping[str, _Offer],
                   name: Callable[[str], str], preset: str,
                   measures: Mapping[str, Measure]) -> tuple[list[dict[str, Any]], str | None]:
    """Which offer each of the line's presets would put first, and a sentence saying whether any
    would change the winner. Ranked the same way, from the same anonymous offers."""
    top = ranking.top
    if top is None or len(ranking.offers) < 2:
        return [], None
    results = []
    for other in line.presets:
        if other.key == preset:
            continue
        winner = rank(candidates, criteria, other.weights, limits, measures.get(other.key)).top
        if winner is None:  # cannot happen: the same offers and limits rank the same offers
            continue
        results.append({"preset": other.key, "label": other.label, "provider": by_handle[winner.handle].config.key,
                        "provider_name": name(winner.handle), "changes_winner": winner.handle != top.handle})
    winners: dict[str, list[str]] = {}
    for item in results:
        if item["changes_winner"]:
            winners.setdefault(item["provider_name"], []).append(f"“{item['label']}”")
    if not winners:
        return results, (f"Our other presets ({', '.join(item['label'] for item in results)}) "
                         f"would put {name(top.handle)} first too.")
    return results, " ".join(f"With {' or '.join(labels)}, {winner} would rank first instead."
                             for winner, labels in winners.items())


def replay(line: ProductLine, result: Mapping[str, Any]) -> dict[str, Any]:
    """Re-ranks a logged result from its logged inputs, at its logged time and preferences."""
    if result.get("profile") is None:
        raise InputsErased(result.get("erasure"))
    preferences = result["preferences"]
    weights = {key: Decimal(value) for key, value in preferences["weights"].items()}
    return build_result(
        line, result["profile"], outcomes_from_log(result),
        preset=preferences["preset"], weights=weights,
        now=datetime.fromisoformat(result["time"].replace("Z", "+00:00")),
        deadline_s=result["deadline_ms"] / 1000,
        measures=logged_measures(result), limits=Limits.from_record(result.get("limits")),
    )


def rerank(
    session: Session,
    line: ProductLine,
    previous: Mapping[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
) -> AuditEntry:
    """Ranks the same quotes again with other preferences, as a new logged recommendation under
    the same reference. Quotes that have expired since are excluded, never shown as current."""
    if previous.get("profile") is None:
        raise InputsErased(previous.get("erasure"))
    preset, weights = resolve_weights(line, preferences)
    now = utcnow()
    outcomes = outcomes_from_log(previous)

    def build(limits: Limits | None) -> dict[str, Any]:
        body = build_result(line, previous["profile"], outcomes, preset=preset, weights=weights, now=now,
                            deadline_s=previous["deadline_ms"] / 1000, limits=limits)
        body["actor"] = actor.as_record()
        body["reranks"] = previous["index"]
        if previous.get(PERMALINK) is not None:  # the same link opens the re-ranked result
            body[PERMALINK] = previous[PERMALINK]
        return body

    clear, personal = within_budget(build, Limits.from_record(previous.get("limits")))
    sealed = previous.get("personal")
    entry = append(session, clear, kind=RERANK, channel=channel, created_at=now,
                   reference=previous["reference"], product=line.key, personal=personal,
                   subject=sealed["subject"] if isinstance(sealed, Mapping) else None)
    remember_sealed(entry, personal)
    return entry


def appended_result(entry: AuditEntry, profile: Mapping[str, Any]) -> dict[str, Any]:
    """What load_result returns for an entry this request has just appended and committed,
    without reading it back: the record is parsed from the very bytes that were logged, and the
    profile is the one that was sealed in it."""
    sealed = sealed_of(entry)
    logged = document(entry) if sealed is None else with_personal(document(entry), loggable(sealed))
    return {**logged, "leaf_hash": entry.leaf_hash.hex(), "profile": loggable(dict(profile)), "erasure": None}


def load_result(session: Session, reference: str) -> dict[str, Any] | None:
    """The latest result shown under a reference: the recommendation or its latest re-rank, with
    its profile decrypted — or, once erased, `profile` None and `erasure` saying when and by whom."""
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.reference == reference, AuditEntry.kind.in_(RESULT_KINDS))
        .order_by(AuditEntry.index.desc())
        .limit(1)
    ).first()
    if entry is None:
        return None
    logged = document(entry)
    if logged.get("reference") != reference:
        raise ComparisonError(f"log entry {entry.index} is filed under {reference} but records another reference")
    revealed = reveal(session, logged)
    return {
        **with_personal(logged, revealed.data),
        "leaf_hash": entry.leaf_hash.hex(),
        "profile": None if revealed.data is None else revealed.data["profile"],
        "erasure": None if revealed.erasure is None else revealed.erasure.as_record(),
    }
