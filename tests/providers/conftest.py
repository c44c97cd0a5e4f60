"""Fixtures for the provider tests: loopback servers from the conformance kit's plugin."""

from providers.testing.plugin import closed_port, faulty, loopback  # noqa: F401 - pytest fixtures
