"""A sandbox competitor with no quoting API at all: it publishes a page of base rates (driver age
band × ZIP range → yearly premium for its standard policies) and a table of surcharges, the way
many small insurers do. Candor reads it with the built-in `html_rate_table` adapter, using the
providers-file entry `RatePageSpec.provider_entry` writes.

Knobs besides latency, error rate and faults: `layout="redesigned"` publishes the same rates in a
new page design (what the adapter must report as "changed its rate page"), and `robots_txt`
replaces the site's robots.txt (e.g. one that disallows us).
"""

from __future__ import annotations

import copy
import html
import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from providers.testing.faults import FAULTS

if TYPE_CHECKING:
    from .insurer_app import RunState

CENT = Decimal("0.01")
RATES_PATH = "/auto-rates"
LAYOUTS = ("2026", "redesigned")
ALLOW_ALL_ROBOTS = "User-agent: *\nDisallow: /private/\n"

AgeBand = tuple[int, int, Decimal]
ZipRange = tuple[int, int, str, Decimal]


def _bands(*rows: tuple[int, int, str]) -> tuple[AgeBand, ...]:
    return tuple((low, high, Decimal(factor)) for low, high, factor in rows)


def _zips(*rows: tuple[int, int, str, str]) -> tuple[ZipRange, ...]:
    return tuple((low, high, name, Decimal(factor)) for low, high, name, factor in rows)


@dataclass(frozen=True)
class RatePageSpec:
    key: str
    name: str
    house: bool = False
    commission: str = ""
    products: tuple[str, ...] = ("auto",)
    latency_s: float = 0.0
    error_rate: float = 0.0
    """Share of page requests answered 503, drawn from random.Random(seed)."""
    fault: str | None = None
    """One of providers.testing.faults.FAULTS, applied to every page request."""
    seed: int | None = None
    layout: str = "2026"
    robots_txt: str = ALLOW_ALL_ROBOTS
    page_cache_s: int = 3600
    liability_only: Decimal = Decimal("540")
    full_cover_500: Decimal = Decimal("1180")
    full_cover_1000: Decimal = Decimal("1010")
    age_bands: tuple[AgeBand, ...] = _bands((16, 20, "2.10"), (21, 24, "1.55"), (25, 29, "1.20"), (30, 44, "1.00"),
                                            (45, 64, "0.88"), (65, 74, "1.02"), (75, 110, "1.38"))
    zip_ranges: tuple[ZipRange, ...] = _zips((0, 19999, "Northeast", "1.12"), (20000, 39999, "Southeast", "0.94"),
                                             (40000, 59999, "Midwest", "0.86"), (60000, 79999, "Central", "0.98"),
                                             (80000, 89999, "Mountain", "1.04"), (90000, 99999, "Pacific", "1.24"))
    surcharges: tuple[tuple[str, str], ...] = (
        ("Each at-fault accident in the last 5 years", "+45%"),
        ("Each moving violation in the last 5 years", "+20%"),
        ("Licensed for less than 3 years", "+25%"),
        ("No continuous insurance before this policy", "+30%"),
        ("Car used for business", "+25%"),
        ("Car used for pleasure only", "−8%"),
        ("More than 15,000 miles a year", "+12%"),
    )
    financial_strength: str = "A"
    claims_satisfaction: int = 836
    complaint_index: str = "0.88"

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.key}: error_rate must be between 0 and 1")
        if self.latency_s < 0:
            raise ValueError(f"{self.key}: latency_s must not be negative")
        if self.layout not in LAYOUTS:
            raise ValueError(f"{self.key}: layout must be one of {', '.join(LAYOUTS)}")
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"{self.key}: unknown fault {self.fault!r}")

    @property
    def error_seed(self) -> int:
        return self.seed if self.seed is not None else zlib.crc32(self.key.encode())

    def rate_rows(self) -> list[tuple[int, int, int, int, Decimal, Decimal, Decimal]]:
        rows = []
        for low, high, age_factor in self.age_bands:
            for zip_low, zip_high, _, zip_factor in self.zip_ranges:
                factor = age_factor * zip_factor
                rows.append((low, high, zip_low, zip_high, _cents(self.liability_only * factor),
                             _cents(self.full_cover_500 * factor), _cents(self.full_cover_1000 * factor)))
        return rows

    def wsgi_app(self, state: RunState) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
        return RatePageApp(self, state)

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]:
        """The providers-file entry that reads this page: where the tables are, what each column
        means, and how a row and the surcharges become an offer (docs/writing-an-adapter.md)."""
        return {
            "key": self.key,
            "name": self.name,
            "adapter": "html_rate_table",
            "products": list(self.products),
            "house": self.house,
            "timeout_s": timeout_s,
            "commission": self.commission,
            "url": f"{url}{RATES_PATH}",
            "page_cache_s": self.page_cache_s,
            **copy.deepcopy(_RATE_TABLE_READING),  # a copy: callers may edit their entry, say to break it
            "pricing": self._pricing(),
            "variants": copy.deepcopy(_VARIANTS),
            "terms": {
                "term_months": 12,
                "liability_limits": "100/300/100",
                "comprehensive_deductible": "500",
                "collision_deductible": "500",
                "rental_reimbursement": False,
                "roadside_assistance": True,
                "uninsured_motorist": True,
                "financial_strength": self.financial_strength,
                "claims_satisfaction": self.claims_satisfaction,
                "complaint_index": self.complaint_index,
            },
        }

    def _pricing(self) -> dict[str, Any]:
        surcharge_labels = [label for label, _ in self.surcharges]
        return {
            "base": "full_500",
            "into": "premium",
            "surcharges": {"table": "table#surcharges", "rows": "tbody > tr",
                           "label": {"selector": "th"}, "percent": {"selector": "td", "parse": "percent"}},
            "factors": [
                {"label": surcharge_labels[0], "value": "at_fault_accidents_5y", "per_unit": True},
                {"label": surcharge_labels[1], "value": "violations_5y", "per_unit": True},
                {"label": surcharge_labels[2], "value": "years_licensed", "below": "3"},
                {"label": surcharge_labels[3], "value": "continuous_cover", "when": False},
                {"label": surcharge_labels[4], "value": "vehicle_use", "when": "business"},
                {"label": surcharge_labels[5], "value": "vehicle_use", "when": "pleasure"},
                {"label": surcharge_labels[6], "value": "annual_mileage", "above": "15000"},
            ],
        }


# Where the base-rate table is and how its rows match a profile: fixed by the page's markup, so the
# same for every sandbox insurer that publishes one.
_RATE_TABLE_READING: dict[str, Any] = {
    "table": "table#auto-base-rates",
    "rows": "tbody > tr",
    "columns": {
        "age_from": {"header": "Driver age from", "parse": "integer"},
        "age_to": {"header": "Driver age to", "parse": "integer"},
        "zip_from": {"header": "ZIP codes from", "parse": "integer"},
        "zip_to": {"header": "ZIP codes to", "parse": "integer"},
        "liability_only": {"header": "Liability only", "parse": "money"},
        "full_500": {"header": "Full cover, $500 deductibles", "parse": "money"},
        "full_1000": {"header": "Full cover, $1,000 deductibles", "parse": "money"},
    },
    "derive": {
        "driver_age": {"age_of": "driver_birth_date"},
        "zip_number": {"prefix_of": "zip_code", "length": 5},
    },
    "match": [
        {"value": "driver_age", "from": "age_from", "to": "age_to"},
        {"value": "zip_number", "from": "zip_from", "to": "zip_to"},
    ],
}
_VARIANTS: list[dict[str, Any]] = [
    {"when": {"comprehensive": False, "collision": False}, "base": "liability_only",
     "terms": {"comprehensive_deductible": {"none": True}, "collision_deductible": {"none": True}}},
    {"when": {"deductible": ["1000", "2000"]}, "base": "full_1000",
     "terms": {"comprehensive_deductible": "1000", "collision_deductible": "1000"}},
]

def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


class RatePageApp:
    def __init__(self, spec: RatePageSpec, state: RunState) -> None:
        self.spec = spec
        self.state = state
        self.rng = random.Random(spec.error_seed)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return Response(self.spec.robots_txt, content_type="text/plain; charset=utf-8")
        if request.method not in ("GET", "HEAD"):
            return Response("Only GET here.", status=405, headers={"Allow": "GET, HEAD"}, content_type="text/plain")
        if request.path == "/":
            return Response(f"<!doctype html><title>{html.escape(self.spec.name)}</title>"
                            f'<p><a href="{RATES_PATH}">Our auto insurance rates</a></p>',
                            content_type="text/html; charset=utf-8")
        if request.path != RATES_PATH:
            return Response("Not found.", status=404, content_type="text/plain")
        if self.spec.latency_s > 0 and self.state.stopping.wait(self.spec.latency_s):
            return Response("Shutting down.", status=503, content_type="text/plain")
        if self.state.should_fail(self.spec.error_rate):
            return Response("Down for maintenance; try again later.", status=503, content_type="text/plain",
                            headers={"Retry-After": "60"})
        return Response(self.page(), content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})

    def page(self) -> str:
        spec = self.spec
        if spec.layout == "redesigned":
            return self.redesigned_page()
        rows = "\n".join(
            f"<tr><td>{a}</td><td>{b}</td><td>{z1:05d}</td><td>{z2:05d}</td>"
            f'<td class="money">{_money(liability)}</td><td class="money">{_money(full)}</td>'
            f'<td class="money">{_money(full_high)}</td></tr>'
            for a, b, z1, z2, liability, full, full_high in spec.rate_rows()
        )
        surcharges = "\n".join(f"<tr><th scope=row>{html.escape(label)}</th><td>{html.escape(percent)}</td></tr>"
                               for label, percent in spec.surcharges)
        title = html.escape(f"{spec.name}: auto insurance rates")
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>Yearly premiums for our standard policy: liability 100/300/100, roadside assistance and
uninsured-motorist cover included. Full cover adds comprehensive and collision with the deductibles shown.</p>
<table id="auto-base-rates">
<caption>Base rates per year</caption>
<thead><tr><th>Driver age from</th><th>Driver age to</th><th>ZIP codes from</th><th>ZIP codes to</th>
<th>Liability only</th><th>Full cover, $500 deductibles</th><th>Full cover, $1,000 deductibles</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2>Surcharges and discounts</h2>
<p>Each applies to the base rate; those "for each" apply once per accident or violation.</p>
<table id="surcharges">
<tbody>
{surcharges}
</tbody>
</table>
</body></html>
"""

    def redesigned_page(self) -> str:
        spec = self.spec
        cards = "\n".join(
            f'<li class="rate-card"><span class="ages">{a}–{b}</span> <span class="zips">{z1:05d}–{z2:05d}</span> '
            f'<span class="price">{_money(full)}</span></li>'
            for a, b, z1, z2, _, full, _ in spec.rate_rows()
        )
        title = html.escape(f"{spec.name}: find your rate")
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body><h1>{title}</h1><ul class=\"rates\">\n{cards}\n</ul></body></html>\n")


def auto_rate_pages() -> list[RatePageSpec]:
    """The competitors that only publish a rate page."""
    return [
        RatePageSpec(key="lighthouse", name="Lighthouse Insurance", commission="7% of the first year's premium"),
    ]
