"""The compliance integrity page's Witnesses section, in Chromium with axe, against a real witness
process: before and after `flask audit cosign`, and at phone width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.audit.cosignature import WitnessKey
from app.audit.keys import current_keys
from app.audit.witnesses import Witness, configure
from app.cli.witness_process import start_witness
from providers.sandbox.market import SandboxMarket
from tests.app.audit.conftest import add_many
from tests.browser_support import PHONE, assert_accessible, assert_fits_a_phone, running_site, sign_in
from tests.conftest import add_user

pytestmark = pytest.mark.browser


def test_the_witnesses_section_tells_who_cosigned_what(page: Page, tmp_path: Path, market: SandboxMarket) -> None:
    with running_site(tmp_path / "site.sqlite3", market) as site:
        app = site.app
        with app.app_context():
            log_key = current_keys().verifier.verifier_key
            add_many(7)
        add_user(app, "officer@example.com", "compliance")
        with start_witness(tmp_path / "witness", "witness.test/w1", [log_key]) as witness:
            configure(app, (Witness(witness.url, WitnessKey.from_verifier_key(witness.verifier_key)),))
            sign_in(page, site.url, "officer@example.com")
            page.goto(f"{site.url}/compliance/integrity")
            section = page.locator("section[aria-labelledby=witnesses-heading]")
            expect(section.get_by_role("row")).to_have_count(2)
            expect(section).to_contain_text("none yet")
            assert_accessible(page)

            result = app.test_cli_runner().invoke(args=["audit", "cosign"])
            assert result.exit_code == 0, result.output
            page.reload()
            expect(section.locator(".proof-badge")).to_contain_text("1 of 1 witnesses have cosigned the latest checkpoint")
            expect(section.get_by_role("row").nth(1)).to_contain_text("(the latest)")
            expect(section).to_contain_text(witness.verifier_key)
            expect(page.locator("pre.checkpoint").first).to_contain_text("— witness.test/w1 ")
            assert_accessible(page)
            page.set_viewport_size(PHONE)
            assert_fits_a_phone(page)
            assert_accessible(page)
