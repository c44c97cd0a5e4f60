"""The example third-party adapter package, installed with pip, found through its entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.comparison.api import load_result, run_comparison
from app.db import db
from app.products import get_product_line
from providers.registry import ProviderRegistry, discover_kinds
from providers.sandbox.market import SandboxMarket
from tests.factories import auto_profile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "candor-adapter-example"
KIND = "example_pricing_api"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package as pip installs it, into a directory of its own (not this virtualenv)."""
    target = tmp_path_factory.mktemp("site")
    # setuptools builds inside the source tree (build/, *.egg-info): build a copy, not the checkout.
    source = tmp_path_factory.mktemp("source") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(source)],
        check=True, cwd=source, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, timeout=120,
    )
    return target


@pytest.fixture
def on_path(installed: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(installed))
    yield installed
    for name in [name for name in sys.modules if name.startswith("candor_adapter_example")]:
        monkeypatch.delitem(sys.modules, name)


def python(*code: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), str(ROOT)])}
    return subprocess.run([sys.executable, *code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_pip_installs_it_with_its_entry_point(installed: Path) -> None:
    [dist_info] = installed.glob("candor_adapter_example-*.dist-info")
    assert f"{KIND} = candor_adapter_example:ExamplePricingAdapter" in (dist_info / "entry_points.txt").read_text()


def test_its_adapter_quotes_in_a_real_comparison(on_path: Path, app: Flask, market: SandboxMarket,
                                                 loopback: Any) -> None:
    from candor_adapter_example.fake_service import sunrise_api  # importable only once installed

    assert KIND in discover_kinds()[0]
    sunrise = loopback(sunrise_api())
    entries = [*market.provider_entries(), {
        "key": "sunrise", "name": "Sunrise Insurance", "adapter": KIND, "products": ["auto"], "timeout_s": 2,
        "commission": "5% of the first year's premium", "url": sunrise.url, "financial_strength": "A-",
        "claims_satisfaction": 822, "complaint_index": "0.95"}]
    registry = ProviderRegistry.from_entries(entries)
    with app.app_context():
        entry = run_comparison(db.session, registry, get_product_line("auto"), auto_profile(), preferences={},
                               channel="web", deadline_s=3)
        db.session.commit()
        result = load_result(db.session, entry.reference)
    registry.close()
    assert "sunrise" in {offer["provider"] for offer in result["ranking"] + result["excluded"]}
    assert "sunrise" not in {failure["provider"] for failure in result["failures"]}


def test_a_fresh_process_finds_it_and_its_tests_pass_the_conformance_kit(installed: Path) -> None:
    run = python("-m", "pytest", "-v", "-p", "no:cacheprovider", str(EXAMPLE / "tests"), path=installed)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_candor_finds_the_adapter_through_its_entry_point PASSED" in run.stdout
    assert "TestConformance::test_a_working_provider_gives_offers_candor_can_judge_and_record PASSED" in run.stdout
