"""The registry: built-in and plug-in kinds, the providers file, and asking through it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from providers.base import Adapter, ProviderConfig, QuoteQuery
from providers.errors import AdapterFault, CircuitOpen, ProviderMisconfigured, ProvidersFileError, ProviderTimeout
from providers.registry import BUILTIN_KINDS, ENTRY_POINT_GROUP, ProviderRegistry, discover_kinds, load_providers_file
from providers.testing.faults import misbehave, quote_app

ENTRY: dict[str, Any] = {"key": "acme", "name": "Acme Auto", "adapter": "quote_protocol", "products": ["auto"],
                         "url": "http://127.0.0.1:9"}


def write_plugin(site: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """An installed distribution as importlib.metadata finds it: a dist-info directory and modules."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{kind} = {target}" for kind, target in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(source, encoding="utf-8")


def test_the_built_in_kinds_are_there() -> None:
    assert {"quote_protocol", "html_rate_table", "rate_sheet"} <= set(BUILTIN_KINDS)


def test_a_broken_plugin_is_reported_by_name_and_the_others_still_load(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write_plugin(tmp_path, "candor-broken", {
        "explodes": "candor_explodes:Adapter",
        "not_an_adapter": "json:dumps",
        "quote_protocol": "candor_fine:FineAdapter",
        "fine": "candor_fine:FineAdapter",
    }, {
        "candor_explodes": "raise RuntimeError('this plug-in needs a licence key')\n",
        "candor_fine": ("from providers.quote_protocol import QuoteProtocolAdapter\n\n"
                        "class FineAdapter(QuoteProtocolAdapter):\n    kind = 'fine'\n"),
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    kinds, errors = discover_kinds()
    problems = {error.kind: str(error) for error in errors}
    assert "this plug-in needs a licence key" in problems["explodes"] and "candor-broken" in problems["explodes"]
    assert "not an Adapter subclass" in problems["not_an_adapter"]
    assert "already provided (built in)" in problems["quote_protocol"]
    assert kinds["quote_protocol"] is BUILTIN_KINDS["quote_protocol"]
    assert kinds["fine"].__name__ == "FineAdapter"


def test_the_providers_file_is_read_with_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text('[[provider]]\nkey = "acme"\nname = "Acme"\nadapter = "quote_protocol"\nproducts = ["auto"]\n'
                    'url = "http://acme.example"\nbreaker_failures = 2\n', encoding="utf-8")
    [config] = load_providers_file(path)
    assert config.options == {"url": "http://acme.example", "breaker_failures": 2}
    assert config.base_dir == str(tmp_path.resolve())


@pytest.mark.parametrize(
    ("change", "words"),
    [({"breaker_failures": 0}, "breaker_failures"), ({"quote_cache": "yes"}, "quote_cache"),
     ({"max_reply_bytes": 10}, "max_reply_bytes"), ({"retries": 9}, "retries"), ({"timeout_s": 0}, "timeout_s")],
)
def test_shared_settings_are_checked_when_the_file_is_read(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ProvidersFileError, match=words):
        ProviderRegistry.from_entries([{**ENTRY, **change}])


def test_a_provider_with_bad_settings_costs_only_itself() -> None:
    registry = ProviderRegistry.from_entries([{**ENTRY, "url": "not a url"},
                                              {**ENTRY, "key": "ghost", "adapter": "nonexistent"}])
    acme, ghost = registry.configs
    assert "http:// or https://" in (registry.problem(acme) or "")
    assert "no adapter of that kind is installed" in (registry.problem(ghost) or "")
    with pytest.raises(ProviderMisconfigured) as caught:
        registry.ask(ghost, QuoteQuery("auto", {}, "r"), timeout_s=1)
    assert caught.value.message == "is not set up correctly on our side" and caught.value.kind == "misconfigured"


class CrashingAdapter(Adapter[dict[str, Any], bytes]):
    kind = "crashing"

    def transform_query(self, query: QuoteQuery) -> dict[str, Any]:
        return {}

    def extract(self, request: dict[str, Any], *, timeout_s: float) -> bytes:
        return b""

    def transform_data(self, raw: bytes, query: QuoteQuery) -> list[Any]:
        raise KeyError("premium")


def test_an_adapter_bug_is_a_failure_of_that_provider(caplog: pytest.LogCaptureFixture) -> None:
    config = ProviderConfig("buggy", "Buggy", "crashing", ("auto",))
    registry = ProviderRegistry([config], {**BUILTIN_KINDS, "crashing": CrashingAdapter})
    with caplog.at_level(logging.ERROR, logger="candor.providers"), pytest.raises(AdapterFault) as caught:
        registry.ask(config, QuoteQuery("auto", {}, "r"), timeout_s=1)
    assert caught.value.kind == "adapter_fault" and "KeyError" in (caught.value.detail or "")
    assert "crashed" in caplog.text


def test_the_breaker_skips_a_provider_that_keeps_timing_out(loopback: Any) -> None:
    server = loopback(lambda stopping: misbehave(quote_app({}, stopping=stopping), "hang", stopping=stopping),
                      takes_stopping=True)
    registry = ProviderRegistry.from_entries([{**ENTRY, "url": server.url, "breaker_failures": 2}])
    [config] = registry.configs
    for _ in range(2):
        with pytest.raises(ProviderTimeout):
            registry.ask(config, QuoteQuery("auto", {}, "r"), timeout_s=0.2)
    with pytest.raises(CircuitOpen):
        registry.ask(config, QuoteQuery("auto", {}, "r"), timeout_s=0.2)
    assert len(server.requests) == 2
    registry.close()


def test_an_adapter_is_built_once_even_when_asked_for_at_once() -> None:
    registry = ProviderRegistry.from_entries([ENTRY])
    [config] = registry.configs
    built: list[Adapter[Any, Any]] = []
    barrier = threading.Barrier(8)

    def build() -> None:
        barrier.wait()
        built.append(registry.adapter(config))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(adapter) for adapter in built}) == 1
    registry.close()


def test_other_settings_for_the_same_providers_share_adapters_breakers_and_caches() -> None:
    registry = ProviderRegistry.from_entries([ENTRY])
    [config] = registry.configs
    slower = ProviderConfig(**{**config.__dict__, "timeout_s": 9.0, "commission": "10%"})
    view = registry.with_configs([slower])
    assert view.adapter(slower) is registry.adapter(config)
    assert view.breaker is registry.breaker and view.quote_cache is registry.quote_cache
    registry.close()


def test_prepare_builds_every_adapter_up_front_and_a_broken_one_still_costs_only_itself() -> None:
    """An app prepares its registry at start-up (app/provider_registry.py): a first build (an HTML
    rate page's selectors compiled) must not eat a provider's deadline inside the first comparison."""
    registry = ProviderRegistry.from_entries([ENTRY, {**ENTRY, "key": "ghost", "adapter": "nonexistent"}])
    acme, ghost = registry.configs
    registry.prepare()  # the ghost cannot be built: prepare says nothing, asking it says why
    prepared = registry.adapter(acme)
    assert registry.adapter(acme) is prepared
    assert "no adapter of that kind is installed" in (registry.problem(ghost) or "")
    registry.close()

