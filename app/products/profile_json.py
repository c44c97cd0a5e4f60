"""Reading a JSON profile (the API's) straight into a product line's profile: each field checked
against the line's JSON Schema and in the line's own words, with no detour through form data.
A line's profile_from_json walks its fields with a ProfileReader and asks its rules (its rules.py,
which its form asks too) about the typed values; every problem is kept under its JSON pointer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator

from app.products.zip_codes import FIVE_DIGITS, filled_state, zip_problem
from providers.json_schema import SchemaValidator


class InvalidProfile(ValueError):
    """The profile does not fit its line: (JSON pointer within the profile, what to change) pairs,
    at most one per field, in the order the fields were read. A field the schema refuses where the
    line has no words of its own (a wrong JSON type, an unknown field) is listed with the schema's."""

    def __init__(self, problems: Sequence[tuple[str, str]], schema_problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__("; ".join(f"{where}: {message}" for where, message in [*problems, *schema_problems]))
        self.problems = list(problems)
        self.schema_problems = list(schema_problems)


def profile_validator(schema: Mapping[str, Any]) -> SchemaValidator:
    return SchemaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def field_pointer(name: str) -> str:
    return "/" + name.replace("~", "~0").replace("/", "~1")


class ProfileReader:
    """One JSON profile, read a field at a time. A reading answers the typed value, as the form's
    field would hold it, or None when the field is missing or of the wrong JSON type; a problem is
    noted in the line's words where it has some (a wrong JSON type is left to the schema's words).
    Like the form, the rules tying fields together see a value even when its own check failed;
    only the first problem of each field is kept."""

    def __init__(self, document: Mapping[str, Any], validator: SchemaValidator,
                 required: Mapping[str, str]) -> None:
        self.document = document
        self.required = required
        self.problems: dict[str, str] = {}
        self.schema_refused: dict[str, str] = {}
        for error in validator.iter_errors(document):
            where = str(error.absolute_path[0]) if error.absolute_path else ""
            self.schema_refused.setdefault(where, error.message)

    def refuse(self, name: str, problem: str | None) -> None:
        if problem is not None:
            self.problems.setdefault(name, problem)

    def _present(self, name: str, kinds: tuple[type, ...]) -> Any:
        """The raw value when it is of one of the JSON types asked for; otherwise None, with the
        line's "enter this" words when it is missing (or blank text)."""
        value = self.document.get(name)
        if isinstance(value, str) and str in kinds:
            value = value.strip()
        if value is None or value == "":
            self.refuse(name, self.required.get(name))
            return None
        if isinstance(value, bool) != (bool in kinds) or not isinstance(value, kinds):
            return None
        return value

    def text(self, name: str, malformed: str | None = None) -> str | None:
        value = self._present(name, (str,))
        if value is not None and name in self.schema_refused:
            self.refuse(name, malformed)
        return value  # type: ignore[no-any-return]

    def choice(self, name: str) -> Any:
        """A value from the schema's list (its own words say which ones when it is not)."""
        return self._present(name, (str, int))

    def boolean(self, name: str) -> bool | None:
        return self._present(name, (bool,))  # type: ignore[no-any-return]

    def integer(self, name: str, low: int, high: int, out_of_range: str | None) -> int | None:
        value = self._present(name, (int, float))
        if value is None or (isinstance(value, float) and not value.is_integer()):
            return None
        if not low <= value <= high:
            self.refuse(name, out_of_range)
        return int(value)

    def day(self, name: str, malformed: str) -> date | None:
        value = self._present(name, (str,))
        if value is not None and name in self.schema_refused:
            self.refuse(name, malformed)
            return None
        try:
            return date.fromisoformat(value) if value is not None else None
        except ValueError:
            return None

    def amount(self, name: str, low: Decimal, high: Decimal | None, out_of_range: str | None) -> Decimal | None:
        """A decimal amount written as text; None for a missing one (and null, where allowed)."""
        value = self._present(name, (str,))
        try:
            amount = Decimal(value) if value is not None else None
        except InvalidOperation:
            return None
        if amount is None or not amount.is_finite():
            return None
        if amount < low or (high is not None and amount > high):
            self.refuse(name, out_of_range)
        # An amount not written as the schema asks (9 digits, cents at most) is not given to the
        # rules: its size is anyone's guess, and nothing past its own field depends on it.
        return None if name in self.schema_refused else amount

    def checked(self, profile: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The profile, made only once every answer is right (so from values in their ranges), or
        InvalidProfile with every problem noted (the schema's too, in its words)."""
        if self.problems or self.schema_refused:
            schema_words = {name: words for name, words in self.schema_refused.items() if name not in self.problems}
            raise InvalidProfile([(field_pointer(name), message) for name, message in self.problems.items()],
                                 [(field_pointer(name) if name else "", words) for name, words in schema_words.items()])
        return profile()

def read_place(reader: ProfileReader, covered: tuple[str, ...], malformed_zip: str) -> dict[str, Any]:
    """ZIP code and state, the state filled in from the ZIP code when it is left out (as the form
    does), the ZIP code checked against the state (app/products/zip_codes.py)."""
    raw_state = reader.document.get("state")
    zip_code = reader.text("zip_code", malformed_zip)
    if raw_state is None and zip_code is not None:
        filled = filled_state(zip_code, "", covered)
        if filled:
            return {"zip_code": zip_code, "state": filled}
    state = reader.choice("state")
    if zip_code is not None and FIVE_DIGITS.match(zip_code):
        reader.refuse("zip_code", zip_problem(zip_code, raw_state if isinstance(raw_state, str) else "", covered))
    return {"zip_code": zip_code, "state": state}
