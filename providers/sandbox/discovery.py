"""Each product line's simulated providers, found through the `candor.sandbox` entry-point group the
same way for Candor's own lines as for a line installed as a separate package. An entry point names
a line (its key) and a function returning that line's market participants (see market.py for the
shape). Candor's own sets load or raise; a broken plug-in set is reported by name and skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import EntryPoint
from typing import Any

from providers.plugins import home_entry_points, plugin_entry_points, source_of

ENTRY_POINT_GROUP = "candor.sandbox"
_PARTICIPANT_METHODS = ("wsgi_app", "provider_entry")

logger = logging.getLogger(__name__)

SandboxSet = Callable[[], list[Any]]


class SandboxSetLoadError(Exception):
    def __init__(self, key: str, source: str, reason: str) -> None:
        super().__init__(f"sandbox providers {key!r} ({source}) were not loaded: {reason}")
        self.key = key


def load_participants(entry_point: EntryPoint) -> list[Any]:
    """The participants an entry point's function returns, checked for the shape the market runs."""
    try:
        participants = list(entry_point.load()())
    except Exception as error:
        raise SandboxSetLoadError(entry_point.name, source_of(entry_point), f"{type(error).__name__}: {error}") from error
    for participant in participants:
        missing = [name for name in _PARTICIPANT_METHODS if not callable(getattr(participant, name, None))]
        if missing or not isinstance(getattr(participant, "key", None), str):
            raise SandboxSetLoadError(entry_point.name, source_of(entry_point),
                                      f"{participant!r} is not a market participant (needs a key, wsgi_app, provider_entry)")
    return participants


def discover_sandbox_sets() -> tuple[dict[str, SandboxSet], list[SandboxSetLoadError]]:
    """Every line's set, Candor's own first (by key), then plug-ins'; a plug-in cannot replace a line's set.
    Each set is loaded once here, so a broken one is known before the market starts."""
    sets: dict[str, SandboxSet] = {}
    for entry_point in sorted(home_entry_points(ENTRY_POINT_GROUP), key=lambda each: each.name):
        sets[entry_point.name] = _fresh(load_participants(entry_point))
    errors: list[SandboxSetLoadError] = []
    for entry_point in sorted(plugin_entry_points(ENTRY_POINT_GROUP), key=lambda each: each.name):
        if entry_point.name in sets:
            errors.append(SandboxSetLoadError(entry_point.name, source_of(entry_point), "the line's set is already provided"))
            continue
        try:
            sets[entry_point.name] = _fresh(load_participants(entry_point))
        except SandboxSetLoadError as error:
            errors.append(error)
    return sets, errors


def _fresh(participants: list[Any]) -> SandboxSet:
    """A new list on each call; the participants are frozen specs, so sharing them is safe."""
    return lambda: list(participants)


def sandbox_sets() -> dict[str, SandboxSet]:
    """Every line's set that loads, in market order; broken plug-in sets are logged by name."""
    sets, errors = discover_sandbox_sets()
    for error in errors:
        logger.error("%s", error)
    return sets
