"""The suite's shared compiled templates: a second app renders from what the first compiled, an
edited template is compiled afresh, and differently configured environments never share."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from tests.template_cache import InMemoryBytecodeCache, compile_settings, share_compiled_templates


def counting_environment(folder: Path, compiled: list[str], **options: object) -> Environment:
    class Counting(Environment):
        def compile(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
            compiled.append(name)
            return super().compile(source, name, filename, raw, defer_init)

    environment = Counting(loader=FileSystemLoader(folder), **options)  # type: ignore[arg-type]
    environment.bytecode_cache = InMemoryBytecodeCache()
    return environment


def test_a_template_is_compiled_once_across_environments_until_its_source_changes(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("Hello {{ name }}")
    compiled: list[str] = []
    first = counting_environment(tmp_path, compiled)
    second = counting_environment(tmp_path, compiled)
    second.bytecode_cache = first.bytecode_cache
    assert first.get_template("page.html").render(name="Ann") == "Hello Ann"
    assert second.get_template("page.html").render(name="Bo") == "Hello Bo"
    assert compiled == ["page.html"]

    (tmp_path / "page.html").write_text("Goodbye {{ name }}")
    third = counting_environment(tmp_path, compiled)
    third.bytecode_cache = first.bytecode_cache
    assert third.get_template("page.html").render(name="Cy") == "Goodbye Cy"
    assert compiled == ["page.html", "page.html"]


def test_only_environments_that_compile_alike_share_a_cache(tmp_path: Path) -> None:
    plain, alike, trimmed, escaped = (Environment(), Environment(), Environment(trim_blocks=True),
                                      Environment(autoescape=True))
    for environment in (plain, alike, trimmed, escaped):
        share_compiled_templates(environment)
    assert plain.bytecode_cache is alike.bytecode_cache
    assert trimmed.bytecode_cache is not plain.bytecode_cache
    assert escaped.bytecode_cache is not plain.bytecode_cache
    assert compile_settings(plain) == compile_settings(alike) != compile_settings(trimmed)


def test_the_apps_of_the_suite_share_one_cache(make_apps) -> None:  # type: ignore[no-untyped-def]
    first, second = make_apps([]), make_apps([])
    assert first.jinja_env.bytecode_cache is second.jinja_env.bytecode_cache is not None
    with first.test_request_context():
        first.jinja_env.get_template("base.html")
    assert first.jinja_env.bytecode_cache.compiled
