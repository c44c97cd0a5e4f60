"""The least liability cover each state (and DC) requires, and the rule that refuses less: a
shopper choosing 25/50/25 in Texas is told "Texas requires at least 30/60/25" next to the field,
by the form and the JSON API alike. Source and date: data/STATE-MINIMUMS.md beside this module."""

from __future__ import annotations

from typing import NamedTuple


class StateMinimum(NamedTuple):
    name: str
    limits: str
    """Bodily injury per person / per accident / property damage, in thousands of USD."""


STATE_MINIMUMS: dict[str, StateMinimum] = {
    "AL": StateMinimum("Alabama", "25/50/25"), "AK": StateMinimum("Alaska", "50/100/25"),
    "AZ": StateMinimum("Arizona", "25/50/15"), "AR": StateMinimum("Arkansas", "25/50/25"),
    "CA": StateMinimum("California", "30/60/15"), "CO": StateMinimum("Colorado", "25/50/15"),
    "CT": StateMinimum("Connecticut", "25/50/25"), "DE": StateMinimum("Delaware", "25/50/10"),
    "DC": StateMinimum("the District of Columbia", "25/50/10"), "FL": StateMinimum("Florida", "10/20/10"),
    "GA": StateMinimum("Georgia", "25/50/25"), "HI": StateMinimum("Hawaii", "20/40/10"),
    "ID": StateMinimum("Idaho", "25/50/15"), "IL": StateMinimum("Illinois", "25/50/20"),
    "IN": StateMinimum("Indiana", "25/50/25"), "IA": StateMinimum("Iowa", "20/40/15"),
    "KS": StateMinimum("Kansas", "25/50/25"), "KY": StateMinimum("Kentucky", "25/50/25"),
    "LA": StateMinimum("Louisiana", "15/30/25"), "ME": StateMinimum("Maine", "50/100/25"),
    "MD": StateMinimum("Maryland", "30/60/15"), "MA": StateMinimum("Massachusetts", "25/50/30"),
    "MI": StateMinimum("Michigan", "50/100/10"), "MN": StateMinimum("Minnesota", "30/60/10"),
    "MS": StateMinimum("Mississippi", "25/50/25"), "MO": StateMinimum("Missouri", "25/50/25"),
    "MT": StateMinimum("Montana", "25/50/20"), "NE": StateMinimum("Nebraska", "25/50/25"),
    "NV": StateMinimum("Nevada", "25/50/20"), "NH": StateMinimum("New Hampshire", "25/50/25"),
    "NJ": StateMinimum("New Jersey", "35/70/25"), "NM": StateMinimum("New Mexico", "25/50/10"),
    "NY": StateMinimum("New York", "25/50/10"), "NC": StateMinimum("North Carolina", "50/100/50"),
    "ND": StateMinimum("North Dakota", "25/50/25"), "OH": StateMinimum("Ohio", "25/50/25"),
    "OK": StateMinimum("Oklahoma", "25/50/25"), "OR": StateMinimum("Oregon", "25/50/20"),
    "PA": StateMinimum("Pennsylvania", "15/30/5"), "RI": StateMinimum("Rhode Island", "25/50/25"),
    "SC": StateMinimum("South Carolina", "25/50/25"), "SD": StateMinimum("South Dakota", "25/50/25"),
    "TN": StateMinimum("Tennessee", "25/50/25"), "TX": StateMinimum("Texas", "30/60/25"),
    "UT": StateMinimum("Utah", "30/65/25"), "VT": StateMinimum("Vermont", "25/50/10"),
    "VA": StateMinimum("Virginia", "50/100/25"), "WA": StateMinimum("Washington", "25/50/10"),
    "WV": StateMinimum("West Virginia", "25/50/25"), "WI": StateMinimum("Wisconsin", "25/50/10"),
    "WY": StateMinimum("Wyoming", "25/50/20"),
}


def split_limits(text: str) -> tuple[int, int, int]:
    per_person, per_accident, property_damage = (int(part) for part in text.split("/"))
    return per_person, per_accident, property_damage


def below_state_minimum(limits: str, state: str | None) -> str | None:
    """What to change when `limits` are under what `state` requires, else None (an unknown state
    is left to the state field's own check)."""
    minimum = STATE_MINIMUMS.get(state or "")
    if minimum is None:
        return None
    if all(have >= need for have, need in zip(split_limits(limits), split_limits(minimum.limits))):
        return None
    return (f"{minimum.name[0].upper()}{minimum.name[1:]} requires at least {minimum.limits}: "
            "choose those limits or higher.")
