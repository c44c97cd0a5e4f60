"""Entry points, read the same way for Candor's own plug-ins as for a third party's: product lines
(`candor.products`) and adapter kinds (`candor.providers`). Candor's own are declared in its
pyproject.toml, so the project must be installed (`pip install --no-deps -e .`) for them to exist."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

HOME_DISTRIBUTION = "candor"


class NotInstalled(RuntimeError):
    """No entry point of Candor's own is registered in a group: the project is not installed."""

    def __init__(self, group: str) -> None:
        super().__init__(f"no {group!r} entry points of the {HOME_DISTRIBUTION!r} distribution are registered: "
                         "install the project first (pip install --no-deps -e . — `make run` and `make test` do)")
        self.group = group


def source_of(entry_point: EntryPoint) -> str:
    """Where an entry point comes from, for error messages: its target and distribution."""
    distribution = getattr(entry_point, "dist", None)
    return f"entry point {entry_point.value}" + (f" in {distribution.name}" if distribution else "")


def is_home(entry_point: EntryPoint) -> bool:
    distribution = getattr(entry_point, "dist", None)
    return distribution is not None and distribution.name.lower() == HOME_DISTRIBUTION


def home_entry_points(group: str) -> list[EntryPoint]:
    """Candor's own entry points in a group, once each; raises NotInstalled when there are none."""
    found = {entry_point.name: entry_point for entry_point in entry_points(group=group) if is_home(entry_point)}
    if not found:
        raise NotInstalled(group)
    return list(found.values())


def plugin_entry_points(group: str) -> list[EntryPoint]:
    """Every other distribution's entry points in a group."""
    return [entry_point for entry_point in entry_points(group=group) if not is_home(entry_point)]
