"""pyflakes over the whole tree: an undefined name or an unused import fails the suite here rather
than a benchmark or a page later. Imports kept on purpose (pytest fixtures pulled into a module)
carry `# noqa` on their line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["app", "providers", "serving", "bench", "tests", "migrations", "examples", "tools", "wsgi.py", "gunicorn.conf.py"]
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):\d+:? (?P<message>.*)$")
REDEFINED = re.compile(r"redefinition of unused '[^']+' from line (?P<line>\d+)")


def _source_line(path: str, number: int) -> str:
    return (ROOT / path).read_text(encoding="utf-8").splitlines()[number - 1]


def _kept_on_purpose(path: str, number: int, message: str) -> bool:
    redefined = REDEFINED.search(message)
    if redefined:
        number = int(redefined["line"])
    elif "imported but unused" not in message:
        return False
    return "# noqa" in _source_line(path, number)


def test_pyflakes_finds_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "pyflakes", *CHECKED], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert not result.stderr.strip(), result.stderr
    findings = []
    for line in result.stdout.splitlines():
        match = FINDING.match(line)
        assert match, f"unexpected pyflakes output: {line}"
        if not _kept_on_purpose(match["path"], int(match["line"]), match["message"]):
            findings.append(line)
    assert not findings, "\n".join(findings)
