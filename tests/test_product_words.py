"""Shared templates speak of no product: a line's own words come from its declared hooks (wording,
form_lead, results_note, its own templates), so a new line needs no edit to a shared page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_TEMPLATES = ROOT / "templates"
PRODUCT_WORDS = re.compile(
    r"\b(insurance|insurers?|mortgages?|lenders?|loans?|cars?|drivers?|premiums?|deductibles?|apr)\b", re.IGNORECASE)


def product_words(text: str) -> list[str]:
    return [match.group(0) for match in PRODUCT_WORDS.finditer(text)]


def test_the_scan_finds_a_product_word() -> None:
    assert product_words("Answer a few questions about you and your car. Premiums, APR.") == ["car", "Premiums", "APR"]
    assert product_words("Compare quotes from every provider; your card, in April.") == []


def test_shared_templates_contain_no_product_words() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}:{number}": words
        for path in sorted(SHARED_TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (words := product_words(line))
    }
    assert offenders == {}, f"product words in shared templates (move them to the line's hooks or templates): {offenders}"


LINE_HOOK = re.compile(r"\bline\.([a-z_]+)")


def hooks_used(text: str) -> set[str]:
    return set(LINE_HOOK.findall(text))


def test_shared_templates_call_only_what_a_product_line_declares() -> None:
    from app.products.base import ProductLine

    declared = set(ProductLine.__annotations__) | {name for name in dir(ProductLine) if not name.startswith("_")}
    assert hooks_used("{{ line.name }} {% if line.cost_over_time(result) %}") == {"name", "cost_over_time"}
    undeclared = {
        f"{path.relative_to(ROOT)}: line.{hook}"
        for path in sorted(SHARED_TEMPLATES.rglob("*.html"))
        for hook in hooks_used(path.read_text(encoding="utf-8")) - declared
    }
    assert undeclared == set(), f"shared templates use hooks ProductLine does not declare: {sorted(undeclared)}"
