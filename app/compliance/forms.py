"""The console's filters. They travel in the address (GET) because none of them is personal data:
dates, product, channel, staff ids, provider keys, ranks and yes/no flags. No profile field is ever
a filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import aliased
from wtforms import DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.audit import (
    ADVISOR_DECISION, CONFIGURATION_CHANGE, ERASURE, LOGIN, OVERRIDE, RECOMMENDATION, RERANK, RESULT_KINDS, AuditEntry, EntryFilter,
)

ANY = ""
YES = "yes"
NO = "no"
YES_NO = [(ANY, "Any"), (YES, "Yes"), (NO, "No")]
CHANNELS = [(ANY, "Any channel"), ("web", "Web"), ("advisor", "Advisor (phone)"), ("api", "API")]
# What the list shows: recommendations by default (a re-rank is a recommendation too: the same
# quotes ranked on other preferences), or the other kinds of entry the log holds.
KIND_CHOICES = [
    ("results", "Recommendations and re-ranks"),
    (RECOMMENDATION, "Recommendations only"),
    (RERANK, "Re-ranks only"),
    ("outcomes", "Advisor decisions and overrides"),
    (ERASURE, "Erasures"),
    (CONFIGURATION_CHANGE, "Configuration changes"),
    (LOGIN, "Sign-ins"),
    ("all", "Every kind of entry"),
]
KIND_GROUPS: dict[str, tuple[str, ...] | None] = {
    "results": RESULT_KINDS,
    "outcomes": (ADVISOR_DECISION, OVERRIDE),
    "all": None,
}
MAX_HOUSE_RANK = 100


@dataclass(frozen=True)
class ConsoleFilter(EntryFilter):
    """EntryFilter and one more question the columns cannot answer alone: did an advisor override
    the recommendation filed under the entry's reference? Answered with an EXISTS on the
    (reference, index) index, so it costs one index probe per row looked at."""

    overridden: bool | None = None

    def apply(self, statement: Select[Any]) -> Select[Any]:
        statement = super().apply(statement)
        if self.overridden is None:
            return statement
        override = aliased(AuditEntry)
        has_override = exists(select(override.index).where(override.reference == AuditEntry.reference,
                                                            override.kind == OVERRIDE))
        return statement.where(has_override if self.overridden else ~has_override)


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _yes_no(value: str | None) -> bool | None:
    return {YES: True, NO: False}.get(value or ANY)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


class EntryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    since = DateField("From (UTC)", validators=[Optional()])
    until = DateField("To (UTC, inclusive)", validators=[Optional()])
    kind = SelectField("Show", choices=options(KIND_CHOICES), default="results")
    product = SelectField("Product", choices=options([]), default=ANY)
    channel = SelectField("Channel", choices=options(CHANNELS), default=ANY)
    advisor = SelectField("Advisor", choices=options([]), default=ANY)
    recommended = SelectField("Recommended provider", choices=options([]), default=ANY)
    house_rank = IntegerField("Our rank", validators=[Optional(), NumberRange(1, MAX_HOUSE_RANK,
                                                                              "Enter a rank from 1 to 100.")])
    house_best = SelectField("Our offer ranked first", choices=options(YES_NO), default=ANY)
    overridden = SelectField("Advisor overrode it", choices=options(YES_NO), default=ANY)
    failures = SelectField("A provider failed", choices=options(YES_NO), default=ANY)

    def __init__(self, *args: Any, products: Iterable[tuple[str, str]], advisors: Iterable[tuple[str, str]],
                 providers: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product.choices = options([(ANY, "Any product"), *products])
        self.advisor.choices = options([(ANY, "Anyone"), *advisors])
        self.recommended.choices = options([(ANY, "Any provider"), *providers])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

    def filters(self) -> ConsoleFilter:
        """The filter the valid fields describe; a field with an error does not filter."""
        def valid(field: Any) -> Any:
            return None if field.errors or field.data in (None, ANY) else field.data

        since, until = valid(self.since), valid(self.until)
        kind = valid(self.kind) or "results"
        kinds = KIND_GROUPS[kind] if kind in KIND_GROUPS else (kind,)
        advisor = valid(self.advisor)
        return ConsoleFilter(
            since=_start_of(since) if since else None,
            until=_start_of(until + timedelta(days=1)) if until else None,
            kinds=kinds,
            product=valid(self.product),
            channel=valid(self.channel),
            actor_type="advisor" if advisor else None,
            actor_id=advisor,
            recommended_provider=valid(self.recommended),
            house_rank=valid(self.house_rank),
            house_best=_yes_no(self.house_best.data),
            with_failures=_yes_no(self.failures.data),
            overridden=_yes_no(self.overridden.data),
        )

    def query_args(self) -> dict[str, str]:
        """The filters as they were given, to carry into paging and export links."""
        args = {}
        for field in self:
            raw = field.raw_data[0] if field.raw_data else None
            if raw not in (None, ""):
                args[field.name] = raw
        return args


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    since = DateField("From (UTC)", validators=[Optional()])
    until = DateField("To (UTC, inclusive)", validators=[Optional()])
    product = SelectField("Product", choices=options([]), default=ANY)
    bucket = SelectField("Group by", choices=options([("day", "Day"), ("week", "Week")]), default="week")

    def __init__(self, *args: Any, products: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product.choices = options([(ANY, "Any product"), *products])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

    def query_args(self) -> dict[str, str]:
        return {field.name: field.raw_data[0] for field in self if field.raw_data and field.raw_data[0] not in (None, "")}


class OutcomesForm(ReportForm):
    """The outcomes report's period and product line; it has no time buckets."""

    bucket = None  # type: ignore[assignment]
