"""A logged JSON profile as its product line's form receives it from the page: how "Change your
answers" fills the form again. (The JSON API reads a profile with the line's profile_from_json.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict


def form_data(profile: Mapping[str, Any]) -> MultiDict[str, str]:
    """Every answer as the text a form field posts; yes/no for booleans, nothing for an empty one."""
    data: MultiDict[str, str] = MultiDict()
    for name, value in profile.items():
        if value is None or isinstance(value, (Mapping, list)):
            continue
        data[name] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    return data
