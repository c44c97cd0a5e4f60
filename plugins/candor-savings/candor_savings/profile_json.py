"""The savings profile read straight from JSON (the API's request), field by field, in the form's
words: the same profile the form gives for the same answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.money import CENT
from app.products.profile_json import ProfileReader, profile_validator, read_place
from candor_savings.profile_schema import PROFILE_SCHEMA
from candor_savings.rules import MALFORMED, MAX_DEPOSIT, MIN_DEPOSIT, OUT_OF_RANGE, REQUIRED
from providers.us_states import US_STATES

_validator = profile_validator(PROFILE_SCHEMA)


def profile_from_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """The profile, or InvalidProfile naming each field that does not fit."""
    reader = ProfileReader(document, _validator, REQUIRED)
    place = read_place(reader, US_STATES, MALFORMED["zip_code"])
    deposit = reader.amount("deposit", MIN_DEPOSIT, MAX_DEPOSIT, OUT_OF_RANGE["deposit"])
    horizon = document.get("horizon_months")
    answers = {name: reader.boolean(name) for name in ("insured_only", "keeps_minimum_balance", "direct_deposit")}
    return reader.checked(lambda: {
        **place,
        "deposit": str(deposit.quantize(CENT)),
        "horizon_months": horizon,
        **answers,
    })
