"""JSON Schema checks at compiled speed, with jsonschema's verdicts and jsonschema's errors.

Every quote in a comparison is checked against two schemas and every API request against one;
jsonschema's interpreter took about a tenth of a comparison's time doing it. `SchemaValidator`
first runs the schema compiled to Python by fastjsonschema. A document it passes is valid; one it
does not pass — and any document, for a schema it is not trusted with — goes to jsonschema, whose
errors (and verdict) are exactly what callers got before.

That is sound only while the compiled check never passes a document jsonschema would refuse.
fastjsonschema compiles draft 7, so a schema is compiled only when every keyword in it means the
same in draft 7 as in 2020-12 for JSON values (`_SAME_IN_DRAFT_7`), and where the two differ in a
direction that could pass too much, the schema stays with jsonschema: `enum` and `const` listing
numbers without a `type` that rules out booleans (Python's True == 1), `items` as a list, any
`$ref`. Formats are checked by jsonschema's own format checker, or not at all when it has none —
as jsonschema does. Everywhere else the compiled check is stricter or equal (it reads `$` in a
pattern as the very end, refuses a float for "integer"), which only sends a document to jsonschema.
tests/providers/test_json_schema.py holds the two to the same verdicts on many ugly documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples", "default",
                          "deprecated", "readOnly", "writeOnly"})
_SAME_IN_DRAFT_7 = frozenset({
    "type", "properties", "required", "additionalProperties", "enum", "const", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format",
    "items", "minItems", "maxItems", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not",
    "if", "then", "else",
})
_SUBSCHEMA_MAPS = ("properties",)
_SUBSCHEMAS = ("additionalProperties", "items", "not", "if", "then", "else")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class SchemaValidator:
    """Drop-in for the part of jsonschema's validator Candor uses: `iter_errors` and `is_valid`."""

    def __init__(self, schema: Mapping[str, Any], *, format_checker: FormatChecker | None = None) -> None:
        self.schema = schema
        self.exact = Draft202012Validator(schema, format_checker=format_checker)
        self.compiled = _compile(schema, format_checker) if compilable(schema) else None

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self.compiled is not None and self._passes(instance):
            return iter(())
        return self.exact.iter_errors(instance)

    def is_valid(self, instance: Any) -> bool:
        if self.compiled is not None and self._passes(instance):
            return True
        return self.exact.is_valid(instance)

    def _passes(self, instance: Any) -> bool:
        assert self.compiled is not None
        try:
            self.compiled(instance)
        except Exception:  # refused, or a document the compiled code did not expect: jsonschema decides
            return False
        return True


def compilable(schema: Any) -> bool:
    """Whether every keyword of the schema means the same in draft 7 for JSON values."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping):
        return False
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "uniqueItems" and _only_strings(schema.get("items")):
            continue  # Python's equality is JSON's for strings (True == 1 is the case it gets wrong)
        if keyword not in _SAME_IN_DRAFT_7:
            return False
        if keyword in _SUBSCHEMA_MAPS and not all(compilable(item) for item in value.values()):
            return False
        if keyword in _SUBSCHEMAS and not compilable(value):  # `items` as a list is not a schema
            return False
        if keyword in _SUBSCHEMA_LISTS and not all(compilable(item) for item in value):
            return False
        if keyword in ("enum", "const") and not _unambiguous(schema, value if keyword == "enum" else [value]):
            return False
    return True


def _only_strings(items: Any) -> bool:
    """Whether an array's items schema admits strings only."""
    if not isinstance(items, Mapping):
        return False
    if items.get("type") == "string":
        return True
    return isinstance(items.get("enum"), list) and all(isinstance(value, str) for value in items["enum"])


def _unambiguous(schema: Mapping[str, Any], values: list[Any]) -> bool:
    """Python compares True equal to 1 where JSON Schema does not: an enum of numbers is left to
    jsonschema unless the schema's type already refuses booleans."""
    if not any(isinstance(value, (bool, int, float)) for value in values):
        return True
    kind = schema.get("type")
    return isinstance(kind, str) and kind != "boolean"


def _compile(schema: Mapping[str, Any], format_checker: FormatChecker | None) -> Callable[[Any], Any]:
    draft_7 = {key: value for key, value in schema.items() if key != "$schema"}
    draft_7["$schema"] = "http://json-schema.org/draft-07/schema#"
    formats: dict[str, Callable[[Any], bool]] = {name: _conforms(format_checker, name)
                                                 for name in _formats_in(schema)}
    return fastjsonschema.compile(draft_7, formats=formats, use_default=False, use_formats=True)


def _conforms(checker: FormatChecker | None, name: str) -> Callable[[Any], bool]:
    if checker is None or name not in checker.checkers:
        return lambda value: True  # an annotation only, as jsonschema treats it
    return lambda value: checker.conforms(value, name)


def _formats_in(schema: Any) -> set[str]:
    if isinstance(schema, Mapping):
        found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        for key, value in schema.items():
            if key not in _ANNOTATIONS and key != "enum" and key != "const":
                found |= _formats_in(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_formats_in(item) for item in schema)) if schema else set()
    return set()
