"""The comparison service against the sandbox market over real HTTP."""

import json
import socket
import time
from decimal import Decimal

import sqlalchemy as sa

from app.audit.log import document
from app.audit.personal import reveal
from app.comparison.derived import with_personal
from app.audit.models import AuditEntry
from app.audit.canonical import loggable
from app.comparison.api import load_result, replay, rerank, run_comparison
from app.db import db
from app.products import get_product_line
from providers.registry import ProviderRegistry
from providers.sandbox.market import SandboxMarket
from tests.factories import auto_profile

line = get_product_line("auto")


def compare(registry, profile=None, **kwargs):
    entry = run_comparison(db.session, registry, line, profile or auto_profile(),
                           preferences=kwargs.pop("preferences", {}), channel="web", **kwargs)
    db.session.commit()
    return load_result(db.session, entry.reference)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_insurer_is_asked_and_the_result_is_the_log_entry(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        result = compare(registry)
        assert {p["provider"] for p in result["providers"]} == {
            entry["key"] for entry in market.provider_entries() if "auto" in entry["products"]}
        assert result["ranking"], "some insurer must quote the example profile"
        ranks = [offer["rank"] for offer in result["ranking"]]
        assert ranks == sorted(ranks) and ranks[0] == 1
        scores = [Decimal(offer["score"]) for offer in result["ranking"]]
        assert scores == sorted(scores, reverse=True)
        assert result["recommended"]["provider"] == result["ranking"][0]["provider"]
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.reference == result["reference"]))
        logged = with_personal(document(entry), reveal(db.session, document(entry)).data)
        assert entry.kind == "recommendation" and logged["ranking"] == result["ranking"]
        assert result["leaf_hash"] == entry.leaf_hash.hex()
        registry.close()


def test_keystones_six_month_premium_is_ranked_per_year(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        result = compare(registry)
        keystone = next(offer for offer in result["ranking"] + result["excluded"] if offer["provider"] == "keystone")
        raw = next(p for p in result["providers"] if p["provider"] == "keystone")["quotes"][0]["terms"]
        assert raw["term_months"] == 6
        assert keystone["facts"]["annual_premium"] == f"${Decimal(raw['premium']) * 2:,.2f}"
        registry.close()


def test_declines_exclusions_and_the_house_notice(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        # Pioneer declines more than 2 at-fault accidents; Acme offers less than 250/500/250.
        result = compare(registry, auto_profile(at_fault_accidents_5y=3, liability_limits="250/500/250"))
        failures = {f["provider"]: f for f in result["failures"]}
        assert failures["pioneer"]["kind"] == "declined"
        assert failures["pioneer"]["message"] == "declined to quote"
        excluded = {e["provider"]: e["reason"] for e in result["excluded"]}
        assert "lower than the 250/500/250 you asked for" in excluded["acme"]
        if result["house"]["best"]:
            assert result["explanation"]["house_standing"] in ("first", "shared_first")
        else:
            assert result["explanation"]["house_notice"]
        registry.close()


def test_the_house_loses_for_some_profiles_and_says_by_how_much(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        profiles = [auto_profile(driver_birth_date=f"{year}-06-01", years_licensed=min(20, 2026 - year - 17),
                                 annual_mileage=mileage, zip_code=zip_code)
                    for year in (1960, 1985, 2004) for mileage in (4000, 20000) for zip_code in ("10001", "59001")]
        results = [compare(registry, profile) for profile in profiles]
        losing = [r for r in results if r["ranking"] and not r["house"]["best"]]
        assert losing, "the sandbox market must beat the house for some profiles"
        for result in losing:
            top = result["ranking"][0]
            assert result["explanation"]["house_notice"].startswith(f"{top['provider_name']} fits you better than our offer")
            if result["house"]["rank"] is not None:
                ours = next(offer for offer in result["ranking"] if offer["house"])
                assert any("cheaper to rank first" in sentence for sentence in ours["why"])
        registry.close()


def test_an_unreachable_provider_is_reported_and_the_others_still_rank(app, market):
    with app.app_context():
        entries = market.provider_entries() + [{
            "key": "ghost", "name": "Ghost Insurance", "adapter": "quote_protocol", "products": ["auto"],
            "house": False, "timeout_s": 1.0, "commission": "", "url": f"http://127.0.0.1:{closed_port()}",
        }]
        registry = ProviderRegistry.from_entries(entries)
        result = compare(registry)
        ghost = next(f for f in result["failures"] if f["provider"] == "ghost")
        assert ghost["kind"] == "unavailable" and ghost["message"] == "could not be reached"
        assert result["ranking"]
        registry.close()


def test_a_provider_slower_than_the_deadline_did_not_answer_in_time(app):
    # The slow provider takes 30 s: a comparison that waited for it could not end within 10 s, however
    # loaded the machine (its deadline is 0.8 s; stopping the market wakes the sleeping request).
    with SandboxMarket(overrides={"tortoise": {"latency_s": 30.0}}) as slow_market, app.app_context():
        registry = ProviderRegistry.from_entries(slow_market.provider_entries())
        started = time.monotonic()
        result = compare(registry, deadline_s=0.8)
        elapsed = time.monotonic() - started
        tortoise = next(f for f in result["failures"] if f["provider"] == "tortoise")
        assert tortoise == {"provider": "tortoise", "provider_name": "Tortoise & Co", "house": False,
                            "kind": "timeout", "message": "did not answer in time"}
        assert elapsed < 10, "the comparison must not wait for the slow provider"
        assert result["ranking"]
        registry.close()


def test_the_ranking_never_sees_who_made_an_offer(app, market):
    """Renaming every provider and moving the house flag changes nothing in the order of offers."""
    with app.app_context():
        entries = market.provider_entries()
        renamed = [{**entry, "key": f"p{n}", "name": f"Provider {n}", "house": entry["key"] == "acme",
                    "commission": "50% of everything"} for n, entry in enumerate(reversed(entries))]
        original = compare(ProviderRegistry.from_entries(entries))
        disguised = compare(ProviderRegistry.from_entries(renamed))
        key_of = {f"p{n}": entry["key"] for n, entry in enumerate(reversed(entries))}

        def shape(result, mapping=lambda key: key):
            return [(mapping(o["provider"]), o["rank"], o["score"], o["values"]) for o in result["ranking"]]

        assert shape(disguised, key_of.__getitem__) == shape(original)


def test_replaying_a_logged_result_gives_the_same_ranking(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        result = compare(registry, auto_profile(at_fault_accidents_5y=1))
        replayed = replay(line, result)
        for key in ("ranking", "excluded", "failures", "recommended", "house", "explanation"):
            assert json.loads(json.dumps(loggable(replayed[key]))) == result[key], key
        registry.close()


def test_reranking_logs_a_new_entry_under_the_same_reference(app, market):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        first = compare(registry)
        entry = rerank(db.session, line, first, preferences={"preset": "best_service"}, channel="web")
        db.session.commit()
        second = load_result(db.session, first["reference"])
        assert entry.kind == "re-rank" and second["index"] == first["index"] + 1
        assert second["preferences"]["preset"] == "best_service"
        assert second["reranks"] == first["index"]
        assert sorted(o["quote_id"] for o in second["ranking"]) == sorted(o["quote_id"] for o in first["ranking"])
        registry.close()
