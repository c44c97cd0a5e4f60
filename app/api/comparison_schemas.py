"""The JSON Schemas of POST /api/v1/comparisons and of the comparison it answers with: the ones
the routes validate and answer with, and the ones app/api/openapi.py puts in the document."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from app.api.openapi import Body, Operation, Parameter, embeddable
from app.comparison.house_notice import NOTICE_PROPERTIES
from app.products import PRODUCT_LINES
from app.ranking.measure import MEASURE_SCHEMA
from providers.json_schema import SchemaValidator

_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_NAME = {"type": "string"}
REFERENCE_SCHEMA = {"type": "string", "pattern": "^CND-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"}
_PRESET_KEYS = sorted({preset.key for line in PRODUCT_LINES.values() for preset in line.presets} | {"custom"})

PREFERENCES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": ("{\"preset\": key} for one of the product line's presets (GET /api/v1/products), or "
                    "{\"weights\": {criterion: 0-100, ...}} for the customer's own. Default: the line's "
                    "default preset."),
    "properties": {
        "preset": {"type": "string", "enum": _PRESET_KEYS},
        "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100}},
    },
}

# The profile is checked against its product line's schema: `if product is X then profile is X's`.
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["product", "profile"],
    "properties": {
        "product": {"type": "string", "enum": sorted(PRODUCT_LINES)},
        "profile": {"type": "object", "description": "The product line's profile (GET /api/v1/products)."},
        "preferences": PREFERENCES_SCHEMA,
    },
    "allOf": [
        {"if": {"properties": {"product": {"const": key}}, "required": ["product"]},
         "then": {"properties": {"profile": embeddable(line.profile_schema)}}}
        for key, line in sorted(PRODUCT_LINES.items())
    ],
}

_COUNT = {"type": "integer", "minimum": 0}
RATE_DISTRIBUTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "threshold", "market"],
    "description": ("Where the ranked offers' interest rates sit among the rates offered for comparable profiles in "
                    "the 30 UTC days to the comparison, not counting its own (like the CFPB's \"Explore interest "
                    "rates\"; docs/mortgage-methodology.md). `status` `too-few` when there were fewer offers or "
                    "comparisons than `threshold`: then `market` holds only the window and counts. Else `market` "
                    "has the histogram (`counts` of offers per 0.125-point bucket from the rate `first`, with "
                    "`below` and `above` it) and `higher`: for each offered rate, how many rates were strictly "
                    "higher; `lowest` the lowest offered rate and `percent` in \"lower than percent% of rates\" "
                    "(strictly higher ones, rounded down), as the page says it. Absent for lines without rates, "
                    "for entries from before, and for an entry that would otherwise outgrow its size budget."),
    "properties": {
        "status": {"type": "string", "enum": ["shown", "too-few"]},
        "threshold": {"type": "object", "properties": {"offers": _COUNT, "comparisons": _COUNT}},
        "market": {"type": "object", "required": ["from", "to", "comparisons", "offers"],
                   "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                                  "comparisons": _COUNT, "offers": _COUNT, "first": _DECIMAL,
                                  "counts": {"type": "array", "items": _COUNT}, "below": _COUNT, "above": _COUNT,
                                  "higher": {"type": "object", "additionalProperties": _COUNT}}},
        "lowest": {"type": "object", "required": ["rate", "percent"],
                   "properties": {"rate": _DECIMAL, "percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100}}},
    },
}
_PARTY = {"provider": {"type": "string"}, "provider_name": _NAME, "house": {"type": "boolean"}}
STATUS_QUO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": ("Present when what the customer already has beats every offer (a refinance: no offer saves money "
                    "over the years they stay), and then `recommended` names it. `sentence` is what the results page "
                    "says first; `money` its one figure: how much more (`direction` \"more\") refinancing with the "
                    "offer that saves most would cost over the customer's `years`, or \"same\" when it saves nothing."),
    "required": ["key", "label", "sentence", "money"],
    "properties": {
        "key": _NAME, "label": _NAME, "sentence": _NAME,
        "money": {"type": "object", "required": ["amount", "currency", "period", "years", "direction", "compared_with",
                                                 "compared_quote_id"],
                  "properties": {"amount": {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"}, "currency": _NAME,
                                 "period": {"enum": ["horizon"]}, "years": {"type": "integer", "minimum": 1},
                                 "direction": {"enum": ["more", "same"]}, "compared_with": _NAME,
                                 "compared_quote_id": _NAME}},
    },
}
FINDINGS_SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "description": ("What the product line found beside the ranking. Mortgages: `safe_harbor`, for each type of "
                    "transaction (fixed, adjustable) the loans Regulation Z 1026.36(e)(3) names — `lowest_rate`, "
                    "`lowest_rate_without_risky_features`, `lowest_points_and_fees` (each a ranked offer's provider, "
                    "quote_id and rank, or null) — and whether they come from at least three creditors; "
                    "`higher_priced`: the threshold (percentage points of APR over the average prime offer rate "
                    "in `reference_data`), how many ranked offers were `checked` and `unchecked` (their table "
                    "missing or out of date), and the positions in `ranking` (0 first) of the offers that are "
                    "higher-priced mortgage loans; `closing_costs` (when `reference_data.assumptions` names the "
                    "assumptions used), for each of the first three ranked offers in order, the Loan Estimate's "
                    "section totals `A`, `B`, `C`, `E`, `F`, `G`, the total closing costs `J`, the cash to close "
                    "`cash`, the sections that are the lender's own figures (`lender`, their letters) and "
                    "`ignored` when the lender's origination items did not add up to its fees."),
}

RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["reference", "time", "channel", "product", "preferences", "ranking", "excluded", "failures",
                 "recommended", "house", "explanation", "audit"],
    "properties": {
        "reference": REFERENCE_SCHEMA,
        "time": {"type": "string", "format": "date-time"},
        "channel": {"type": "string"},
        "product": {"type": "object", "required": ["key", "name", "version"],
                    "properties": {"key": _NAME, "name": _NAME, "version": _NAME}},
        "preferences": {"type": "object", "required": ["preset", "weights"],
                        "properties": {"preset": _NAME,
                                       "weights": {"type": "object", "additionalProperties": _DECIMAL},
                                       "measure": MEASURE_SCHEMA}},
        "ranking": {
            "type": "array",
            "description": ("Eligible offers, best fit first. Offers whose scores round to the same value share a "
                            "rank (with a preset named after a measure, only if they also round to the same "
                            "amount on it: see preferences.measure)."),
            "items": {
                "type": "object",
                "required": ["rank", "tied", *_PARTY, "quote", "score", "shown_score", "criteria", "facts", "why"],
                "properties": {
                    "rank": {"type": "integer", "minimum": 1},
                    "tied": {"type": "boolean"},
                    **_PARTY,
                    "quote": {
                        "type": "object",
                        "required": ["id", "currency", "valid_until", "url", "firmness", "terms"],
                        "properties": {"id": _NAME, "currency": _NAME, "valid_until": {"type": "string"},
                                       "url": {"type": ["string", "null"]},
                                       "firmness": {
                                           "enum": ["binding", "indicative", "estimate", None],
                                           "description": "binding: the provider will honour it as shown until "
                                                          "valid_until; indicative: subject to the provider's "
                                                          "underwriting; estimate: computed by us from a published "
                                                          "rate page or sheet; null: logged before it was recorded."},
                                       "terms": {"type": "object", "description": "As the provider quoted them."}},
                    },
                    "score": {**_DECIMAL, "description": "0-100, to 6 places."},
                    "shown_score": {**_DECIMAL, "description": "The score as shown, rounded to the tie step."},
                    "criteria": {
                        "type": "array",
                        "items": {"type": "object", "required": ["key", "label", "unit", "value", "contribution"],
                                  "properties": {"key": _NAME, "label": _NAME, "unit": _NAME, "value": _DECIMAL,
                                                 "contribution": _DECIMAL}},
                    },
                    "facts": {"type": "object", "additionalProperties": {"type": "string"}},
                    "offer_name": {"type": ["string", "null"],
                                   "description": "The offer's own name, from its terms (\"30-year fixed, 1 point\")."},
                    "why": {"description": "Why the offer ranks where it does, in words."},
                },
            },
        },
        "excluded": {
            "type": "array",
            "items": {"type": "object", "required": [*_PARTY, "quote_id", "reason"],
                      "properties": {**_PARTY, "quote_id": _NAME, "reason": _NAME}},
        },
        "failures": {
            "type": "array",
            "items": {"type": "object", "required": [*_PARTY, "kind", "message"],
                      "properties": {**_PARTY, "kind": _NAME, "message": _NAME}},
        },
        "recommended": {
            "oneOf": [{"type": "null"},
                      {"type": "object", "required": ["provider", "quote_id"],
                       "properties": {"provider": _NAME, "quote_id": _NAME}},
                      {"type": "object", "required": ["status_quo", "label"],
                       "description": ("What the customer already has, when it beats every offer (a refinance's "
                                       "current loan when no offer saves money): explanation.status_quo says why."),
                       "properties": {"status_quo": _NAME, "label": _NAME}}],
        },
        "house": {"type": "object", "required": ["provider", "rank", "best"],
                  "properties": {"provider": {"type": ["string", "null"]}, "rank": {"type": ["integer", "null"]},
                                 "best": {"type": "boolean"}}},
        "explanation": {"type": "object", "description": "The reasons and notices the results page shows.",
                        "properties": {**NOTICE_PROPERTIES, "findings": FINDINGS_SCHEMA,
                                       "status_quo": STATUS_QUO_SCHEMA,
                                       "rate_distribution": RATE_DISTRIBUTION_SCHEMA}},
        "reference_data": {
            "type": ["object", "null"],
            "description": ("Published figures the product line checked the offers against, as they stood at the "
                            "comparison (a mortgage's average prime offer rates: `apor`, each table's status "
                            "`current`, `stale` or `missing`; and `assumptions`, the name of the closing-cost and "
                            "monthly-cost assumptions used); null for a line that uses none."),
        },
        "audit": {"type": "object", "required": ["index", "leaf_hash"],
                  "properties": {"index": {"type": "integer", "minimum": 0},
                                 "leaf_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "profile": {"type": ["object", "null"],
                    "description": "Only for advisor and compliance tokens; null once the customer's data was erased."},
        "erasure": {"type": ["object", "null"], "description": "Only with `profile`: when and by whom it was erased."},
        "replaces": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["reference", "index"],
                                                  "properties": {"reference": REFERENCE_SCHEMA,
                                                                 "index": {"type": "integer", "minimum": 0}}}],
                     "description": "The comparison this one re-quotes (\"Change your answers\", \"Get fresh quotes\")."},
    },
}

OPERATIONS = (
    Operation("post", "/api/v1/comparisons", "createComparison", "Run a comparison",
              "Asks every provider of the product line for quotes, ranks the offers on what fits the profile "
              "best and logs the recommendation. Anyone may call it (rate-limited per address); with an API "
              "token the token's holder is recorded as the actor, no rate limit applies, and the profile is "
              "returned.",
              {201: Body("The comparison, as logged.", RESULT_SCHEMA,
                         headers={"Location": {"description": "Where to read it again.",
                                               "schema": {"type": "string"}}})},
              scopes=(), request_schema=REQUEST_SCHEMA, problems=(400, 413, 415, 422, 429, 503),
              tags=("comparisons",)),
    Operation("get", "/api/v1/comparisons/{reference}", "getComparison", "Read a comparison",
              "The latest ranking under a reference. Anyone holding the reference may read it; the profile is "
              "included only for advisor and compliance tokens. Look-ups without a token are rate-limited per "
              "address, together with the website's (CANDOR_REFERENCE_RATE_LIMIT).",
              {200: Body("The comparison.", RESULT_SCHEMA)}, scopes=(),
              parameters=(Parameter("reference", "path", REFERENCE_SCHEMA, "The comparison's reference."),),
              problems=(404, 429), tags=("comparisons",)),
)

REQUEST_VALIDATOR = SchemaValidator(REQUEST_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
