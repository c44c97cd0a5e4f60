"""A line's simulated providers come with the line through the `candor.sandbox` entry point, so a
line installed as its own distribution joins the default market without touching a core file."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from providers.sandbox.discovery import discover_sandbox_sets
from providers.sandbox.market import SandboxMarket, auto_market
from providers.sandbox.lenders import mortgage_lenders
from providers.sandbox.refinance_lenders import refinance_lenders

ROOT = Path(__file__).resolve().parents[2]
SAVINGS_BANKS = '''
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class SavingsBank:
    key: str
    name: str = "Dummy Savings Bank"
    house: bool = False
    commission: str = "none"
    products: tuple = ("savings",)
    latency_s: float = 0.0
    error_rate: float = 0.0
    seed: int = 1

    @property
    def error_seed(self):
        return self.seed

    def wsgi_app(self, state):
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"bank": self.key, "apy": "4.10"}).encode()]
        return app

    def provider_entry(self, url, timeout_s):
        return {"key": self.key, "name": self.name, "adapter": "savings_rates", "products": list(self.products),
                "house": self.house, "timeout_s": timeout_s, "commission": self.commission, "url": url}


def savings_banks():
    return [SavingsBank("dummy-savings")]


def not_participants():
    return ["a string is not a bank"]
'''


@pytest.fixture
def savings_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution as importlib.metadata finds it, on a temporary path that leaves with the test."""
    info = tmp_path / "candor_dummy_savings-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: candor-dummy-savings\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[candor.sandbox]\n"
        "dummy = candor_dummy_savings:savings_banks\n"
        "explodes = candor_dummy_savings.missing:banks\n"
        "strings = candor_dummy_savings:not_participants\n"
        "auto = candor_dummy_savings:savings_banks\n", encoding="utf-8")
    (tmp_path / "candor_dummy_savings").mkdir()
    (tmp_path / "candor_dummy_savings" / "__init__.py").write_text(SAVINGS_BANKS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("candor_dummy_savings")]:
        monkeypatch.delitem(sys.modules, name)


def test_candors_own_sandbox_sets_are_the_entry_points_its_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert declared["candor.sandbox"] == {"auto": "providers.sandbox.market:auto_market",
                                          "mortgage": "providers.sandbox.lenders:mortgage_lenders",
                                          "refinance": "providers.sandbox.refinance_lenders:refinance_lenders"}
    sets, errors = discover_sandbox_sets()
    # Candor's own first; a line installed beside it (plugins/candor-savings, when installed) after them.
    assert errors == [] and list(sets)[:3] == ["auto", "mortgage", "refinance"]
    own = [p.key for p in [*auto_market(), *mortgage_lenders(), *refinance_lenders()]]
    assert [p.key for p in SandboxMarket().specs][:len(own)] == own


def test_a_plug_in_lines_banks_join_the_default_market_and_broken_sets_are_named(savings_line: Path) -> None:
    sets, errors = discover_sandbox_sets()
    assert list(sets)[:2] == ["auto", "mortgage"] and "dummy" in sets
    problems = {error.key: str(error) for error in errors}
    assert set(problems) == {"explodes", "strings", "auto"}
    assert "candor-dummy-savings" in problems["explodes"] and "ModuleNotFoundError" in problems["explodes"]
    assert "not a market participant" in problems["strings"]
    assert "already provided" in problems["auto"]
    with SandboxMarket(overrides={"tortoise": {"latency_s": 0.0}}) as market:
        keys = [spec.key for spec in market.specs]
        assert keys[0] == "harbor" and "dummy-savings" in keys
        entry = next(each for each in market.provider_entries() if each["key"] == "dummy-savings")
        assert entry["adapter"] == "savings_rates" and entry["url"] == market.urls["dummy-savings"]
        assert entry["url"].startswith("http://127.0.0.1:")
        answer = requests.get(entry["url"], timeout=5)
    assert answer.json() == {"bank": "dummy-savings", "apy": "4.10"}


def test_the_plug_in_leaves_with_its_path() -> None:
    assert "dummy" not in discover_sandbox_sets()[0]
