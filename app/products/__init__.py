"""Product lines, found through the `candor.products` entry-point group: Candor's own lines are
registered there by its pyproject.toml exactly as a third party's package registers one, so adding
a line touches no file outside its own package."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

from jinja2 import BaseLoader, FileSystemLoader, PrefixLoader

from app.products.base import ProductLine
from providers.plugins import home_entry_points, plugin_entry_points, source_of

logger = logging.getLogger("candor.products")

ENTRY_POINT_GROUP = "candor.products"


class ProductLineLoadError(Exception):
    """A product line could not be loaded; names the entry point and where it came from."""

    def __init__(self, key: str, source: str, cause: BaseException | str) -> None:
        super().__init__(f"product line {key!r} from {source} could not be loaded: {cause}")
        self.key = key
        self.source = source


def load_line(entry_point: EntryPoint) -> ProductLine:
    """The line an entry point names, made; raises ProductLineLoadError naming the entry point."""
    source = source_of(entry_point)
    try:
        loaded = entry_point.load()
        line = loaded() if isinstance(loaded, type) else loaded
    except Exception as error:  # a plug-in may fail in any way; the error must say which one
        raise ProductLineLoadError(entry_point.name, source, f"{type(error).__name__}: {error}") from error
    if not isinstance(line, ProductLine):
        raise ProductLineLoadError(entry_point.name, source, "it is not a ProductLine")
    if line.key != entry_point.name:
        raise ProductLineLoadError(entry_point.name, source, f"its key is {line.key!r}, not the entry point's name")
    return line


def discover_product_lines() -> tuple[dict[str, ProductLine], list[ProductLineLoadError]]:
    """Candor's own lines (one failing to load is a bug: raised), then every plug-in line that loads;
    a broken plug-in is reported by name and the others still load. A plug-in cannot replace a line."""
    lines = {line.key: line for line in map(load_line, sorted(home_entry_points(ENTRY_POINT_GROUP), key=lambda each: each.name))}
    errors: list[ProductLineLoadError] = []
    for entry_point in plugin_entry_points(ENTRY_POINT_GROUP):
        if entry_point.name in lines:
            errors.append(ProductLineLoadError(entry_point.name, source_of(entry_point), "the line is already provided"))
            continue
        try:
            lines[entry_point.name] = load_line(entry_point)
        except ProductLineLoadError as error:
            errors.append(error)
    return lines, errors


def _registered_lines() -> dict[str, ProductLine]:
    lines, errors = discover_product_lines()
    for error in errors:
        logger.error("%s", error)
    return lines


PRODUCT_LINES: dict[str, ProductLine] = _registered_lines()


class UnknownProduct(LookupError):
    pass


def get_product_line(key: str) -> ProductLine:
    try:
        return PRODUCT_LINES[key]
    except KeyError:
        raise UnknownProduct(key) from None


def template_loader(lines: dict[str, ProductLine] | None = None) -> BaseLoader:
    """Each line's own templates under its key ("mortgage/methodology.html"), for the app's loader."""
    folders = {key: line.template_folder() for key, line in (PRODUCT_LINES if lines is None else lines).items()}
    return PrefixLoader({key: FileSystemLoader(str(folder)) for key, folder in folders.items() if folder is not None})
