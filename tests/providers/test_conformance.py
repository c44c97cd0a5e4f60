"""Every built-in adapter passes the conformance kit that plug-in packages run too."""

from __future__ import annotations

import random
import threading
from typing import Any

from app.products.auto_insurance.schemas import PROFILE_SCHEMA, TERMS_SCHEMA
from providers.base import ProviderConfig
from providers.html_rate_table import HtmlRateTableAdapter
from providers.quote_protocol import QuoteProtocolAdapter
from providers.rate_sheet import RateSheetAdapter
from providers.registry import parse_provider_entries
from providers.sandbox.insurer_app import RunState
from providers.sandbox.rate_page import auto_rate_pages
from providers.testing.conformance import AdapterConformance, provider_config
from providers.testing.faults import quote_app, static_app

LIGHTHOUSE = auto_rate_pages()[0]
SHEET = ("term_months,premium,limits\n12,\"$1,480.00\",100/300/100\n")


class AutoProfile:
    product = "auto"
    terms_schema = TERMS_SCHEMA

    def example_profile(self) -> dict[str, Any]:
        return dict(PROFILE_SCHEMA["examples"][0])


class TestQuoteProtocol(AutoProfile, AdapterConformance):
    adapter_class = QuoteProtocolAdapter

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return provider_config("acme", "quote_protocol", timeout_s=timeout_s, url=url)

    def working_app(self, stopping: threading.Event) -> Any:
        return quote_app(TERMS_SCHEMA["examples"][0], stopping=stopping)


class TestHtmlRateTable(AutoProfile, AdapterConformance):
    adapter_class = HtmlRateTableAdapter

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return parse_provider_entries([LIGHTHOUSE.provider_entry(url, timeout_s)], origin="test")[0]

    def working_app(self, stopping: threading.Event) -> Any:
        return LIGHTHOUSE.wsgi_app(RunState(stopping=stopping, error_rng=random.Random(1)))


class TestRateSheet(AutoProfile, AdapterConformance):
    adapter_class = RateSheetAdapter

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        example = TERMS_SCHEMA["examples"][0]
        return provider_config(
            "granite", "rate_sheet", timeout_s=timeout_s, url=f"{url}/rates.csv",
            columns={"term_months": {"parse": "integer"}, "premium": {"parse": "money"},
                     "limits": {}},
            terms={**{k: v for k, v in example.items() if k not in ("term_months", "premium", "liability_limits")},
                   "term_months": {"row": "term_months"}, "premium": {"row": "premium"},
                   "liability_limits": {"row": "limits"}},
        )

    def working_app(self, stopping: threading.Event) -> Any:
        return static_app(SHEET, "text/csv")
