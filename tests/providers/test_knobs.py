"""Making the sandbox market slow or broken on purpose: knobs, decline rules, faults, the CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import requests

from providers.sandbox.__main__ import main as sandbox_main
from providers.sandbox.knobs import decline_rule, parse_knobs
from providers.sandbox.market import SandboxMarket, auto_insurers
from providers.sandbox.profile import parse_auto_profile
from providers.sandbox.sample_profiles import birth_date_for_age, example_auto_profile

TODAY = date(2026, 11, 23)


def profile(**changes: Any) -> Any:
    return parse_auto_profile(example_auto_profile(**changes), TODAY)


def test_knobs_are_read_from_the_command_line_form() -> None:
    assert parse_knobs(["tortoise.latency_s=4", "acme.error_rate=0.5", "acme.fault=malformed_json",
                        "pioneer.decline=driver_age < 30"]) == {
        "tortoise": {"latency_s": 4}, "acme": {"error_rate": 0.5, "fault": "malformed_json"},
        "pioneer": {"decline": "driver_age < 30"}}
    with pytest.raises(ValueError, match="provider.knob=value"):
        parse_knobs(["tortoise latency 4"])


def test_decline_rules_read_like_conditions() -> None:
    rule = decline_rule("driver_age < 25 or vehicle_use == business")
    assert rule(profile(driver_birth_date=birth_date_for_age(22, TODAY), years_licensed=4)) == "We do not insure applicants where driver_age < 25."
    assert rule(profile(vehicle_use="business")) is not None
    assert rule(profile()) is None
    assert decline_rule("always")(profile()) and decline_rule("never")(profile()) is None
    with pytest.raises(ValueError):
        decline_rule("credit_score < 600")
    with pytest.raises(ValueError):
        decline_rule("whenever it rains")


def test_a_decline_rule_can_be_set_as_text_on_an_insurer() -> None:
    with SandboxMarket(auto_insurers()[:1], overrides={"harbor": {"decline": "always"}}) as market:
        body = {"protocol": "candor-quote/1", "product": "auto", "request_id": "r", "profile": example_auto_profile()}
        reply = requests.post(f"{market.urls['harbor']}/quotes", json=body, timeout=5).json()
    assert reply["declined"]["reason"] == "We are not taking on new customers at the moment."


def test_a_fault_knob_breaks_that_insurer_only() -> None:
    with SandboxMarket(auto_insurers()[:2], overrides={"acme": {"fault": "status_500"}}) as market:
        body = {"protocol": "candor-quote/1", "product": "auto", "request_id": "r", "profile": example_auto_profile()}
        assert requests.post(f"{market.urls['acme']}/quotes", json=body, timeout=5).status_code == 500
        assert requests.post(f"{market.urls['harbor']}/quotes", json=body, timeout=5).status_code == 200


@pytest.mark.parametrize("knob", ["acme.fault=gremlins", "nobody.latency_s=1", "lighthouse.layout=1999"])
def test_the_command_refuses_bad_knobs_before_starting(knob: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert sandbox_main(["--set", knob]) == 2
    assert "python -m providers.sandbox:" in capsys.readouterr().err
