"""Savings terms and market outcomes made in a test, ranked by Candor's real comparison code."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from app.audit.canonical import loggable
from app.comparison.api import build_result, resolve_weights
from app.comparison.fetch import ProviderOutcome
from app.products import get_product_line
from candor_savings.profile_schema import PROFILE_SCHEMA
from candor_savings.terms import TERMS_SCHEMA
from providers.base import ProviderConfig, Quote

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
line = get_product_line("savings")


def profile(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PROFILE_SCHEMA["examples"][0]), **changes}


def savings_terms(**changes: Any) -> dict[str, Any]:
    """A plain, untiered, fee-free savings account at `interest_rate`, insured; changes on top."""
    terms = {**copy.deepcopy(TERMS_SCHEMA["examples"][0]), "tiers": [], "tiering_method": None, "monthly_fee": "0.00",
             "fee_waivers": {}, "stated_apy": "4.08", "interest_rate": "4.00"}
    return {**terms, **changes}


def cd_terms(term_months: int, rate: str, penalty_days: int | None = 90, **changes: Any) -> dict[str, Any]:
    return savings_terms(account_type="cd", term_months=term_months, interest_rate=rate, crediting="monthly",
                         early_withdrawal="penalty" if penalty_days is not None else "not_allowed",
                         early_withdrawal_penalty_days=penalty_days, **changes)


def outcome(key: str, name: str, *terms: dict[str, Any], house: bool = False) -> ProviderOutcome:
    quotes = [Quote(id=f"{key}-{number}", product="savings", currency="USD", valid_until=NOW + timedelta(days=1),
                    terms=each, url=None) for number, each in enumerate(terms, start=1)]
    config = ProviderConfig(key=key, name=name, adapter="quote_protocol", products=("savings",), house=house)
    return ProviderOutcome(config=config, request_id=f"request-{key}", quotes=quotes, failure=None, latency_ms=5)


def ranked(outcomes: list[ProviderOutcome], *, saver: dict[str, Any] | None = None,
           preset: str = "balanced") -> dict[str, Any]:
    """The result as the log keeps it."""
    chosen, weights = resolve_weights(line, {"preset": preset})
    body = build_result(line, saver or profile(), outcomes, preset=chosen, weights=weights, now=NOW, deadline_s=5.0)
    return json.loads(json.dumps(loggable(body)))
