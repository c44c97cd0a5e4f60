"""`flask ranking sweep` against its own in-process sandbox market, and the fairness of the whole
comparison (not just the engine) under renamed providers, a moved house flag and new commissions."""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path

import pytest
from flask import Flask

from app.cli.sweep import SWEEPS, _age_band, disguise, signature
from app.comparison.fetch import gather_quotes
from app.comparison.api import build_result
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from providers.sandbox.sample_profiles import birth_date_for_age
from tests.conftest import make_app

line = get_product_line("auto")


@pytest.fixture
def cli_app(tmp_path: Path):
    app: Flask = make_app(f"sqlite:///{tmp_path / 'sweep.sqlite3'}", [])
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_sweep_ranks_twice_finds_no_mismatch_and_counts_wins_by_segment(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["ranking", "sweep", "--profiles", "6", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "6 profiles ranked twice" in result.output
    assert "Mismatches: 0" in result.output
    wins = re.search(r"Our offer ranked first: (\d+) of (\d+)", result.output)
    assert wins and int(wins.group(1)) <= int(wins.group(2)) <= 6
    rows = re.findall(r"^(age|region|vehicle use)\s+(.+?)\s+(\d+)\s+(\d+)\s+[\d.]+%$", result.output, re.MULTILINE)
    for segment in ("age", "region", "vehicle use"):
        counted = [(int(profiles), int(first)) for name, _, profiles, first in rows if name == segment]
        assert sum(profiles for profiles, _ in counted) == int(wins.group(2))
        assert sum(first for _, first in counted) == int(wins.group(1))
    assert any(group.strip() in ("Northeast", "Midwest", "South", "West") for name, group, _, _ in rows if name == "region")


def test_the_sweep_refuses_what_it_cannot_do(cli_app):
    runner = cli_app.test_cli_runner()
    unknown = runner.invoke(args=["ranking", "sweep", "--profiles", "1", "--product", "spaceships"])
    assert unknown.exit_code == 2 and "unknown product 'spaceships'" in unknown.output
    preset = runner.invoke(args=["ranking", "sweep", "--profiles", "1", "--preset", "sponsored"])
    assert preset.exit_code == 2 and "unknown preset 'sponsored'" in preset.output
    none = runner.invoke(args=["ranking", "sweep", "--profiles", "0"])
    assert none.exit_code == 2


def test_age_bands_are_measured_on_the_day():
    today = utcnow().date()
    assert [_age_band({"driver_birth_date": birth_date_for_age(age, today)}, today)
            for age in (17, 24, 25, 34, 49, 50, 64, 65, 90)] == [
        "under 25", "under 25", "25–34", "25–34", "35–49", "50–64", "50–64", "65 and over", "65 and over"]


def test_shuffled_identities_rank_the_same_offers_the_same_way(market):
    """The whole comparison, on live answers: providers renamed, our flag on another provider,
    different commissions and another input order change nothing the ranking decided; and the
    comparison used to prove it does notice a change."""
    entries = [entry for entry in market.provider_entries() if "auto" in entry["products"]]
    registry = ProviderRegistry.from_entries(entries)
    rng = random.Random(7)
    try:
        for _ in range(4):
            profile = SWEEPS["auto"].profile(rng, utcnow().date())
            outcomes = gather_quotes(registry, registry.for_product("auto"), "auto", profile, deadline_s=3)
            now = utcnow()
            weights = line.preset("balanced").weights
            as_is = build_result(line, profile, outcomes, preset="balanced", weights=weights, now=now, deadline_s=3)
            disguised_outcomes, real_key = disguise(outcomes, rng)
            real_name = {o.config.key: o.config.name for o in outcomes}
            assert any(o.config.name != real_name[real_key[o.config.key]] for o in disguised_outcomes)
            disguised = build_result(line, profile, disguised_outcomes, preset="balanced", weights=weights, now=now,
                                     deadline_s=3)
            assert signature(disguised, real_key.__getitem__) == signature(as_is)
            if len(as_is["ranking"]) >= 2:
                swapped = copy.deepcopy(as_is)
                first, second = swapped["ranking"][:2]
                first["provider"], second["provider"] = second["provider"], first["provider"]
                assert signature(swapped) != signature(as_is)
    finally:
        registry.close()


def test_the_sweep_covers_both_lines_and_every_preset_named_after_a_measure(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["ranking", "sweep", "--profiles", "4", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Auto insurance: 4 profiles ranked twice" in result.output
    assert "Mortgage: 4 profiles ranked twice" in result.output
    # One report per line swept: Candor's two, and any installed beside them with sample customers.
    from app.cli.sweep import _swept_lines

    swept = _swept_lines(None, None)
    assert result.output.count("Named presets whose first offer is not best on their measure: 0") == len(swept) >= 2
    assert "“Lowest cost”: cost a year (price plus expected deductibles), tolerance $1.00 a year; checked on" in result.output
    assert "“Lowest monthly payment”: monthly payment, tolerance $1.00 a month; checked on" in result.output
    assert re.search(r"^loan\s+(15|30)-year (fixed|7/6)\s+\d+", result.output, re.MULTILINE)


def test_a_named_preset_that_breaks_its_promise_fails_the_sweep(cli_app, monkeypatch):
    """Ranked as before measures (the weights alone), “Lowest cost” puts a dearer loan first for
    some buyers: the sweep names them and exits 1."""
    import app.cli.named_presets as named

    def weights_alone(*args, **kwargs):
        return build_result(*args, **kwargs, measures={})

    monkeypatch.setattr(named, "build_result", weights_alone)
    result = cli_app.test_cli_runner().invoke(args=["ranking", "sweep", "--profiles", "12", "--product", "mortgage"])
    assert result.exit_code == 1, result.output
    missed = re.search(r"Named presets whose first offer is not best on their measure: (\d+)", result.output)
    assert missed and int(missed.group(1)) > 0
    assert re.search(r"profile \d+: “Lowest cost” put first an offer \$[\d,.]+ over the years you keep the loan "
                     r"worse on cost while you keep the loan than the best", result.output)


def test_a_line_that_brings_its_own_sample_customers_is_swept_without_the_sweep_knowing_it(monkeypatch):
    """The sweep lists every registered line with sample customers: its own (a plug-in's) or, for
    Candor's two, the table beside their sandbox market."""
    import dataclasses as dc

    from app.cli import sweep as sweep_module
    from app.products import PRODUCT_LINES
    from app.products.base import SampleCustomers

    mortgage = get_product_line("mortgage")
    own = SampleCustomers(profile=SWEEPS["mortgage"].profile, segments={"all": lambda profile, today: "everyone"})

    class OwnCustomers(type(mortgage)):  # type: ignore[misc]
        key = "own_customers"

        def sample_customers(self) -> SampleCustomers:
            return own

    class NoCustomers(type(mortgage)):  # type: ignore[misc]
        key = "no_customers"

    monkeypatch.setitem(PRODUCT_LINES, "own_customers", OwnCustomers())
    monkeypatch.setitem(PRODUCT_LINES, "no_customers", NoCustomers())
    swept = [line.key for line in sweep_module._swept_lines(None, None)]
    assert swept[:2] == ["auto", "mortgage"] and "own_customers" in swept and "no_customers" not in swept
    assert sweep_module.sample_customers(PRODUCT_LINES["own_customers"]) is own
    assert dc.is_dataclass(own) and sweep_module.sample_customers(mortgage) is SWEEPS["mortgage"]
