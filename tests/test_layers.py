"""The layers of docs/design.md, enforced: the contracts in .importlinter run with the suite, so an
import that runs uphill, brings the sandbox into the application or closes a cycle fails here,
naming the import. The other tests show each contract failing on a copy of the tree with one bad
import added, so that a contract which had stopped checking anything would be noticed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ".importlinter"
PACKAGES = ("app", "providers", "serving", "bench")
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], limit_to_contracts=tuple(sys.argv[2:]), "
        "no_cache=True, no_logo=True))")
LAYERS = (
    "bench",
    "app.cli",
    "app.complaints | app.quality",
    "app.admin | app.advisor | app.api | app.compliance | app.shop | app.verify | app.policy | app.health | app.errors | app.tiles",
    "app.web",
    "app.auth | app.provider_registry",
    "app.comparison",
    "app.audit",
    "app.db",
    "app.products",
    "app.ranking | providers",
    "app.formatting | app.security",
    "app.money | app.config | app.actors | app.request_ids",
)


def lint(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LINT, str(root / CONFIG), *contracts], cwd=root,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "500"})


def test_every_import_keeps_the_contracts() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout, result.stdout


def test_the_contract_states_the_layers_of_the_design_in_order() -> None:
    contracts = read_configuration(str(ROOT / CONFIG))["contracts_options"]
    layers = next(contract for contract in contracts if contract["type"] == "layers")
    assert tuple(layers["layers"]) == LAYERS
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    places = [design.find(f"\n{layer}  ") for layer in LAYERS]
    assert -1 not in places, [layer for layer, place in zip(LAYERS, places) if place == -1]
    assert places == sorted(places), "docs/design.md lists the layers in another order than .importlinter"


def test_every_part_of_the_application_has_its_layer() -> None:
    """A module or package of app in no layer would be checked by no layer contract."""
    layered = {name.strip() for layer in LAYERS for name in layer.split("|")}
    parts = {f"app.{path.stem}" for path in (ROOT / "app").iterdir()
             if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()}
    assert parts - layered == set(), "add these to a layer in .importlinter and docs/design.md"


def test_nothing_inside_the_application_imports_create_app() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert {importer for importer in graph.find_modules_that_directly_import("app")
            if not importer.startswith("bench.")} == set()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the Python source and the contracts, to break."""
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            copy = tmp_path / source.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    shutil.copyfile(ROOT / CONFIG, tmp_path / CONFIG)
    return tmp_path


@pytest.mark.parametrize(("module", "bad_import", "contract", "named"), [
    ("app/ranking/engine.py", "from app.comparison import result", "layers",
     "app.ranking is not allowed to import app.comparison"),
    ("app/audit/log.py", "from app.auth import access", "layers", "app.audit is not allowed to import app.auth"),
    ("app/shop/routes.py", "from app.api import comparisons", "layers", "app.shop is not allowed to import app.api"),
    ("app/ranking/measure.py", "import flask", "pure-ranking", "app.ranking is not allowed to import flask"),
    ("providers/base.py", "from app import money", "standalone", "providers is not allowed to import app"),
    ("app/shop/view.py", "from providers.sandbox import sample_profiles", "sandbox",
     "app is not allowed to import providers.sandbox"),
    ("app/comparison/bounds.py", "from app.comparison import settle", "acyclic",
     "No cycles are allowed in app.comparison"),
])
def test_each_contract_fails_on_a_bad_import(tree: Path, module: str, bad_import: str, contract: str,
                                              named: str) -> None:
    assert lint(tree, contract).returncode == 0
    with (tree / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{bad_import}  # added by tests/test_layers.py\n")
    result = lint(tree, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert named in result.stdout, result.stdout
