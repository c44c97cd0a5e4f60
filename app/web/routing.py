"""URL rules whose URL builders are compiled when first used rather than when registered.

Werkzeug compiles two Python functions per rule (build with and without unknown arguments) the
moment the rule joins the URL map: about half a millisecond a rule, some 45 ms of every
create_app for Candor's ninety-odd rules, and the code of builders a worker never calls stays in
its memory. The compiled builder is the same function, made from the same parts, whenever it is
made; only the moment changes. Relies on Werkzeug 3.1's `Rule.compile` storing the result of
`_compile_builder(append_unknown)` bound to the rule as `_build` and `_build_unknown`
(requirements.txt pins Werkzeug; tests/app/web/test_routing.py holds every rule's URLs to what an
eagerly compiled rule builds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import Rule


class RuleBuildingOnFirstUse(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"
        compile_builder = super()._compile_builder

        def build_on_first_use(rule: Rule, **values: Any) -> tuple[str, str]:
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)  # type: ignore[no-any-return]

        return build_on_first_use


def init_app(app: Flask) -> None:
    """Rules added from now on build lazily (call before registering blueprints)."""
    app.url_rule_class = RuleBuildingOnFirstUse
