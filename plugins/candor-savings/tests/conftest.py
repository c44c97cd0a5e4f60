"""The plug-in's tests run on Candor's own fixtures (a real database, the sandbox market over HTTP on
loopback, Chromium): the root tests/conftest.py is not on this folder's path, so they are imported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.browser_support import browser, live_site, page  # noqa: F401  (fixtures)
from tests.conftest import app, client, client_as, database_url, make_app, market  # noqa: F401  (fixtures)


@pytest.fixture
def app_context() -> Iterator[Flask]:
    """A bare request context, for forms."""
    bare = Flask(__name__)
    with bare.test_request_context():
        yield bare
