"""Rules that compile their URL builders on first use build exactly the URLs that Werkzeug's own
eagerly compiled rules build, for every rule of the site, with and without unknown arguments."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import IntegerConverter, PathConverter

from app.web.routing import RuleBuildingOnFirstUse

AWKWARD_TEXT = "a b/é?&#%"


def argument_values(rule: Rule) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            values[name] = 2**31 + 7
        elif isinstance(converter, PathConverter):
            values[name] = f"x/{AWKWARD_TEXT}"
        else:
            values[name] = AWKWARD_TEXT
    return values


def outcome(rule: Rule, values: dict[str, Any], append_unknown: bool) -> object:
    try:
        return rule.build(values, append_unknown=append_unknown)
    except Exception as error:  # noqa: BLE001  (the eager rule must fail the same way)
        return type(error)


def eager_twins(app: Flask) -> dict[tuple[str, str], Rule]:
    eager = Map([Rule(rule.rule, **rule.get_empty_kwargs()) for rule in app.url_map.iter_rules()],
                converters=app.url_map.converters)
    for rule in eager.iter_rules():
        assert type(rule) is Rule
    return {(rule.endpoint, rule.rule): rule for rule in eager.iter_rules()}


def test_every_rule_of_the_site_builds_what_an_eager_rule_builds(app: Flask) -> None:
    twins = eager_twins(app)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 80
    for rule in rules:
        assert isinstance(rule, RuleBuildingOnFirstUse), rule.rule
        values = argument_values(rule)
        for append_unknown, extra in ((False, {}), (True, {}), (True, {"next": AWKWARD_TEXT, "n": 3})):
            expected = outcome(twins[rule.endpoint, rule.rule], {**values, **extra}, append_unknown)
            assert outcome(rule, {**values, **extra}, append_unknown) == expected, rule.endpoint
            assert outcome(rule, {**values, **extra}, append_unknown) == expected, f"{rule.rule}, built again"


def test_a_builder_is_compiled_once_on_first_use_and_then_kept(app: Flask) -> None:
    rule = next(rule for rule in app.url_map.iter_rules(endpoint="shop.compare"))
    lazy = rule._build
    assert lazy.__name__ == "build_on_first_use"
    rule.build(argument_values(rule), append_unknown=False)
    compiled = rule._build
    assert compiled.__name__ != "build_on_first_use"
    rule.build(argument_values(rule), append_unknown=False)
    assert rule._build is compiled
    assert rule._build_unknown.__name__ == "build_on_first_use"

