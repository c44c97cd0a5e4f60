"""ZIP codes checked against the state. The profile forms of every line that asks for a ZIP code and
a state use ZipAndState, and a line's profile_from_json (the JSON API) asks the same zip_problem and
filled_state, so the website, the advisor console and the API refuse ZIP 00000 or a ZIP in another
state alike, and fill in the state from the ZIP when it is left blank.

The list is data/zip-states.txt.gz, written from the pinned `zipcodes` package by
scripts/build_zip_states.py (tests/app/products/test_zip_codes.py checks they agree); it is read
once into one byte per possible ZIP code, about 100 KB."""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from wtforms.validators import ValidationError

FIVE_DIGITS = re.compile(r"^[0-9]{5}$")
PREFIX_LENGTH = 3
TABLE = Path(__file__).resolve().parent / "data" / "zip-states.txt.gz"


@cache
def _table() -> tuple[tuple[str, ...], bytearray]:
    """The states in the file, and for each ZIP code from 00000 to 99999 its state's position
    in them plus one (0: no such ZIP code)."""
    states: list[str] = []
    positions = bytearray(100_000)
    for line in gzip.decompress(TABLE.read_bytes()).decode("ascii").splitlines():
        if line.startswith("#"):
            continue
        state, *codes = line.split()
        states.append(state)
        for code in codes:
            positions[int(code)] = len(states)
    return tuple(states), positions


def state_of(zip_code: str) -> str | None:
    """The state (or territory) a 5-digit ZIP code is in, None when there is no such ZIP code."""
    if not FIVE_DIGITS.match(zip_code):
        return None
    states, positions = _table()
    position = positions[int(zip_code)]
    return states[position - 1] if position else None


@cache
def states_by_prefix() -> dict[str, str]:
    """The state of every 3-digit ZIP prefix that lies in one state only, for the form's script to
    fill in the state as the shopper types; the server still checks the whole ZIP code."""
    states, positions = _table()
    found: defaultdict[str, set[int]] = defaultdict(set)
    for number, position in enumerate(positions):
        if position:
            found[f"{number:05d}"[:PREFIX_LENGTH]].add(position)
    return {prefix: states[next(iter(each)) - 1] for prefix, each in sorted(found.items()) if len(each) == 1}


def zip_problem(zip_code: str, state: str, covered: tuple[str, ...]) -> str | None:
    """What is wrong with a well-formed ZIP code for `state`, in words that say what to do."""
    actual = state_of(zip_code)
    if actual is None:
        return f"There is no ZIP code {zip_code}. Check the 5 digits."
    if actual not in covered:
        return f"ZIP code {zip_code} is in {actual}, where we do not compare offers yet."
    if state and state != actual:
        return f"ZIP code {zip_code} is in {actual}, not {state}. Check the ZIP code, or choose {actual} as the state."
    return None


def filled_state(zip_code: str, state: str, covered: tuple[str, ...]) -> str:
    """The state as given, or, left blank, the covered state a well-formed ZIP code is in."""
    if state or not FIVE_DIGITS.match(zip_code):
        return state
    found = state_of(zip_code)
    return found if found in covered else state


class ZipAndState:
    """For a profile form with a `zip_code` text field and a `state` select of the states it covers."""

    zip_code: Any
    state: Any

    def _covered_states(self) -> tuple[str, ...]:
        return tuple(str(value) for value, *_ in self.state.iter_choices() if value)

    def fill_state_from_zip(self) -> None:
        zip_code = self.zip_code.data if isinstance(self.zip_code.data, str) else ""
        if self.state.data:
            return
        found = filled_state(zip_code, "", self._covered_states())
        if found:
            self.state.data = found
            self.state.raw_data = [found]

    def validate(self, extra_validators: Any = None) -> bool:
        self.fill_state_from_zip()
        return super().validate(extra_validators)  # type: ignore[misc, no-any-return]

    def validate_zip_code(self, field: Any) -> None:
        if not isinstance(field.data, str) or not FIVE_DIGITS.match(field.data):
            return  # the field's own validators have said what is wrong
        problem = zip_problem(field.data, self.state.data or "", self._covered_states())
        if problem is not None:
            raise ValidationError(problem)
