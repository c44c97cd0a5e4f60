"""Knobs for making the sandbox market slow or broken on purpose, from the command line:

    python -m providers.sandbox --set tortoise.latency_s=4 --set acme.error_rate=0.5 \\
        --set harbor.decline="driver_age < 25" --set summit.fault=malformed_json \\
        --set lighthouse.layout=redesigned

Every field of a sandbox provider's spec can be set this way (`latency_s`, `error_rate`, `seed`,
`fault`, `decline`, `term_months`, `layout`, …); values are read as JSON when they parse as
JSON (numbers, true/false, null) and as text otherwise. A decline rule is "always", "never" or
conditions on the applicant joined by "or": `at_fault_accidents_5y > 2 or vehicle_use == business`.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .profile import AutoProfile

DeclineRule = Callable[[AutoProfile], str | None]
Spec = TypeVar("Spec")

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
}
_CLAUSE = re.compile(r"\s*([a-z_0-9]+)\s*(>=|<=|==|!=|>|<)\s*([A-Za-z0-9_.-]+)\s*")
_KNOB = re.compile(r"([a-z_][a-z_0-9]*)\.([a-z_][a-z_0-9]*)=(.*)", re.DOTALL)


def decline_rule(text: str) -> DeclineRule:
    """A decline rule from its text; ValueError naming what is wrong."""
    rule = text.strip()
    if rule == "never":
        return lambda profile: None
    if rule == "always":
        return lambda profile: "We are not taking on new customers at the moment."
    clauses = []
    for part in re.split(r"\s+or\s+", rule):
        match = _CLAUSE.fullmatch(part)
        if match is None:
            raise ValueError(f"cannot read the decline rule {part!r}: write e.g. 'driver_age < 21'")
        attribute, symbol, raw = match.groups()
        if not hasattr(AutoProfile, attribute) and attribute not in AutoProfile.__dataclass_fields__:
            raise ValueError(f"decline rule: {attribute!r} is not something we know about the applicant")
        value: Any = raw
        try:
            value = int(raw)
        except ValueError:
            if raw in ("true", "false"):
                value = raw == "true"
        clauses.append((attribute, _OPERATORS[symbol], value, part.strip()))

    def decline(profile: AutoProfile) -> str | None:
        for attribute, compare, value, words in clauses:
            if compare(getattr(profile, attribute), value):
                return f"We do not insure applicants where {words}."
        return None

    return decline


def parse_knob_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_knobs(settings: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{"tortoise": {"latency_s": 4.0}} from ["tortoise.latency_s=4"]."""
    overrides: dict[str, dict[str, Any]] = {}
    for setting in settings:
        match = _KNOB.fullmatch(setting.strip())
        if match is None:
            raise ValueError(f"{setting!r}: write provider.knob=value, e.g. tortoise.latency_s=4")
        key, knob, value = match.groups()
        overrides.setdefault(key, {})[knob] = parse_knob_value(value)
    return overrides


def merge(*layers: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for key, changes in (layer or {}).items():
            merged.setdefault(key, {}).update(changes)
    return merged


def apply_overrides(
    specs: list[Spec], overrides: Mapping[str, Mapping[str, Any]] | None
) -> list[Spec]:
    """Specs with per-provider field changes, e.g. {"tortoise": {"latency_s": 0.05}}; typos are errors."""
    overrides = dict(overrides or {})
    unknown_keys = set(overrides) - {spec.key for spec in specs}
    if unknown_keys:
        raise ValueError(f"overrides for unknown insurers: {sorted(unknown_keys)}")
    changed: list[Spec] = []
    for spec in specs:
        changes = overrides.get(spec.key, {})
        field_names = {f.name for f in dataclasses.fields(spec)} - {"key"}  # type: ignore[arg-type]
        unknown_fields = set(changes) - field_names
        if unknown_fields:
            raise ValueError(f"{spec.key}: cannot override {sorted(unknown_fields)}")
        changed.append(dataclasses.replace(spec, **changes) if changes else spec)  # type: ignore[type-var]
    return changed
def rates(**shares: str) -> tuple[tuple[str, str], ...]:
    return tuple(shares.items())


def pioneer_decline(profile: AutoProfile) -> str | None:
    if profile.most_accidents > 2:
        return "We do not insure drivers with more than 2 at-fault accidents in 5 years."
    if profile.youngest_driver_age < 21:
        return "We do not insure drivers under 21."
    if profile.vehicle_use == "business":
        return "We do not insure vehicles used for business."
    return None
