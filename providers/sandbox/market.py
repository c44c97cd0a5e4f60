"""The simulated market: every sandbox provider as a real HTTP service on loopback.

A market is a list of participants. A participant is any frozen dataclass with `key`, `name`,
`house`, `commission`, `products`, `latency_s`, `error_rate`, `seed`, an `error_seed` property
and two methods: `wsgi_app(state)` (the service) and `provider_entry(url, timeout_s)` (its
providers-file entry, pointing at where the market runs it). A `fault` field (one of
providers.testing.faults.FAULTS) is honoured when present. Two kinds ship for auto insurance:
insurers speaking Candor Quote Protocol v1 (SandboxProviderSpec) and an insurer that only
publishes a rate page (rate_page.RatePageSpec).

Adding a product's providers to the market: write a function returning their specs and register
it under the line's key in the `candor.sandbox` entry-point group (discovery.py), as Candor's own
lines do in pyproject.toml. Every default market — `make run`, `flask sandbox`, the test
fixtures — then runs them too, on the ports after Candor's own.
"""

from __future__ import annotations

import math
import random
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, Self

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from providers.base import BINDING, INDICATIVE
from providers.testing.faults import FAULTS, misbehave

from .apor import apor_table
from .discovery import SandboxSet, sandbox_sets
from .insurer_app import QUOTE_VALIDITY_S, InsurerApp, RunState
from .knobs import DeclineRule, apply_overrides, decline_rule, pioneer_decline, rates
from .pricing import (
    ACME_PLAN,
    BLUEBIRD_PLAN,
    HARBOR_PLAN,
    KEYSTONE_PLAN,
    PIONEER_PLAN,
    STANDARD_PLAN,
    SUMMIT_PLAN,
    TORTOISE_PLAN,
    RatingPlan,
)
from .rate_page import auto_rate_pages

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PROVIDER_TIMEOUT_S = 3.0
FINANCIAL_STRENGTH_GRADES = ("A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C")
# serve_forever polls for shutdown this often; stop() waits up to this long per insurer.
_SHUTDOWN_POLL_S = 0.05
_IDLE_CONNECTION_S = 5.0


@dataclass(frozen=True)
class SandboxProviderSpec:
    key: str
    name: str
    house: bool
    commission: str
    products: tuple[str, ...] = ("auto",)
    latency_s: float = 0.0
    error_rate: float = 0.0
    """Share of quote requests answered 503, drawn from random.Random(seed)."""
    decline: DeclineRule | str | None = None
    """A function of the applicant returning a reason, or a rule as text (knobs.decline_rule)."""
    fault: str | None = None
    """One of providers.testing.faults.FAULTS: every quote request fails that way."""
    term_months: int = 12
    rating_plan: RatingPlan = STANDARD_PLAN
    financial_strength: str = "A"
    claims_satisfaction: int = 850
    complaint_index: str = "1.00"
    rental_reimbursement: bool = False
    roadside_assistance: bool = False
    uninsured_motorist: bool = False
    deductible_options: tuple[int, ...] | None = None
    """Deductibles offered; the preferred one is rounded to the nearest. None: any."""
    limits_substitutions: tuple[tuple[str, str], ...] = ()
    """(asked, offered) liability limits where the insurer offers something else."""
    seed: int | None = None
    """Seed for the error-rate draws; None derives one from the key."""
    firmness: str | None = None
    """What the insurer says of its quotes (Candor Quote Protocol 1.1); None: it says nothing, as 1.0 did."""
    quote_validity_s: float = QUOTE_VALIDITY_S
    """How long its quotes hold; a few seconds make one lapse between the ranking and the hand-off."""
    requote_markup_percent: float = 0.0
    """A quote for a customer it quoted before costs this much more (a re-quote that changed)."""
    optional_extras: tuple[str, ...] = ()  # extra covers it adds for a price when asked (besides those above)
    discount_rates: tuple[tuple[str, str], ...] = ()  # (discount, share off the premium) it gives when claimed

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.key}: error_rate must be between 0 and 1")
        if self.latency_s < 0:
            raise ValueError(f"{self.key}: latency_s must not be negative")
        if self.term_months not in (6, 12):
            raise ValueError(f"{self.key}: term_months must be 6 or 12")
        if self.financial_strength not in FINANCIAL_STRENGTH_GRADES:
            raise ValueError(f"{self.key}: unknown financial_strength {self.financial_strength!r}")
        if not 0 <= self.claims_satisfaction <= 1000:
            raise ValueError(f"{self.key}: claims_satisfaction must be between 0 and 1000")
        if not 0 < self.quote_validity_s <= 90 * 86400:
            raise ValueError(f"{self.key}: quote_validity_s must be more than 0 and at most 90 days")
        if not 0 <= self.requote_markup_percent <= 100:
            raise ValueError(f"{self.key}: requote_markup_percent must be between 0 and 100")
        if self.firmness not in (None, BINDING, INDICATIVE):
            raise ValueError(f"{self.key}: firmness must be binding, indicative or None")
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"{self.key}: unknown fault {self.fault!r}; known: {', '.join(FAULTS)}")
        if isinstance(self.decline, str):
            object.__setattr__(self, "decline", decline_rule(self.decline))

    @property
    def error_seed(self) -> int:
        return self.seed if self.seed is not None else zlib.crc32(self.key.encode())

    def wsgi_app(self, state: RunState) -> WSGIApp:
        return InsurerApp(self, state)

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "adapter": "quote_protocol",
            "products": list(self.products),
            "house": self.house,
            "timeout_s": timeout_s,
            "commission": self.commission,
            "url": url,
        }


class MarketParticipant(Protocol):
    key: str
    name: str
    house: bool
    commission: str
    products: tuple[str, ...]
    latency_s: float
    error_rate: float

    @property
    def error_seed(self) -> int: ...

    def wsgi_app(self, state: RunState) -> WSGIApp: ...

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]: ...


def auto_insurers() -> list[SandboxProviderSpec]:
    """The default market: the house (Harbor Mutual) and six competitors."""
    return [
        SandboxProviderSpec(
            key="harbor", name="Harbor Mutual", house=True, commission="none — this is our own offer",
            rating_plan=HARBOR_PLAN, financial_strength="A", claims_satisfaction=842, complaint_index="0.92",
            rental_reimbursement=True, roadside_assistance=True, uninsured_motorist=True, firmness=BINDING,
            discount_rates=rates(multi_policy="0.12", good_student="0.08", telematics="0.10", anti_theft="0.05", paid_in_full="0.06"),
        ),
        SandboxProviderSpec(
            key="acme", name="Acme Auto", house=False, commission="8% of the first year's premium",
            rating_plan=ACME_PLAN, financial_strength="B+", claims_satisfaction=791, complaint_index="1.18",
            roadside_assistance=True, limits_substitutions=(("250/500/250", "50/100/50"),), firmness=INDICATIVE,
            optional_extras=("rental_reimbursement", "uninsured_motorist"), discount_rates=rates(good_student="0.15", telematics="0.15"),
        ),
        SandboxProviderSpec(
            key="bluebird", name="Bluebird Insurance", house=False,
            commission="10% of the first year's premium, 5% of each renewal",
            rating_plan=BLUEBIRD_PLAN, financial_strength="A-", claims_satisfaction=828, complaint_index="0.97",
            rental_reimbursement=True, uninsured_motorist=True, deductible_options=(500, 1000),
            optional_extras=("roadside_assistance",), discount_rates=rates(telematics="0.20", paid_in_full="0.05"),
        ),
        SandboxProviderSpec(
            key="summit", name="Summit General", house=False, commission="$75 flat fee per policy sold",
            rating_plan=SUMMIT_PLAN, financial_strength="A++", claims_satisfaction=903, complaint_index="0.55",
            rental_reimbursement=True, roadside_assistance=True, uninsured_motorist=True, firmness=BINDING,
            discount_rates=rates(multi_policy="0.15", anti_theft="0.08", paid_in_full="0.08"),
        ),
        SandboxProviderSpec(
            key="keystone", name="Keystone Direct", house=False, commission="12% of each 6-month premium",
            rating_plan=KEYSTONE_PLAN, term_months=6, financial_strength="B", claims_satisfaction=764,
            complaint_index="1.42", discount_rates=rates(paid_in_full="0.04"),  # no extras, asked or not
        ),
        SandboxProviderSpec(
            key="pioneer", name="Pioneer Casualty", house=False, commission="6% of the first year's premium",
            rating_plan=PIONEER_PLAN, decline=pioneer_decline, financial_strength="A-", claims_satisfaction=818,
            complaint_index="1.05", uninsured_motorist=True, optional_extras=("rental_reimbursement",),
            discount_rates=rates(multi_policy="0.10", anti_theft="0.06"),
        ),
        SandboxProviderSpec(
            key="tortoise", name="Tortoise & Co", house=False, commission="9% of the first year's premium",
            rating_plan=TORTOISE_PLAN, latency_s=1.5, financial_strength="A+", claims_satisfaction=871,
            complaint_index="0.78", roadside_assistance=True, uninsured_motorist=True, optional_extras=("rental_reimbursement",),
            discount_rates=rates(multi_policy="0.10", good_student="0.10", paid_in_full="0.05"),
        ),
    ]


def auto_market() -> list[MarketParticipant]:
    """Auto insurance: the seven insurers with a quoting service, then the rate-page-only one."""
    return [*auto_insurers(), *auto_rate_pages()]


def line_markets() -> dict[str, SandboxSet]:
    """Each product line's sandbox providers by line key, as registered under `candor.sandbox`."""
    return sandbox_sets()


def default_market() -> list[MarketParticipant]:
    """Every line's providers, in line_markets() order (Candor's own auto insurers first)."""
    return [participant for build in line_markets().values() for participant in build()]


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log lines: the market is background noise in demos and tests. Errors are still logged."""

    # A client that keeps an idle keep-alive connection open must not hold stop() for ever.
    timeout = _IDLE_CONNECTION_S

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _JoinedThreadsServer(ThreadedWSGIServer):
    """Werkzeug's threaded server makes its request threads daemons, which server_close() does not wait
    for; a request thread still closing its socket then outlives stop(). These threads are joined."""

    daemon_threads = False
    block_on_close = True


@dataclass
class _RunningInsurer:
    server: BaseWSGIServer
    thread: threading.Thread


class SandboxMarket:
    """Starts one threaded werkzeug server per insurer; use as a context manager or start()/stop()."""

    def __init__(
        self,
        specs: list[MarketParticipant] | None = None,
        *,
        host: str = "127.0.0.1",
        base_port: int = 0,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock`: the providers' own clock (when their quotes lapse), for tests that move it on."""
        self.clock = clock
        specs = apply_overrides(list(specs) if specs is not None else default_market(), overrides)
        keys = [spec.key for spec in specs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"insurer keys must be unique: {keys}")
        self.specs: list[MarketParticipant] = specs
        self.host = host
        self.base_port = base_port
        self.urls: dict[str, str] = {}
        self._running: list[_RunningInsurer] = []
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        return bool(self._running)

    def start(self) -> Self:
        if self._running:
            raise RuntimeError("the sandbox market is already running")
        self._stopping = threading.Event()
        try:
            for index, spec in enumerate(self.specs):
                self._start_insurer(spec, index)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_insurer(self, spec: MarketParticipant, index: int) -> None:
        port = self.base_port + index if self.base_port else 0
        state = RunState(stopping=self._stopping, error_rng=random.Random(spec.error_seed))
        if self.clock is not None:
            state.clock = self.clock
        server = _JoinedThreadsServer(
            self.host, port, misbehave(spec.wsgi_app(state), getattr(spec, "fault", None), stopping=self._stopping),
            handler=_QuietRequestHandler,
        )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_S},
            name=f"sandbox-{spec.key}",
            daemon=True,
        )
        thread.start()
        self._running.append(_RunningInsurer(server, thread))
        self.urls[spec.key] = f"http://{_url_host(self.host)}:{server.server_port}"

    def stop(self) -> None:
        """Stop every insurer; wakes requests still sleeping out their latency and waits for all request threads."""
        self._stopping.set()
        for insurer in self._running:
            insurer.server.shutdown()
            insurer.thread.join()
            # serve_forever already closed it; closing again joins any request threads still finishing.
            insurer.server.server_close()
        self._running.clear()
        self.urls.clear()

    def __enter__(self) -> Self:
        if not self._running:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def provider_entries(self) -> list[dict[str, Any]]:
        """One providers-file entry per insurer, pointing at the running market."""
        if not self._running:
            raise RuntimeError("start the sandbox market first: entries need its URLs")
        return [spec.provider_entry(self.urls[spec.key], PROVIDER_TIMEOUT_S) for spec in self.specs]

    def apor_tables(self, today: date) -> dict[str, str]:
        """The market's own average prime offer rate tables (simulated: providers/sandbox/apor.py),
        fixed and adjustable, in the FFIEC's layout, up to the week of `today`."""
        return {kind: apor_table(kind, today) for kind in ("fixed", "adjustable")}

    def providers_toml(self) -> str:
        """provider_entries() as a CANDOR_PROVIDERS_FILE document."""
        lines = ["# Candor providers: the sandbox market (generated by providers.sandbox)."]
        for entry in self.provider_entries():
            lines.append("")
            lines.append("[[provider]]")
            lines.extend(f"{name} = {toml_value(value)}" for name, value in entry.items())
        return "\n".join(lines) + "\n"


def start_market(**kwargs: Any) -> SandboxMarket:
    """SandboxMarket(**kwargs), started."""
    return SandboxMarket(**kwargs).start()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def toml_value(value: object) -> str:
    """A TOML literal for the few value types provider entries use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("TOML provider entries take finite numbers only")
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{toml_key(key)} = {toml_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted key."""
    return key if key and key.isascii() and key.replace("_", "").replace("-", "").isalnum() else toml_string(key)


_TOML_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped; other Unicode kept as is."""
    escaped = []
    for char in text:
        if char in _TOML_ESCAPES:
            escaped.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'
