"""A logged JSON profile as its product line's form receives it from the page: how "Change your
answers" fills the form again. (The JSON API reads a profile with the line's profile_from_json.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict


def _text(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def form_data(profile: Mapping[str, Any]) -> MultiDict[str, str]:
    """Every answer as the text a form field posts; yes/no for booleans, nothing for an empty one.
    A list of answers is posted as a multiple choice is (the name once for each), and a list of
    objects as WTForms names a list's entries ("drivers-1-birth_date" for the second's)."""
    data: MultiDict[str, str] = MultiDict()
    for name, value in profile.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    data.update({f"{name}-{index}-{key}": _text(part) for key, part in item.items() if part is not None})
                elif item is not None:
                    data.add(name, _text(item))
        elif value is not None and not isinstance(value, Mapping):
            data[name] = _text(value)
    return data
