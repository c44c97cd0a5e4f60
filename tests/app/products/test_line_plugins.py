"""A product line is found through the `candor.products` entry point alone, as a third party's
package would register it: its class, and its own templates under its key."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.products import PRODUCT_LINES, discover_product_lines
from app.products.base import ProductLine
from providers import plugins
from providers.registry import BUILTIN_KINDS

ROOT = Path(__file__).resolve().parents[3]
DUMMY_LINE = '''
from app.products.auto_insurance import AutoInsurance


class DummyLine(AutoInsurance):
    key = "dummy"
    name = "Dummy cover"
    methodology_template = "dummy/methodology.html"
'''


def install_dummy_line(site: Path, entry_points: dict[str, str]) -> None:
    """A distribution as importlib.metadata finds it: a dist-info directory and a package with templates."""
    info = site / "candor_dummy_line-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: candor-dummy-line\nVersion: 1.0\n", encoding="utf-8")
    lines = ["[candor.products]", *(f"{name} = {target}" for name, target in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    package = site / "candor_dummy_line"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(DUMMY_LINE, encoding="utf-8")
    (package / "explodes.py").write_text("raise RuntimeError('this line needs a licence key')\n", encoding="utf-8")
    (package / "templates" / "methodology.html").write_text("<h2 data-dummy>1. What dummy cover ranks</h2>\n",
                                                            encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    install_dummy_line(tmp_path, {
        "dummy": "candor_dummy_line:DummyLine",
        "explodes": "candor_dummy_line.explodes:Line",
        "not_a_line": "decimal:Decimal",
        "misnamed": "candor_dummy_line:DummyLine",
        "auto": "candor_dummy_line:DummyLine",
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("candor_dummy_line")]:
        monkeypatch.delitem(sys.modules, name)


def test_candors_own_lines_and_kinds_are_the_entry_points_its_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert set(declared["candor.products"]) == {"auto", "mortgage", "refinance"} <= set(PRODUCT_LINES)
    assert all(type(PRODUCT_LINES[key]).__name__ == target.split(":")[1]
               for key, target in declared["candor.products"].items())
    assert set(declared["candor.providers"]) == {"quote_protocol", "html_rate_table", "rate_sheet"} == set(BUILTIN_KINDS)
    assert all(kind.kind == name for name, kind in BUILTIN_KINDS.items())


def test_a_line_is_discovered_from_its_entry_point_and_broken_ones_are_named(site: Path) -> None:
    lines, errors = discover_product_lines()
    assert isinstance(lines["dummy"], ProductLine) and lines["dummy"].name == "Dummy cover"
    assert lines["auto"] is not lines["dummy"] and type(lines["auto"]).__name__ == "AutoInsurance"
    problems = {error.key: str(error) for error in errors}
    assert set(problems) == {"explodes", "not_a_line", "misnamed", "auto"}
    assert "this line needs a licence key" in problems["explodes"] and "candor-dummy-line" in problems["explodes"]
    assert "not a ProductLine" in problems["not_a_line"]
    assert "its key is 'dummy'" in problems["misnamed"]
    assert "already provided" in problems["auto"]
    assert "dummy" not in PRODUCT_LINES  # discovering does not change the app's registry


def test_the_app_shows_a_plugin_lines_own_methodology_template(site: Path) -> None:
    """In a fresh interpreter, as a deployment with the plug-in installed would start."""
    script = (
        "from app import create_app\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://',"
        " 'CANDOR_PROVIDERS': []})\n"
        "page = app.test_client().get('/methodology/dummy')\n"
        "print(page.status_code, page.get_data(as_text=True))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("200 ")
    assert "<h2 data-dummy>1. What dummy cover ranks</h2>" in done.stdout and "How we rank dummy cover" in done.stdout


def test_without_the_project_installed_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "entry_points", lambda group: [])
    with pytest.raises(plugins.NotInstalled, match=r"pip install --no-deps -e \."):
        discover_product_lines()
