"""Limits as habits: a module a newcomer can read in one sitting (400 lines), a function that fits on a
screen (50 lines), and no block of six or more lines copied between application modules. Each failure
names every offender with its size, so the fix starts from the message rather than a search."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = [name for name in ("app", "providers", "serving", "plugins") if (ROOT / name).is_dir()]
MODULE_LIMIT = 400
FUNCTION_LIMIT = 50

# Data tables aside: a literal table is read by scanning, not by following logic, so splitting it would
# only scatter it. Keys are "path" (a whole module) or "path::qualified.name" (one function); each entry
# says why. An entry that no longer exceeds its limit fails the test, so the list cannot outgrow its use.
DATA_TABLES: dict[str, str] = {}


def _application_modules() -> list[Path]:
    return sorted(path for root in APPLICATION for path in (ROOT / root).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, first line, length in lines) of every function, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{node.name}"
            yield name, node.lineno, node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def _oversized() -> tuple[list[str], set[str]]:
    """Offending lines for the failure message, and the data-table keys that were actually needed."""
    offenders, used = [], set()
    for path in _application_modules():
        module = _relative(path)
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MODULE_LIMIT:
            if module in DATA_TABLES:
                used.add(module)
            else:
                offenders.append(f"{module}: module of {lines} lines (limit {MODULE_LIMIT})")
        for name, first_line, length in _functions(ast.parse(source, filename=module)):
            key = f"{module}::{name}"
            if length <= FUNCTION_LIMIT:
                continue
            if key in DATA_TABLES:
                used.add(key)
            else:
                offenders.append(f"{module}:{first_line} {name}: function of {length} lines (limit {FUNCTION_LIMIT})")
    return offenders, used


def test_no_module_or_function_is_over_its_limit() -> None:
    offenders, _ = _oversized()
    assert not offenders, f"{len(offenders)} over the size limits (split by job):\n" + "\n".join(offenders)


def test_every_data_table_allowance_is_still_needed() -> None:
    _, used = _oversized()
    stale = sorted(set(DATA_TABLES) - used)
    assert not stale, "these allowances no longer exceed a limit; remove them:\n" + "\n".join(stale)


def test_the_size_check_sees_nested_functions_and_methods() -> None:
    source = "class Box:\n    def outer(self):\n        def inner():\n            pass\n        return inner\n"
    found = {name: (first, length) for name, first, length in _functions(ast.parse(source))}
    assert found == {"Box.outer": (2, 4), "Box.outer.inner": (3, 2)}


SIMILAR = re.compile(r"R0801: Similar lines in \d+ files\n(?P<block>(?:==.*\n)+(?:(?!\S+:\d+:\d+: ).*\n)*)")


def test_no_block_of_six_lines_is_repeated_between_application_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pylint", "--disable=all", "--enable=duplicate-code", "--min-similarity-lines=6",
         "--ignore-imports=yes", "--ignore-docstrings=yes", "--ignore-comments=yes", "--recursive=y",
         "--score=no", "--persistent=no", *APPLICATION],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    # pylint's exit status is a bit field; 8 means "refactor messages", which duplicate-code is.
    assert result.returncode in (0, 8), result.stdout + result.stderr
    copies = [match["block"].rstrip() for match in SIMILAR.finditer(result.stdout)]
    assert result.returncode == 0 or copies, result.stdout
    assert not copies, f"{len(copies)} repeated blocks (reuse one copy):\n\n" + "\n\n".join(copies)
