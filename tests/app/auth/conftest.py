"""An app with configuration of the test's own, disposed of however the test ends."""

from collections.abc import Callable

import pytest
from flask import Flask

from providers.sandbox.market import SandboxMarket


@pytest.fixture
def configured_app(make_apps: Callable[..., Flask], market: SandboxMarket) -> Callable[..., Flask]:
    """configured_app(**settings) -> the app with the sandbox market's providers and these settings."""
    return lambda **overrides: make_apps(market.provider_entries(), **overrides)
