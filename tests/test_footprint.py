"""What a web worker loads: the sandbox market and numpy are for the command line only (some 30 MB
a worker would otherwise carry), and so are Alembic and Flask-Migrate with their Mako and Pygments
(some 11 MB) and requests, which only the witnesses' and tiles' clients use (4 MB): issue 19 asks for
a worker of at most 100 MB resident."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
COMMAND_LINE_ONLY = ("numpy", "providers.sandbox", "alembic", "flask_migrate", "mako", "pygments", "requests")
PROBE = f"""
import sys
from app import create_app
create_app({{"TESTING": True, "SECRET_KEY": "probe", "SQLALCHEMY_DATABASE_URI": "sqlite://", "CANDOR_PROVIDERS": []}})
print(" ".join(sorted(name for name in sys.modules
                      if any(name == package or name.startswith(package + ".") for package in {COMMAND_LINE_ONLY!r}))))
"""


def test_a_web_worker_loads_nothing_only_the_command_line_needs() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_migration_commands_are_there_when_asked_for(app: Flask) -> None:
    """`flask db` is bound on first use, with its own options and every command."""
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0, listed.output
    assert "--directory" in listed.output and "upgrade" in listed.output and "downgrade" in listed.output
    current = runner.invoke(args=["db", "current"])
    assert current.exit_code == 0, current.output
    assert app.extensions["migrate"].directory.endswith("migrations")
