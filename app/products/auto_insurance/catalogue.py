"""Which makes, models and trims there were in a model year, from data/vehicles.tsv.gz (NHTSA vPIC,
public domain: data/SOURCE.md). The form offers them as suggestions (year → make → model → trim);
it never refuses a car the list lacks, since vPIC's trims are uneven and the list stops at 50 makes.
Read once, on first use, into some 7 MB (30 ms)."""

from __future__ import annotations

import gzip
from collections import defaultdict
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "vehicles.tsv.gz"

# make → model → trim → model years
Catalogue = dict[str, dict[str, dict[str, frozenset[int]]]]


def _years(text: str) -> frozenset[int]:
    years: set[int] = set()
    for span in text.split(","):
        first, _, last = span.partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return frozenset(years)


@cache
def catalogue() -> Catalogue:
    table: defaultdict[str, dict[str, dict[str, frozenset[int]]]] = defaultdict(dict)
    for line in gzip.decompress(CATALOGUE_FILE.read_bytes()).decode("utf-8").splitlines()[1:]:
        make, model, trim, years = line.split("\t")
        table[make].setdefault(model, {})[trim] = _years(years)
    return dict(table)


def _folded(name: str) -> str:
    return name.casefold().strip()


def _find(names: dict[str, dict], wanted: str):  # type: ignore[type-arg, no-untyped-def]
    for name, value in names.items():
        if _folded(name) == _folded(wanted):
            return value
    return None


def makes(year: int | None = None) -> list[str]:
    return sorted((make for make, models in catalogue().items()
                   if year is None or any(year in years for trims in models.values() for years in trims.values())),
                  key=str.casefold)


def models(make: str, year: int | None = None) -> list[str]:
    found = _find(catalogue(), make) or {}
    return sorted((model for model, trims in found.items()
                   if year is None or any(year in years for years in trims.values())), key=str.casefold)


def trims(make: str, model: str, year: int | None = None) -> list[str]:
    found = _find(_find(catalogue(), make) or {}, model) or {}
    return sorted((trim for trim, years in found.items() if trim and (year is None or year in years)),
                  key=str.casefold)


def make_table(make: str) -> dict[str, dict[str, list[int]]]:
    """One make's models and their trims with the years of each, for the form's script (a make is
    not personal: the shopper's car is only ever matched on the page)."""
    found = _find(catalogue(), make) or {}
    return {model: {trim: sorted(years) for trim, years in found_trims.items()} for model, found_trims in found.items()}
