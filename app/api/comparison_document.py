"""What the API answers for a comparison: the logged result in the shape of RESULT_SCHEMA."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def comparison_document(result: Mapping[str, Any], *, with_profile: bool) -> dict[str, Any]:
    """What the API answers: the logged result, with each ranked offer's quote and criteria put
    together, and the profile only when `with_profile`."""
    terms = {(record["provider"], quote["id"]): quote["terms"]
             for record in result["providers"] for quote in record["quotes"]}
    criteria = result["criteria"]
    ranking = [{
        "rank": item["rank"],
        "tied": item["tied"],
        "provider": item["provider"],
        "provider_name": item["provider_name"],
        "house": item["house"],
        "quote": {"id": item["quote_id"], "currency": item["currency"], "valid_until": item["valid_until"],
                  "url": item["url"], "firmness": item.get("firmness"),
                  "terms": terms.get((item["provider"], item["quote_id"]), {})},
        "score": item["score"],
        "shown_score": item["shown_score"],
        "criteria": [{"key": criterion["key"], "label": criterion["label"], "unit": criterion["unit"],
                      "value": item["values"][criterion["key"]],
                      "contribution": item["contributions"][criterion["key"]]}
                     for criterion in criteria if criterion["key"] in item["values"]],
        "facts": item["facts"],
        "offer_name": item.get("offer_name"),
        "why": item["why"],
    } for item in result["ranking"]]
    document: dict[str, Any] = {
        "reference": result["reference"],
        "time": result["time"],
        "channel": result["channel"],
        "product": result["product"],
        "preferences": result["preferences"],
        "ranking": ranking,
        "excluded": [{key: item[key] for key in ("provider", "provider_name", "house", "quote_id", "reason")}
                     for item in result["excluded"]],
        "failures": [{key: item[key] for key in ("provider", "provider_name", "house", "kind", "message")}
                     for item in result["failures"]],
        "recommended": result["recommended"],
        "house": result["house"],
        "explanation": result["explanation"],
        "audit": {"index": result["index"], "leaf_hash": result["leaf_hash"]},
        "replaces": result.get("replaces"),
        "reference_data": result.get("reference_data"),
    }
    if with_profile:
        document["profile"] = result["profile"]
        document["erasure"] = result["erasure"]
    return document
