"""An app with configuration of the test's own, disposed of however the test ends."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from app.db import db
from providers.sandbox.market import SandboxMarket
from tests.conftest import make_app


@pytest.fixture
def configured_app(database_url: str, market: SandboxMarket) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        made.append(make_app(database_url, market.provider_entries(), **overrides))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
