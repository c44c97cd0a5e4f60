"""The line is a plug-in: GET /api/v1/products lists `savings` while the distribution is installed,
and Candor works with its own lines when it is not. The uninstalled case runs in a fresh Python
whose site-packages is this one's without the candor-savings distribution (its dist-info and its
editable-install hook), so nothing of it can be found — the same as after `pip uninstall candor-savings`."""

from __future__ import annotations

import json
import site
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, site, sys, tempfile
site.addsitedir(sys.argv[1])
from importlib.metadata import distributions
from app import create_app
names = sorted({d.metadata["Name"] for d in distributions() if d.metadata["Name"].startswith("candor")})
app = create_app({"TESTING": True, "SECRET_KEY": "probe", "CANDOR_PROVIDERS": [],
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + tempfile.mkdtemp() + "/probe.sqlite3"})
client = app.test_client()
products = [product["key"] for product in client.get("/api/v1/products").get_json()["products"]]
print(json.dumps({"distributions": names, "products": products,
                  "savings_form": client.get("/compare/savings").status_code,
                  "mortgage_form": client.get("/compare/mortgage").status_code,
                  "savings_loaded": "candor_savings" in sys.modules}))
"""


def _is_savings(path: Path) -> bool:
    return "candor_savings" in path.name or path.name.startswith("candor-savings")


def test_installed_the_products_api_lists_savings(client: FlaskClient) -> None:
    listed = [product["key"] for product in client.get("/api/v1/products").get_json()["products"]]
    assert listed == ["auto", "mortgage", "refinance", "savings"]
    savings = next(product for product in client.get("/api/v1/products").get_json()["products"]
                   if product["key"] == "savings")
    assert [preset["key"] for preset in savings["presets"]] == ["balanced", "most_interest", "easy_access"]
    assert savings["presets"][1]["measure"]["tolerance"] == "1.00"


def test_uninstalled_candor_works_with_its_own_lines(tmp_path: Path) -> None:
    [packages] = [Path(path) for path in site.getsitepackages() if Path(path).is_dir()]
    hidden = sorted(entry.name for entry in packages.iterdir() if _is_savings(entry))
    assert hidden, "the plug-in is not installed in this environment, so there is nothing to hide"
    without = tmp_path / "site-packages"
    without.mkdir()
    for entry in packages.iterdir():
        if not _is_savings(entry):
            (without / entry.name).symlink_to(entry)
    done = subprocess.run([sys.executable, "-S", "-c", PROBE, str(without)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"distributions": ["candor"], "products": ["auto", "mortgage", "refinance"], "savings_form": 404,
                    "mortgage_form": 200, "savings_loaded": False}
