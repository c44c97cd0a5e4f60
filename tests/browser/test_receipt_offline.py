"""The done-when of issue 18 §5: a shopper downloads the receipt of their comparison in a real
Chromium, and it verifies with candor-verify installed into a fresh virtualenv that holds nothing
but candor-verify and cryptography (with cryptography's own dependencies) — nothing of Candor's.
The same file, with one byte of the entry changed, is refused."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.audit import current_keys
from tests.browser.test_shopper_auto import fill_profile
from tests.browser_support import LiveSite
from tests.tools.conftest import PACKAGE

pytestmark = pytest.mark.browser

# What `pip install candor-verify` may bring: the package, cryptography, and what cryptography needs.
ALLOWED = {"candor-verify", "cryptography", "cffi", "pycparser", "pip", "setuptools"}


def fresh_virtualenv_with_candor_verify(where: Path) -> Path:
    """A new virtualenv (no system site-packages) with candor-verify built from the repository and
    its one dependency installed by pip from the package registry; returns its bin folder."""
    wheels = where / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(wheels), str(PACKAGE)], check=True, cwd=where)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(wheels.glob("candor_verify-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   cwd=where, env=_clean_environment())
    return venv / "bin"


def _clean_environment() -> dict[str, str]:
    """The environment without anything that would let the venv see this checkout."""
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_a_downloaded_receipt_verifies_with_nothing_but_candor_verify(live_site: LiveSite, page: Page, tmp_path):
    page.goto(f"{live_site.url}/compare/auto")
    fill_profile(page)
    page.get_by_role("button", name="Compare quotes").click()
    expect(page.get_by_role("heading", name="Your auto insurance comparison")).to_be_visible()
    reference = page.locator("[data-reference]").first.inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the proof").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{reference}-entry-") and download.suggested_filename.endswith(
        ".tlog-proof")
    receipt = tmp_path / download.suggested_filename
    download.save_as(receipt)
    with live_site.app.app_context():
        (tmp_path / "verifier.key").write_text(current_keys().verifier.verifier_key + "\n")

    bin_folder = fresh_virtualenv_with_candor_verify(tmp_path)
    listed = subprocess.run([str(bin_folder / "python"), "-m", "pip", "list", "--format=json"], check=True,
                            capture_output=True, text=True, cwd=tmp_path).stdout
    installed = {package["name"].lower() for package in json.loads(listed)}
    assert {"candor-verify", "cryptography"} <= installed <= ALLOWED, installed
    no_candor = subprocess.run([str(bin_folder / "python"), "-c", "import app"], capture_output=True, text=True,
                               cwd=tmp_path, env=_clean_environment())
    assert no_candor.returncode == 1 and "No module named 'app'" in no_candor.stderr

    checked = subprocess.run([str(bin_folder / "candor-verify"), str(receipt), "--key", "verifier.key"],
                             capture_output=True, text=True, cwd=tmp_path, env=_clean_environment())
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"Verified: {receipt}")
    assert f"A recommendation, reference {reference}" in checked.stdout

    lines = receipt.read_text().split("\n")
    leaf = base64.b64decode(lines[1].removeprefix("extra "))
    assert b'"channel":"web"' in leaf
    lines[1] = "extra " + base64.b64encode(leaf.replace(b'"web"', b'"WEB"', 1)).decode()
    tampered = tmp_path / "tampered.tlog-proof"
    tampered.write_text("\n".join(lines))
    refused = subprocess.run([str(bin_folder / "candor-verify"), str(tampered), "--key", "verifier.key"],
                             capture_output=True, text=True, cwd=tmp_path, env=_clean_environment())
    assert refused.returncode == 1 and "does not lead to the checkpoint's root hash" in refused.stderr
