"""What a web worker loads: the sandbox market and numpy are for the command line only (some 30 MB
a worker would otherwise carry; issue 8 keeps a worker under 150 MB)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import sys
from app import create_app
create_app({"TESTING": True, "SECRET_KEY": "probe", "SQLALCHEMY_DATABASE_URI": "sqlite://", "CANDOR_PROVIDERS": []})
print(" ".join(sorted(name for name in sys.modules if name == "numpy" or name.startswith("providers.sandbox"))))
"""


def test_a_web_worker_loads_neither_the_sandbox_market_nor_numpy() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
