"""The honest floor Candor's own CPU per comparison is measured against (issue 19): a bare Flask +
requests fan-out, written the conventional way and kept fixed.

`POST /api/v1/comparisons` with Candor's request body ({"product", "profile"}) asks every provider
of the product in the same providers file Candor reads (CANDOR_PROVIDERS_FILE) with the same Candor
Quote Protocol payload, one pooled `requests.Session` per provider and a thread pool, parses every
reply as JSON, and answers 201 with the quotes sorted by yearly price. No ranking, no validation
beyond JSON, no log, no database. A rate-page provider (HTML, not a quoting service) is fetched
once per worker and kept for an hour, as Candor keeps it, and is not parsed: the baseline only
counts what a conventional fan-out must do per request.

Served by gunicorn with Candor's own settings: `gunicorn -c gunicorn.conf.py bench.baseline_fanout:app`.
It imports nothing from Candor (`app`, `providers`), so the floor cannot move when Candor does.
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from flask import Flask, jsonify, request

PROTOCOL = "candor-quote/1"
RATE_PAGE_KEEP_S = 3600.0
DEADLINE_S = float(os.environ.get("CANDOR_COMPARISON_DEADLINE_S") or 5.0)


class Provider:
    """One configured provider: its own pooled session, as a conventional client keeps one."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.key: str = entry["key"]
        self.adapter: str = entry["adapter"]
        self.url: str = str(entry.get("url", "")).rstrip("/")
        self.products = tuple(entry.get("products", ()))
        self.timeout_s = float(entry.get("timeout_s", DEADLINE_S))
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=64)
        self.session.mount("http://", adapter)
        self._page: tuple[float, bytes] | None = None
        self._page_lock = threading.Lock()

    def quotes(self, product: str, profile: dict[str, Any]) -> list[dict[str, Any]]:
        body = {"protocol": PROTOCOL, "product": product, "request_id": uuid.uuid4().hex, "profile": profile}
        reply = self.session.post(f"{self.url}/quotes", json=body, timeout=self.timeout_s)
        reply.raise_for_status()
        return [{**quote, "provider": self.key} for quote in reply.json().get("quotes") or ()]

    def rate_page(self) -> list[dict[str, Any]]:
        with self._page_lock:
            if self._page is None or time.monotonic() - self._page[0] > RATE_PAGE_KEEP_S:
                reply = self.session.get(self.url, timeout=self.timeout_s)
                reply.raise_for_status()
                self._page = (time.monotonic(), reply.content)
        return []

    def ask(self, product: str, profile: dict[str, Any]) -> list[dict[str, Any]]:
        if self.adapter == "quote_protocol":
            return self.quotes(product, profile)
        return self.rate_page()


def yearly_price(quote: dict[str, Any]) -> Decimal:
    terms = quote.get("terms") or {}
    months = Decimal(terms.get("term_months") or 12)
    return Decimal(terms.get("premium") or terms.get("monthly_payment") or "0") * 12 / months


def load_providers(path: str | os.PathLike[str]) -> list[Provider]:
    with Path(path).open("rb") as file:
        return [Provider(entry) for entry in tomllib.load(file).get("provider", ())]


def create_app(providers_file: str | os.PathLike[str] | None = None) -> Flask:
    baseline = Flask(__name__)
    providers = load_providers(providers_file or os.environ["CANDOR_PROVIDERS_FILE"])
    pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="baseline-quote")

    @baseline.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return "ok"

    @baseline.post("/api/v1/comparisons")
    def compare():  # type: ignore[no-untyped-def]
        body = request.get_json()
        product, profile = body["product"], body["profile"]
        asked = [pool.submit(provider.ask, product, profile) for provider in providers if product in provider.products]
        done, _ = wait(asked, timeout=DEADLINE_S)
        quotes, failures = [], 0
        for future in done:
            try:
                quotes.extend(future.result())
            except (requests.RequestException, ValueError):
                failures += 1
        quotes.sort(key=yearly_price)
        return jsonify({"ranking": quotes, "failures": failures + len(asked) - len(done)}), 201

    return baseline


app = create_app() if os.environ.get("CANDOR_PROVIDERS_FILE") else None
