"""The customer's preferences: a preset or their own weights, checked field by field, and what the
results page's preference form shows of them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.products.base import ProductLine
from app.ranking.criteria import Criterion
from app.ranking.engine import normalise_weights


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
