"""One orchestration: the progress events a streamed page shows come from the same run that logs
the result, one event per provider as it settles, then the ranking, then the log entry."""

from app.comparison.api import ProviderSettled, RankingStarted, compare, finish, load_result
from app.db import db
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_profile

line = get_product_line("auto")


def test_each_provider_settles_once_before_the_ranking_and_the_log_entry(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        comparing = compare(db.session, registry, line, auto_profile(), preferences={}, channel="web",
                            deadline_s=5.0, reference="CND-TEST-0RCH")
        events = []
        while not isinstance(event := next(comparing), RankingStarted):
            assert isinstance(event, ProviderSettled)
            events.append(event)
        entry = finish(comparing)
        db.session.commit()
        configs = registry.for_product(line.key)
        assert sorted(e.outcome.config.key for e in events) == sorted(c.key for c in configs)
        assert [e.total for e in events] == [len(configs)] * len(configs)
        answered = [e.outcome.state in ("answered", "declined") for e in events]
        assert [e.answered for e in events] == [sum(answered[:n]) for n in range(1, len(events) + 1)]
        assert (event.answered, event.total) == (sum(answered), len(configs))
        result = load_result(db.session, "CND-TEST-0RCH")
        assert entry.reference == "CND-TEST-0RCH" and result is not None
        # Logged in the providers' configured order, whatever order they answered in.
        assert [p["provider"] for p in result["providers"]] == [c.key for c in configs]
        registry.close()
