"""Replaying a logged result: ranking its logged inputs again, at its logged time and preferences,
with the measures it logged, to show the log's result is what the engine makes of them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.comparison.bounds import Limits
from app.comparison.errors import InputsErased
from app.comparison.result import build_result, logged_market
from app.comparison.settle import outcomes_from_log
from app.products.base import ProductLine
from app.ranking.measure import logged_measures


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
        reference=result.get("reference_data"), rates_market=logged_market(result),
    )
