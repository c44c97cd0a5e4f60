"""Limits as habits: a module a newcomer can read in one sitting (400 lines), a function that fits on a
screen (50 lines), and no block of more than six lines copied between application modules (pylint's
duplicate-code check at --min-similarity-lines=6, which reports a copy longer than six lines). Each
failure names every offender with its size, so the fix starts from the message rather than a search."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from pylint.checkers.symilar import LineSet, Symilar

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


@cache
def _parsed(path: Path) -> tuple[list[str], ast.Module]:
    """A module's lines (as a text file reads them, the way pylint's Symilar does) and its tree,
    parsed once for every check in this module."""
    with path.open(encoding="utf-8") as stream:
        lines = stream.readlines()
    return lines, ast.parse("".join(lines), filename=_relative(path))


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
        source_lines, tree = _parsed(path)
        lines = len(source_lines)
        if lines > MODULE_LIMIT:
            if module in DATA_TABLES:
                used.add(module)
            else:
                offenders.append(f"{module}: module of {lines} lines (limit {MODULE_LIMIT})")
        for name, first_line, length in _functions(tree):
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


SIMILAR_LINES = 6


def _lines_pylint_leaves_out(tree: ast.Module) -> set[int]:
    """The lines pylint's duplicate-code check ignores with ignore-imports and ignore-signatures
    (on by default there), found with the standard library's parser: astroid's took 25 of the old
    check's 26 seconds. astroid's shape is kept: a function's signature runs from its first
    decorator to its first statement after the docstring (to its end when the docstring is all it
    holds), and only functions directly in a module, class or function body have one."""
    ignored: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            ignored.update(range(node.lineno, node.end_lineno + 1))

    def leave_out_signatures(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                statements = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
                ignored.update(range(first, statements[0].lineno if statements else node.end_lineno + 1))
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                leave_out_signatures(node.body)

    leave_out_signatures(tree.body)
    return ignored


def _repeated_blocks(modules: dict[str, tuple[list[str], ast.Module]]) -> list[str]:
    """pylint's duplicate-code findings (R0801) with --min-similarity-lines=6 and comments,
    docstrings, imports and signatures ignored, from pylint's own engine (Symilar), each as its
    size, every copy's place (name:first-last line) and the copied lines."""
    similar = Symilar(min_lines=SIMILAR_LINES, ignore_comments=True, ignore_docstrings=True)
    for name, (lines, tree) in modules.items():
        lineset = LineSet(name, lines, ignore_comments=True, ignore_docstrings=True)
        ignored = _lines_pylint_leaves_out(tree)
        # Dropped after LineSet's docstring pass, as pylint blanks them after it: the pass must
        # see every line to know where a docstring ends.
        lineset._stripped_lines = [line for line in lineset.stripped_lines if line.line_number + 1 not in ignored]
        similar.linesets.append(lineset)
    blocks = []
    for size, copies in similar._compute_sims():
        copies_in_order = sorted(copies, key=lambda copy: (copy[0].name, copy[1]))
        places = ", ".join(f"{lineset.name}:{start + 1}-{end}" for lineset, start, end in copies_in_order)
        lineset, start, end = copies_in_order[0]
        blocks.append(f"{size} lines in {places}:\n" + "".join(lineset.real_lines[start:end]).rstrip())
    return blocks


def test_no_block_of_more_than_six_lines_is_repeated_between_application_modules() -> None:
    copies = _repeated_blocks({_relative(path): _parsed(path) for path in _application_modules()})
    assert not copies, f"{len(copies)} repeated blocks (reuse one copy):\n\n" + "\n\n".join(copies)


def _module(source: str) -> tuple[list[str], ast.Module]:
    lines = source.splitlines(keepends=True)
    return lines, ast.parse(source)


def _two_modules_sharing(block: list[str]) -> dict[str, tuple[list[str], ast.Module]]:
    """Two modules whose functions share `block` and nothing else, around different first lines."""
    shared = "".join(f"    {line}\n" for line in block)
    return {"one.py": _module(f"def one(rate):\n    first = rate + 1\n{shared}"),
            "two.py": _module(f"def two(rate):\n    second = rate - 1\n{shared}")}


def _statements(count: int) -> list[str]:
    return [f"value_{number} = compute(rate, {number})" for number in range(count)]


def test_the_duplicate_check_names_both_places_of_a_copy_longer_than_six_lines() -> None:
    assert _repeated_blocks(_two_modules_sharing(_statements(7))) == [
        "7 lines in one.py:3-9, two.py:3-9:\n" + "\n".join(f"    {line}" for line in _statements(7))]


def test_the_duplicate_check_lets_six_copied_lines_pass_as_pylint_does() -> None:
    assert _repeated_blocks(_two_modules_sharing(_statements(6))) == []


def test_the_duplicate_check_ignores_imports_comments_docstrings_and_signatures_as_pylint_does() -> None:
    imports = [f"import module_{number}" for number in range(8)]
    comments = [f"# note {number}" for number in range(8)]
    docstring = ['"""A docstring'] + [f"line {number}" for number in range(8)] + ['"""']
    signature = ["@decorated", "def shared(", *(f"    argument_{number}," for number in range(8)), "):", "    pass"]
    for ignored in (imports, comments, docstring, signature):
        shared = "".join(f"{line}\n" for line in ignored)
        modules = {"one.py": _module(f"first = 1\n{shared}"), "two.py": _module(f"second = 2\n{shared}")}
        assert _repeated_blocks(modules) == [], ignored
