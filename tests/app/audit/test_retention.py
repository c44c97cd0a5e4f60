"""Retention by record type: the registry, each rule's run, the logged run and the public page."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app
from app.audit import retention
from app.audit.log import document
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.retention import RetentionRule, RetentionSettingError, registered
from app.comparison.api import load_result, run_comparison
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_profile

line = get_product_line("auto")


def compare(market):  # type: ignore[no-untyped-def]
    registry = ProviderRegistry.from_entries(market.provider_entries())
    try:
        entry = run_comparison(db.session, registry, line, auto_profile(), preferences={}, channel="web")
        db.session.commit()
    finally:
        registry.close()
    return entry


class Shelf:
    """A record type of a test's own, kept in memory: what its rule removes is observable."""

    def __init__(self, ages_days: list[int]) -> None:
        self.born = [utcnow() - timedelta(days=age) for age in ages_days]
        self.calls: list[timedelta] = []

    def prune(self, session: Session, now: datetime, keep_for: timedelta) -> int:
        self.calls.append(keep_for)
        old = [moment for moment in self.born if moment < now - keep_for][:2]  # a batch of at most 2
        for moment in old:
            self.born.remove(moment)
        return len(old)

    def rule(self, **changes: object) -> RetentionRule:
        fields = dict(name="test-shelf", label="Test shelf", what="Things on a shelf", how="Thrown away",
                      setting="CANDOR_RETENTION_TEST_SHELF_DAYS", default=10, prune=self.prune)
        fields.update(changes)
        return RetentionRule(**fields)  # type: ignore[arg-type]


def retention_entries() -> list[dict]:
    return [document(entry) for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.kind == "retention").order_by(AuditEntry.index))]


def test_the_shipped_rules_cover_personal_data_provider_replies_and_sessions():
    names = [rule.name for rule in retention.rules()]
    assert names[:3] == ["personal-data", "provider-replies", "staff-sessions"]
    personal = retention.PERSONAL_DATA
    assert personal.setting == "CANDOR_RETENTION_DAYS" and personal.default is None and personal.kept
    assert not retention.PROVIDER_REPLIES.kept and not retention.STAFF_SESSIONS.kept


def test_a_registered_rule_prunes_in_batches_by_its_default_and_the_run_is_logged(app):
    shelf = Shelf([1, 9, 11, 12, 30, 400])
    with registered(shelf.rule()):
        result = app.test_cli_runner().invoke(args=["audit", "retention"])
    assert result.exit_code == 0, result.output
    assert "test-shelf: removed 4 older than 10 days (CANDOR_RETENTION_TEST_SHELF_DAYS)." in result.output
    assert len(shelf.born) == 2 and shelf.calls == [timedelta(days=10)] * 3  # 2, 2, then 0
    assert "personal-data: kept until erased on request (CANDOR_RETENTION_DAYS is not set)." in result.output
    assert "provider-replies: not kept, nothing to remove." in result.output
    with app.app_context():
        [run] = retention_entries()
        assert run["actor"] == {"type": "system", "id": "retention"} and run["channel"] == "system"
        by_rule = {item["rule"]: item for item in run["rules"]}
        assert by_rule["test-shelf"] == {"rule": "test-shelf", "setting": "CANDOR_RETENTION_TEST_SHELF_DAYS",
                                         "keep_for_days": 10, "pruned": 4, "kept": True}
        assert by_rule["personal-data"]["keep_for_days"] is None and by_rule["personal-data"]["pruned"] == 0
        assert by_rule["provider-replies"]["kept"] is False
    assert f"Logged as entry {run['index']}." in result.output
    assert "test-shelf" not in [rule.name for rule in retention.rules()]  # the registry is as it was


def test_a_rules_setting_overrides_its_default(app_with, market):
    shelf = Shelf([1, 3, 9])
    with registered(shelf.rule()):
        application = app_with(CANDOR_RETENTION_TEST_SHELF_DAYS="2")
        result = application.test_cli_runner().invoke(args=["audit", "retention"])
    assert "test-shelf: removed 2 older than 2 days" in result.output and len(shelf.born) == 1


def test_personal_data_is_erased_by_its_rule_and_counted_in_the_run(app_with, market):
    application = app_with(CANDOR_RETENTION_DAYS=30)
    with application.app_context():
        old, recent = compare(market), compare(market)
        db.session.execute(sa.update(PersonalDataKey).where(PersonalDataKey.subject == old.subject)
                           .values(last_used_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    result = application.test_cli_runner().invoke(args=["audit", "retention"])
    assert "personal-data: removed 1 older than 30 days (CANDOR_RETENTION_DAYS)." in result.output
    with application.app_context():
        assert load_result(db.session, old.reference)["erasure"]["by"] == "our retention policy"
        assert load_result(db.session, recent.reference)["profile"] == auto_profile()
        [run] = retention_entries()
        assert {"rule": "personal-data", "setting": "CANDOR_RETENTION_DAYS", "keep_for_days": 30, "pruned": 1,
                "kept": True} in run["rules"]
    again = application.test_cli_runner().invoke(args=["audit", "retention"])
    assert "personal-data: removed 0 older than 30 days" in again.output


def test_a_rule_that_does_not_say_how_many_it_removed_is_refused(app):
    with registered(Shelf([]).rule(prune=lambda session, now, keep_for: None)):
        result = app.test_cli_runner().invoke(args=["audit", "retention"])
    assert result.exit_code != 0 and "must return how many records it removed" in str(result.exception)
    with app.app_context():
        assert retention_entries() == []  # nothing logged for a run that did not finish


def test_registering_is_idempotent_and_refuses_a_clash():
    shelf = Shelf([])
    with registered(shelf.rule()):
        retention.register(shelf.rule())
        with pytest.raises(ValueError, match="already registered"):
            retention.register(shelf.rule(label="Another"))
        with pytest.raises(ValueError, match="already belongs to the rule 'test-shelf'"):
            retention.register(shelf.rule(name="another-shelf"))
    with pytest.raises(ValueError, match="both a setting and a prune, or neither"):
        shelf.rule(prune=None)
    with pytest.raises(ValueError, match="at least 1 day"):
        shelf.rule(default=0)


@pytest.mark.parametrize("raw, message", [("soon", "whole number of days"), ("0", "at least 1 day"),
                                          ("-3", "at least 1 day"), (True, "whole number of days")])
def test_a_bad_period_stops_the_app_naming_the_setting(raw, message):
    with registered(Shelf([]).rule()), pytest.raises(RetentionSettingError, match=message) as raised:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "CANDOR_RETENTION_TEST_SHELF_DAYS": raw})
    assert "CANDOR_RETENTION_TEST_SHELF_DAYS" in str(raised.value)


@pytest.mark.parametrize("raw, days", [(None, None), ("", None), ("  ", None), ("45", 45), (7, 7)])
def test_periods_are_read_as_whole_days_or_keep(raw, days):
    assert retention.parse_days("X", raw) == days


def test_the_policy_page_shows_every_rule_with_its_period(app_with, market):
    shelf = Shelf([])
    with registered(shelf.rule(label="Test shelf records")):
        application = app_with(CANDOR_RETENTION_DAYS=400, CANDOR_RETENTION_TEST_SHELF_DAYS=1)
        page = application.test_client().get("/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for rule_id, label, period in (("personal-data", "Your personal details", "400 days"),
                                   ("provider-replies", "Insurers' and lenders' raw replies", "Not kept"),
                                   ("staff-sessions", "Staff sign-in sessions", "Not kept"),
                                   ("test-shelf", "Test shelf records", "1 day")):
        row = html[html.index(f'id="rule-{rule_id}"'):]
        row = unescape(row[:row.index("</tr>")])
        assert label in row and f"<td>{period}</td>" in row
    assert "Until you ask us to erase it" in app_with().test_client().get("/retention").get_data(as_text=True)
