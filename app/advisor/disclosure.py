"""The disclosure script an advisor reads aloud before the ranking. Versioned: the outcome entry
records the version read, so compliance can always tell which words the caller heard. Change
the wording only together with SCRIPT_VERSION."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.products.base import ProductLine

SCRIPT_VERSION = "advisor-script-2"
"""2: the script says where our own offer stands, in the results page's own sentence and figure."""


@dataclass(frozen=True)
class Script:
    version: str
    paragraphs: tuple[str, ...]


def _names(names: list[str]) -> str:
    if not names:
        return "no other provider"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def script_version(line: ProductLine) -> str:
    return f"{SCRIPT_VERSION}/{line.disclosure_version}"


def disclosure_script(result: Mapping[str, Any], line: ProductLine) -> Script:
    commissions = result["disclosures"]["commissions"]
    house = [item["name"] for item in commissions if item["house"]]
    competitors = [item["name"] for item in commissions if not item["house"]]
    ours = house[0] if house else "our own company"
    paid = [f"{item['name']}: {item['commission'] or 'nothing'}" for item in commissions]
    # Word for word the sentence the shopper's page shows, so the caller hears the same figure.
    ours_now = result["explanation"].get("house_notice")
    kept = result["explanation"].get("status_quo")  # what the caller has already beats every offer
    kept_now = f"{kept['sentence']} So my recommendation is: {kept['label'][0].lower()}{kept['label'][1:]}." if kept else None
    paragraphs = (
        f"Before I go through the results: I compared {line.name.lower()} quotes from {len(commissions)} "
        f"{'provider' if len(commissions) == 1 else 'providers'} for you — our own, {ours}, and our "
        f"competitors: {_names(competitors)}. I will tell you which fits you best, even when it is not ours.",
        *([kept_now] if kept_now else []),
        *([ours_now] if ours_now else []),
        ("You should know what each provider pays us when you buy from them. " + "; ".join(paid) + ".") if paid else
        "You should know how we are paid: none of these providers pays us anything.",
        "What any provider pays us never affects the ranking. The ranking is worked out without knowing who made "
        "each offer, and it is exactly the ranking you would see on our website for the same details.",
        f"Your reference is {result['reference']}. I can send you a written summary of this comparison.",
    )
    return Script(version=script_version(line), paragraphs=paragraphs)
