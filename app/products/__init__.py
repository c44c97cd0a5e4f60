"""Product lines. Each is a self-contained module; this registry is the only place that lists them."""

from __future__ import annotations

from app.products.auto_insurance import AutoInsurance
from app.products.base import ProductLine
from app.products.mortgage import MortgageLine

PRODUCT_LINES: dict[str, ProductLine] = {line.key: line for line in (AutoInsurance(), MortgageLine())}


class UnknownProduct(LookupError):
    pass


def get_product_line(key: str) -> ProductLine:
    try:
        return PRODUCT_LINES[key]
    except KeyError:
        raise UnknownProduct(key) from None
