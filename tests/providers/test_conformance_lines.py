"""The conformance kit for every registered product line, Candor's own and any installed beside it:
a provider speaking the Candor Quote Protocol about that line, answering with the line's own terms
example, passes every check the kit makes. Nothing here names a line."""

from __future__ import annotations

import threading
from typing import Any

from app.products import PRODUCT_LINES
from app.products.base import ProductLine
from providers.base import ProviderConfig
from providers.quote_protocol import QuoteProtocolAdapter
from providers.testing.conformance import AdapterConformance, provider_config
from providers.testing.faults import quote_app


def _conformance_for(line: ProductLine) -> type:
    def config_at(self: Any, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return provider_config(f"{line.key}-provider", "quote_protocol", products=(line.key,), timeout_s=timeout_s, url=url)

    def working_app(self: Any, stopping: threading.Event) -> Any:
        return quote_app(line.terms_schema["examples"][0], stopping=stopping, product=line.key)

    def example_profile(self: Any) -> dict[str, Any]:
        return dict(line.profile_schema["examples"][0])

    return type(f"TestQuoteProtocolFor{line.key.title().replace('_', '')}", (AdapterConformance,), {
        "adapter_class": QuoteProtocolAdapter, "product": line.key, "terms_schema": line.terms_schema,
        "config_at": config_at, "working_app": working_app, "example_profile": example_profile,
    })


for _line in PRODUCT_LINES.values():
    _class = _conformance_for(_line)
    globals()[_class.__name__] = _class
