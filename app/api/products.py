"""GET /api/v1/products: every product line with its profile and terms JSON Schemas (each with a
complete valid example in `examples`), the criteria it ranks on and its presets. This is what
Candor Quote Protocol v1 providers and API clients build their requests from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.api.openapi import Body, Operation
from app.auth.access import public
from app.comparison.api import ranking_criteria
from app.products import PRODUCT_LINES
from app.products.base import ProductLine
from app.ranking.measure import MEASURE_SCHEMA

bp = Blueprint("products", __name__, url_prefix="/products")

_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_JSON_SCHEMA = {"type": "object", "required": ["examples"],
                "properties": {"examples": {"type": "array", "minItems": 1, "items": {"type": "object"}}}}

PRODUCTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["products"],
    "properties": {
        "products": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name", "version", "currency", "summary", "profile_schema", "terms_schema",
                             "criteria", "presets", "default_preset"],
                "properties": {
                    "key": {"type": "string"},
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "summary": {"type": "string"},
                    "profile_schema": {**_JSON_SCHEMA, "description": "JSON Schema (draft 2020-12) of the profile."},
                    "terms_schema": {**_JSON_SCHEMA, "description": "JSON Schema (draft 2020-12) of offer terms."},
                    "criteria": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "label", "direction", "unit", "worst", "best", "description"],
                            "properties": {
                                "key": {"type": "string"},
                                "label": {"type": "string"},
                                "direction": {"enum": ["lower", "higher"]},
                                "unit": {"type": "string"},
                                "worst": _DECIMAL,
                                "best": _DECIMAL,
                                "description": {"type": "string"},
                            },
                        },
                    },
                    "presets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "label", "description", "weights"],
                            "properties": {
                                "key": {"type": "string"},
                                "label": {"type": "string"},
                                "description": {"type": "string"},
                                "weights": {"type": "object", "additionalProperties": _DECIMAL},
                                "measure": MEASURE_SCHEMA,
                            },
                        },
                    },
                    "default_preset": {"type": "string"},
                },
            },
        },
    },
}

OPERATIONS = (
    Operation("get", "/api/v1/products", "listProducts", "Product lines and their schemas",
              "Every product line: its profile and offer-terms JSON Schemas (each with a complete valid example "
              "in `examples`), the criteria offers are ranked on, and the presets of weights.",
              {200: Body("The product lines.", PRODUCTS_SCHEMA)}, tags=("products",)),
)


def describe(line: ProductLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "name": line.name,
        "version": line.version,
        "currency": line.currency,
        "summary": line.summary,
        "profile_schema": line.profile_schema,
        "terms_schema": line.terms_schema,
        "criteria": [{**criterion.as_record(), "description": criterion.description}
                     for criterion in ranking_criteria(line)],
        "presets": [{"key": preset.key, "label": preset.label, "description": preset.description,
                     "weights": {key: str(weight) for key, weight in preset.weights.items()},
                     "measure": None if preset.measure is None else preset.measure.as_record()}
                    for preset in line.presets],
        "default_preset": line.default_preset,
    }


@bp.get("")
@public
def index():  # type: ignore[no-untyped-def]
    return jsonify(products=[describe(line) for line in PRODUCT_LINES.values()])
