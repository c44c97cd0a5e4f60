"""Sunrise Insurance's pricing API as a Candor adapter (an example of a third-party adapter).

Sunrise's API: POST {url}/v2/price with {"applicant": …, "vehicle": …, "coverage": …}; the reply
is {"status": "priced", "offers": [{"offer_ref", "annual_premium_cents", "expires_at", …}]} or
{"status": "referred", "message": "…"} when it will not price online.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from providers import settings
from providers.base import INDICATIVE, Adapter, Offer, ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.errors import InvalidReply, ProviderConfigError, ProviderDeclined
from providers.http import Deadline, HttpClient
from providers.protocol import read_json

__all__ = ["ExamplePricingAdapter"]

OPTIONS = {"url", "api_key_env", "financial_strength", "claims_satisfaction", "complaint_index"}
GRADES = ("A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C")
_LIMITS = re.compile(r"^\d{1,4}/\d{1,4}/\d{1,4}$")


class ExamplePricingAdapter(Adapter[dict[str, Any], bytes]):
    kind = "example_pricing_api"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        settings.check_known(config, OPTIONS)
        self.endpoint = (settings.http_url(config) or "").rstrip("/") + "/v2/price"
        self.api_key_env = settings.text(config, "api_key_env", required=False)
        grade = settings.text(config, "financial_strength")
        if grade not in GRADES:
            raise ProviderConfigError(config.key, "financial_strength", f"must be one of {', '.join(GRADES)}")
        self.ratings = {
            "financial_strength": grade,
            "claims_satisfaction": settings.whole_number(config, "claims_satisfaction", 800, low=0, high=1000),
            "complaint_index": settings.text(config, "complaint_index"),
        }
        self.http = HttpClient(max_reply_bytes=settings.max_reply_bytes(config), max_attempts=settings.attempts(config))

    # 1. The standard profile → Sunrise's request.
    def transform_query(self, query: QuoteQuery) -> dict[str, Any]:
        profile = query.profile
        return {
            "reference": query.request_id,
            "applicant": {
                "born": profile["driver_birth_date"],
                "licensed_years": profile["years_licensed"],
                "claims_5y": profile["at_fault_accidents_5y"],
                "tickets_5y": profile["violations_5y"],
                "previously_insured": profile["continuous_cover"],
                "postcode": profile["zip_code"],
                "state": profile["state"],
            },
            "vehicle": {
                "year": profile["vehicle_year"], "make": profile["vehicle_make"], "model": profile["vehicle_model"],
                "value_cents": int(Decimal(profile["vehicle_value"]) * 100),
                "miles_per_year": profile["annual_mileage"], "use": profile["vehicle_use"],
            },
            "coverage": {
                "liability": profile["liability_limits"],
                "physical_damage": bool(profile["comprehensive"] or profile["collision"]),
                "deductible": int(profile["deductible"]),
            },
        }

    # 2. The request → Sunrise's raw reply, within the time left.
    def extract(self, request: dict[str, Any], *, timeout_s: float) -> bytes:
        headers = {}
        if self.api_key_env and os.environ.get(self.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[self.api_key_env]}"
        reply = self.http.post_json(self.endpoint, request, deadline=Deadline.after(timeout_s),
                                    accept=("application/json",), headers=headers, what="a price")
        return reply.body

    # 3. Sunrise's reply → standard offers.
    def transform_data(self, raw: bytes, query: QuoteQuery) -> Sequence[Offer]:
        reply = read_json(raw, what="a price")
        if not isinstance(reply, Mapping) or reply.get("status") not in ("priced", "referred"):
            raise InvalidReply("sent a reply of the wrong shape", detail="status is neither priced nor referred")
        if reply["status"] == "referred":
            message = reply.get("message")
            raise ProviderDeclined(message.strip()[:500] if isinstance(message, str) and message.strip()
                                   else "it will not price this online")
        offers = reply.get("offers")
        if not isinstance(offers, list):
            raise InvalidReply("sent a reply of the wrong shape", detail="offers is not a list")
        return [self._offer(item, query) for item in offers]

    def _offer(self, item: Any, query: QuoteQuery) -> Offer:
        if not isinstance(item, Mapping) or not isinstance(item.get("offer_ref"), str):
            return UnusableQuote(None, "offer_ref", "is missing")
        ref = item["offer_ref"]
        cents = item.get("annual_premium_cents")
        if not isinstance(cents, int) or isinstance(cents, bool):
            return UnusableQuote(ref, "annual_premium_cents", "is not a whole number of cents")
        try:
            expires = datetime.fromisoformat(str(item.get("expires_at")).replace("Z", "+00:00"))
        except ValueError:
            return UnusableQuote(ref, "expires_at", "is not a date and time")
        if expires.tzinfo is None:
            return UnusableQuote(ref, "expires_at", "has no time zone")
        limits = item.get("liability")
        if not isinstance(limits, str) or not _LIMITS.match(limits):
            return UnusableQuote(ref, "liability", "is not limits such as 100/300/100")
        deductible = item.get("deductible")
        physical = deductible is not None
        extras = item.get("included") if isinstance(item.get("included"), list) else []
        sign = "-" if cents < 0 else ""
        return Quote(
            id=f"sunrise-{ref}",
            product=query.product,
            currency="USD",
            valid_until=expires,
            terms={
                "term_months": 12,
                # Exact: whole cents written as a decimal string, never through a float.
                "premium": f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}",
                "liability_limits": limits,
                "comprehensive_deductible": str(deductible) if physical else None,
                "collision_deductible": str(deductible) if physical else None,
                "rental_reimbursement": "rental" in extras,
                "roadside_assistance": "roadside" in extras,
                "uninsured_motorist": "uninsured_motorist" in extras,
                **self.ratings,
            },
            url=item.get("buy_url") if isinstance(item.get("buy_url"), str) else None,
            # Sunrise's prices are subject to its underwriting: say so (Candor Quote Protocol 1.1).
            firmness=INDICATIVE,
        )

    def close(self) -> None:
        self.http.close()
