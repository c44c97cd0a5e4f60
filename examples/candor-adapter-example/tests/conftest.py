pytest_plugins = ["providers.testing.plugin"]
