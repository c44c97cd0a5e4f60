"""The sandbox market over real HTTP on loopback: protocol, pricing shapes, knobs and lifecycle."""

from __future__ import annotations

import random
import socket
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from providers.sandbox.market import (
    SandboxMarket,
    SandboxProviderSpec,
    apply_overrides,
    auto_insurers,
    start_market,
    toml_string,
)
from providers.sandbox.profile import LIABILITY_LIMITS, zip_band
from providers.sandbox.sample_profiles import (
    birth_date_for_age,
    example_auto_profile,
    random_auto_profile,
)

INSURER_KEYS = [spec.key for spec in auto_insurers()]
FAST = {"tortoise": {"latency_s": 0.0}}
URBAN_ZIP, SUBURBAN_ZIP, RURAL_ZIP = "94110", "60614", "59901"
QUOTE_FIELDS = {"id", "product", "currency", "valid_until", "terms", "url"}
TERM_FIELDS = {
    "term_months", "premium", "liability_limits", "comprehensive_deductible", "collision_deductible",
    "rental_reimbursement", "roadside_assistance", "uninsured_motorist",
    "financial_strength", "claims_satisfaction", "complaint_index",
}
FINANCIAL_STRENGTH_GRADES = {"A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C"}


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def market() -> Iterator[SandboxMarket]:
    """Overrides the session-wide market: here the slow insurer answers at once, which keeps 1,400 quotes fast."""
    with start_market(overrides=FAST) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with loopback_session() as session:
        yield session


def loopback_session() -> requests.Session:
    session = requests.Session()
    # Proxy settings in the environment must not reroute loopback traffic (and reading them is slow).
    session.trust_env = False
    return session


def utc_today() -> date:
    return datetime.now(UTC).date()


def profile(**overrides: Any) -> dict[str, Any]:
    """The example profile, with `age=` as a shortcut for a birth date."""
    age = overrides.pop("age", None)
    if age is not None:
        overrides["driver_birth_date"] = birth_date_for_age(age, utc_today())
    return example_auto_profile(**overrides)


def quote_request(auto_profile: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {"protocol": "candor-quote/1", "product": "auto", "request_id": "test-1", "profile": auto_profile}
    return {**body, **overrides}


def post_quotes(http: requests.Session, url: str, body: Any) -> requests.Response:
    return http.post(f"{url}/quotes", json=body, timeout=10)


def the_quote(http: requests.Session, url: str, auto_profile: dict[str, Any]) -> dict[str, Any]:
    response = post_quotes(http, url, quote_request(auto_profile))
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["declined"] is None
    quote: dict[str, Any]
    [quote] = reply["quotes"]
    return quote


def annual(quote: dict[str, Any]) -> Decimal:
    terms = quote["terms"]
    term_months: int = terms["term_months"]
    return Decimal(terms["premium"]) * 12 / term_months


def annual_price(http: requests.Session, market: SandboxMarket, key: str, auto_profile: dict[str, Any]) -> Decimal:
    return annual(the_quote(http, market.urls[key], auto_profile))


def assert_money(text: Any) -> Decimal:
    assert isinstance(text, str)
    amount = Decimal(text)
    assert amount.as_tuple().exponent == -2, f"{text!r} must have exactly 2 decimal places"
    return amount


def single_insurer(key: str, **changes: Any) -> list[SandboxProviderSpec]:
    """A one-insurer market's specs: knob tests need not start all seven."""
    return apply_overrides([spec for spec in auto_insurers() if spec.key == key], {key: changes})


# --- the protocol ------------------------------------------------------------------------------


def test_the_default_market_has_the_seven_insurers_with_one_house() -> None:
    specs = auto_insurers()
    assert [(s.key, s.name) for s in specs] == [
        ("harbor", "Harbor Mutual"),
        ("acme", "Acme Auto"),
        ("bluebird", "Bluebird Insurance"),
        ("summit", "Summit General"),
        ("keystone", "Keystone Direct"),
        ("pioneer", "Pioneer Casualty"),
        ("tortoise", "Tortoise & Co"),
    ]
    assert [s.key for s in specs if s.house] == ["harbor"]
    assert len({s.commission for s in specs}) == len(specs)
    assert {s.key: s.latency_s for s in specs}["tortoise"] == 1.5


@pytest.mark.parametrize("key", INSURER_KEYS)
def test_every_insurer_quotes_a_valid_profile_with_schema_correct_terms(
    market: SandboxMarket, http: requests.Session, key: str
) -> None:
    response = post_quotes(http, market.urls[key], quote_request(profile()))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    reply = response.json()
    assert set(reply) == {"quotes", "declined"}
    assert reply["declined"] is None
    [quote] = reply["quotes"]
    stated = {spec.key: spec.firmness for spec in auto_insurers()}[key]
    assert set(quote) == QUOTE_FIELDS | ({"firmness"} if stated else set())
    assert quote.get("firmness") == stated
    assert quote["id"].startswith(f"{key}-")
    assert (quote["product"], quote["currency"]) == ("auto", "USD")
    assert quote["url"] == f"{market.urls[key]}/offer/{quote['id']}"
    valid_until = datetime.fromisoformat(quote["valid_until"])
    assert valid_until.tzinfo is not None
    assert valid_until > datetime.now(UTC)
    assert_schema_correct_terms(quote["terms"])
    assert Decimal(400) < annual(quote) < Decimal(4000)


def assert_schema_correct_terms(terms: dict[str, Any]) -> None:
    assert set(terms) == TERM_FIELDS
    assert terms["term_months"] in (6, 12)
    assert assert_money(terms["premium"]) > 0
    assert terms["liability_limits"] in LIABILITY_LIMITS
    for deductible in (terms["comprehensive_deductible"], terms["collision_deductible"]):
        assert deductible is None or deductible in {"250", "500", "1000", "2000"}
    for extra in ("rental_reimbursement", "roadside_assistance", "uninsured_motorist"):
        assert isinstance(terms[extra], bool)
    assert terms["financial_strength"] in FINANCIAL_STRENGTH_GRADES
    assert type(terms["claims_satisfaction"]) is int and 0 <= terms["claims_satisfaction"] <= 1000
    assert assert_money(terms["complaint_index"]) > 0


def test_quote_ids_are_unique_and_the_offer_link_opens_a_page(market: SandboxMarket, http: requests.Session) -> None:
    first = the_quote(http, market.urls["harbor"], profile())
    second = the_quote(http, market.urls["harbor"], profile())
    assert first["id"] != second["id"]

    page = http.get(first["url"], timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert f"Offer {first['id']} from Harbor Mutual" in page.text


def test_the_root_describes_the_insurer(market: SandboxMarket, http: requests.Session) -> None:
    reply = http.get(f"{market.urls['summit']}/", timeout=10)
    assert reply.status_code == 200
    assert reply.json()["name"] == "Summit General"
    assert reply.json()["products"] == ["auto"]


def test_ratings_and_extras_differ_between_insurers(market: SandboxMarket, http: requests.Session) -> None:
    terms = {key: the_quote(http, market.urls[key], profile())["terms"] for key in INSURER_KEYS}
    assert terms["summit"]["financial_strength"] == "A++"
    assert terms["summit"]["claims_satisfaction"] == max(t["claims_satisfaction"] for t in terms.values())
    assert len({t["financial_strength"] for t in terms.values()}) >= 4
    extras = {(t["rental_reimbursement"], t["roadside_assistance"], t["uninsured_motorist"]) for t in terms.values()}
    assert len(extras) >= 3


# --- insurer peculiarities ---------------------------------------------------------------------


def test_keystone_quotes_six_months_at_about_half_an_annual_premium(
    market: SandboxMarket, http: requests.Session
) -> None:
    keystone = the_quote(http, market.urls["keystone"], profile())
    harbor = the_quote(http, market.urls["harbor"], profile())
    assert keystone["terms"]["term_months"] == 6
    assert harbor["terms"]["term_months"] == 12
    assert Decimal(keystone["terms"]["premium"]) < Decimal(harbor["terms"]["premium"]) * Decimal("0.8")


@pytest.mark.parametrize(
    "risky_profile",
    [
        pytest.param(profile(at_fault_accidents_5y=3), id="three accidents"),
        pytest.param(profile(age=20, years_licensed=3), id="under 21"),
        pytest.param(profile(vehicle_use="business"), id="business use"),
    ],
)
def test_pioneer_declines_risks_it_does_not_write_with_a_reason(
    market: SandboxMarket, http: requests.Session, risky_profile: dict[str, Any]
) -> None:
    response = post_quotes(http, market.urls["pioneer"], quote_request(risky_profile))
    assert response.status_code == 200
    reply = response.json()
    assert reply["quotes"] == []
    assert isinstance(reply["declined"]["reason"], str) and reply["declined"]["reason"].startswith("We do not insure")
    # The same profile is not declined by everyone.
    assert the_quote(http, market.urls["summit"], risky_profile)


def test_pioneer_quotes_the_risks_just_inside_its_rules(market: SandboxMarket, http: requests.Session) -> None:
    borderline = profile(age=21, years_licensed=4, at_fault_accidents_5y=2, vehicle_use="pleasure")
    assert the_quote(http, market.urls["pioneer"], borderline)["terms"]["term_months"] == 12


def test_acme_offers_lower_limits_than_the_highest_asked(market: SandboxMarket, http: requests.Session) -> None:
    asked_highest = profile(liability_limits="250/500/250")
    assert the_quote(http, market.urls["acme"], asked_highest)["terms"]["liability_limits"] == "50/100/50"
    assert the_quote(http, market.urls["acme"], profile())["terms"]["liability_limits"] == "100/300/100"
    for key in INSURER_KEYS:
        if key != "acme":
            assert the_quote(http, market.urls[key], asked_highest)["terms"]["liability_limits"] == "250/500/250"


@pytest.mark.parametrize(("preferred", "offered"), [("250", "500"), ("500", "500"), ("1000", "1000"), ("2000", "1000")])
def test_bluebird_rounds_the_deductible_to_500_or_1000(
    market: SandboxMarket, http: requests.Session, preferred: str, offered: str
) -> None:
    terms = the_quote(http, market.urls["bluebird"], profile(deductible=preferred))["terms"]
    assert (terms["comprehensive_deductible"], terms["collision_deductible"]) == (offered, offered)


def test_deductibles_follow_the_preference_and_are_null_without_the_cover(
    market: SandboxMarket, http: requests.Session
) -> None:
    for key in INSURER_KEYS:
        if key == "bluebird":
            continue
        full = the_quote(http, market.urls[key], profile(deductible="2000"))["terms"]
        assert (full["comprehensive_deductible"], full["collision_deductible"]) == ("2000", "2000")
        no_collision = the_quote(http, market.urls[key], profile(collision=False))["terms"]
        assert (no_collision["comprehensive_deductible"], no_collision["collision_deductible"]) == ("500", None)


# --- pricing -----------------------------------------------------------------------------------


def test_the_zips_these_tests_use_fall_in_the_bands_they_are_named_for() -> None:
    assert (zip_band(URBAN_ZIP), zip_band(SUBURBAN_ZIP), zip_band(RURAL_ZIP)) == ("urban", "suburban", "rural")


# (label, cheaper profile, dearer profile): every insurer must price the second higher.
PRICING_DIRECTIONS = [
    ("older driver", profile(age=45), profile(age=22, years_licensed=4)),
    ("more years licensed", profile(age=40, years_licensed=20), profile(age=40, years_licensed=1)),
    ("at-fault accidents", profile(), profile(at_fault_accidents_5y=2)),
    ("violations", profile(), profile(violations_5y=2)),
    ("annual mileage", profile(annual_mileage=5000), profile(annual_mileage=20000)),
    ("ZIP band", profile(zip_code=RURAL_ZIP), profile(zip_code=URBAN_ZIP)),
    ("continuous cover", profile(), profile(continuous_cover=False)),
    ("vehicle value", profile(vehicle_value="9000.00"), profile(vehicle_value="30000.00")),
    ("newer vehicle", profile(vehicle_year=2012), profile(vehicle_year=2025)),
    ("vehicle use", profile(vehicle_use="pleasure"), profile(vehicle_use="commute")),
    ("liability limits", profile(liability_limits="25/50/25"), profile(liability_limits="100/300/100")),
    ("collision cover", profile(collision=False), profile()),
    ("comprehensive cover", profile(comprehensive=False, collision=False), profile(collision=False)),
    ("higher deductible", profile(deductible="1000"), profile(deductible="500")),
]


@pytest.mark.parametrize(("label", "cheaper", "dearer"), PRICING_DIRECTIONS, ids=[d[0] for d in PRICING_DIRECTIONS])
def test_every_insurer_prices_each_factor_in_the_right_direction(
    market: SandboxMarket, http: requests.Session, label: str, cheaper: dict[str, Any], dearer: dict[str, Any]
) -> None:
    for key in INSURER_KEYS:
        assert annual_price(http, market, key, cheaper) < annual_price(http, market, key, dearer), f"{key}: {label}"


def test_pricing_is_deterministic_for_a_profile_and_day(market: SandboxMarket, http: requests.Session) -> None:
    for key in INSURER_KEYS:
        assert annual_price(http, market, key, profile()) == annual_price(http, market, key, profile())


def relative_price(http: requests.Session, market: SandboxMarket, key: str, rival: str, p: dict[str, Any]) -> Decimal:
    return annual_price(http, market, key, p) / annual_price(http, market, rival, p)


# (label, insurer, favourable profile, unfavourable profile): the insurer is relatively cheaper
# against the house for the first, which is what makes different insurers win for different people.
PRICING_SHAPES = [
    ("acme is kind to young drivers", "acme", profile(age=19, years_licensed=2), profile(age=45)),
    ("acme punishes accidents", "acme", profile(), profile(at_fault_accidents_5y=1)),
    ("bluebird favours low mileage", "bluebird", profile(annual_mileage=3000), profile(annual_mileage=25000)),
    ("pioneer is cheap in the country", "pioneer", profile(zip_code=RURAL_ZIP), profile(zip_code=URBAN_ZIP)),
    ("summit surcharges gently", "summit", profile(at_fault_accidents_5y=2, violations_5y=2), profile()),
    ("tortoise favours seniors", "tortoise", profile(age=70, years_licensed=50), profile(age=45)),
    (
        "keystone is cheap without physical damage cover",
        "keystone",
        profile(comprehensive=False, collision=False),
        profile(vehicle_year=2025, vehicle_value="40000.00"),
    ),
]


@pytest.mark.parametrize(
    ("label", "key", "favourable", "unfavourable"), PRICING_SHAPES, ids=[shape[0] for shape in PRICING_SHAPES]
)
def test_insurers_differ_in_shape_not_just_level(
    market: SandboxMarket,
    http: requests.Session,
    label: str,
    key: str,
    favourable: dict[str, Any],
    unfavourable: dict[str, Any],
) -> None:
    assert relative_price(http, market, key, "harbor", favourable) < relative_price(
        http, market, key, "harbor", unfavourable
    ), label


def cheapest_insurer(quotes: dict[str, dict[str, Any] | None], asked_limits: str) -> str:
    """The cheapest on an annual basis among quotes that give at least the cover asked for."""
    eligible = {
        key: annual(quote)
        for key, quote in quotes.items()
        if quote is not None
        and LIABILITY_LIMITS.index(quote["terms"]["liability_limits"]) >= LIABILITY_LIMITS.index(asked_limits)
    }
    return min(eligible, key=lambda key: eligible[key])


def quotes_from_everyone(
    http: requests.Session, market: SandboxMarket, auto_profile: dict[str, Any]
) -> dict[str, dict[str, Any] | None]:
    quotes = {}
    for key in INSURER_KEYS:
        reply = post_quotes(http, market.urls[key], quote_request(auto_profile)).json()
        quotes[key] = reply["quotes"][0] if reply["quotes"] else None
    return quotes


def test_across_a_spread_of_profiles_many_insurers_win_and_the_house_only_sometimes(
    market: SandboxMarket, http: requests.Session
) -> None:
    rng = random.Random(20261123)
    profiles = [random_auto_profile(rng, utc_today()) for _ in range(200)]
    all_quotes = [quotes_from_everyone(http, market, p) for p in profiles]

    winners = Counter(cheapest_insurer(q, p["liability_limits"]) for q, p in zip(all_quotes, profiles))
    house_share = winners["harbor"] / len(profiles)
    assert len(winners) >= 4, winners
    assert 0.05 < house_share < 0.50, winners
    annual_premiums = sorted(annual(q) for quotes in all_quotes for q in quotes.values() if q is not None)
    assert annual_premiums[0] > 300
    assert annual_premiums[len(annual_premiums) * 9 // 10] < 4000


# --- bad requests ------------------------------------------------------------------------------

BAD_BODIES = [
    ("wrong protocol", quote_request(profile(), protocol="candor-quote/2"), "/protocol"),
    ("wrong product", quote_request(profile(), product="mortgage"), "/product"),
    ("no request id", {k: v for k, v in quote_request(profile()).items() if k != "request_id"}, "/request_id"),
    ("no profile", {k: v for k, v in quote_request(profile()).items() if k != "profile"}, "/profile"),
    ("profile not an object", quote_request(["94110"]), "/profile"),  # type: ignore[arg-type]
    ("missing field", quote_request({k: v for k, v in profile().items() if k != "zip_code"}), "/profile/zip_code"),
    ("short zip", quote_request(profile(zip_code="9411")), "/profile/zip_code"),
    ("unknown state", quote_request(profile(state="XX")), "/profile/state"),
    ("impossible date", quote_request(profile(driver_birth_date="1990-02-30")), "/profile/driver_birth_date"),
    ("unborn driver", quote_request(profile(driver_birth_date="2999-01-01")), "/profile/driver_birth_date"),
    ("years as text", quote_request(profile(years_licensed="5")), "/profile/years_licensed"),
    ("accidents as bool", quote_request(profile(at_fault_accidents_5y=True)), "/profile/at_fault_accidents_5y"),
    ("negative violations", quote_request(profile(violations_5y=-1)), "/profile/violations_5y"),
    ("future vehicle", quote_request(profile(vehicle_year=2999)), "/profile/vehicle_year"),
    ("empty make", quote_request(profile(vehicle_make=" ")), "/profile/vehicle_make"),
    ("value as number", quote_request(profile(vehicle_value=18500.0)), "/profile/vehicle_value"),
    ("value with 3 dp", quote_request(profile(vehicle_value="18500.001")), "/profile/vehicle_value"),
    ("negative value", quote_request(profile(vehicle_value="-5.00")), "/profile/vehicle_value"),
    ("unknown use", quote_request(profile(vehicle_use="racing")), "/profile/vehicle_use"),
    ("cover as text", quote_request(profile(continuous_cover="yes")), "/profile/continuous_cover"),
    ("unknown limits", quote_request(profile(liability_limits="10/20/10")), "/profile/liability_limits"),
    ("deductible as number", quote_request(profile(deductible=500)), "/profile/deductible"),
    ("unknown deductible", quote_request(profile(deductible="300")), "/profile/deductible"),
]


@pytest.mark.parametrize(("label", "body", "pointer"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_get_a_problem_naming_the_field(
    market: SandboxMarket, http: requests.Session, label: str, body: dict[str, Any], pointer: str
) -> None:
    response = post_quotes(http, market.urls["harbor"], body)
    assert_problem(response, 400)
    assert pointer in [error["pointer"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""], ids=["broken", "array", "not utf-8", "empty"]
)
def test_bodies_that_are_not_json_objects_get_a_problem(
    market: SandboxMarket, http: requests.Session, raw: bytes
) -> None:
    response = http.post(
        f"{market.urls['acme']}/quotes", data=raw, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert_problem(response, 400)


def test_every_error_in_a_profile_is_reported_at_once(market: SandboxMarket, http: requests.Session) -> None:
    response = post_quotes(http, market.urls["harbor"], quote_request(profile(zip_code="x", state="x", deductible="x")))
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {"/profile/zip_code", "/profile/state", "/profile/deductible"}


def test_oversized_bodies_are_refused(market: SandboxMarket, http: requests.Session) -> None:
    body = quote_request(profile(), request_id="x" * (65 * 1024))
    assert_problem(post_quotes(http, market.urls["harbor"], body), 413)


def test_unknown_paths_and_methods_get_problems(market: SandboxMarket, http: requests.Session) -> None:
    assert_problem(http.get(f"{market.urls['harbor']}/nowhere", timeout=10), 404)
    assert_problem(http.get(f"{market.urls['harbor']}/offer/acme-123", timeout=10), 404)
    wrong_method = http.get(f"{market.urls['harbor']}/quotes", timeout=10)
    assert_problem(wrong_method, 405)
    assert wrong_method.headers["Allow"] == "POST"


def assert_problem(response: requests.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert isinstance(problem["detail"], str) and problem["detail"]


# --- knobs -------------------------------------------------------------------------------------


def test_error_rate_one_always_fails_with_503() -> None:
    with SandboxMarket(single_insurer("harbor", error_rate=1.0)) as failing, loopback_session() as http:
        for _ in range(3):
            assert_problem(post_quotes(http, failing.urls["harbor"], quote_request(profile())), 503)


def statuses_with_error_rate(error_rate: float, seed: int, count: int) -> list[int]:
    with SandboxMarket(single_insurer("acme", error_rate=error_rate, seed=seed)) as flaky, loopback_session() as http:
        return [post_quotes(http, flaky.urls["acme"], quote_request(profile())).status_code for _ in range(count)]


def test_error_rate_fails_a_share_of_requests_reproducibly_from_the_seed() -> None:
    first = statuses_with_error_rate(0.5, seed=7, count=40)
    assert set(first) == {200, 503}
    assert 8 <= first.count(503) <= 32
    assert statuses_with_error_rate(0.5, seed=7, count=40) == first


def test_latency_delays_the_answer() -> None:
    with SandboxMarket(single_insurer("harbor", latency_s=0.3)) as slow, loopback_session() as http:
        started = time.monotonic()
        assert post_quotes(http, slow.urls["harbor"], quote_request(profile())).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_a_slow_insurer_answers_concurrent_requests_concurrently() -> None:
    latency = 0.4
    with SandboxMarket(single_insurer("tortoise", latency_s=latency)) as slow:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda _: one_shot_quote_status(slow.urls["tortoise"]), range(4)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 4
    # One after another would take 4 * latency.
    assert elapsed < 3 * latency


def one_shot_quote_status(url: str) -> int:
    with loopback_session() as http:
        return post_quotes(http, url, quote_request(profile())).status_code


def test_decline_and_term_knobs_can_be_overridden() -> None:
    specs = single_insurer("harbor", decline=lambda p: "Not today." if p.zip_band == "urban" else None, term_months=6)
    with SandboxMarket(specs) as picky, loopback_session() as http:
        urban = post_quotes(http, picky.urls["harbor"], quote_request(profile(zip_code=URBAN_ZIP))).json()
        assert urban == {"quotes": [], "declined": {"reason": "Not today."}}
        assert the_quote(http, picky.urls["harbor"], profile(zip_code=RURAL_ZIP))["terms"]["term_months"] == 6


@pytest.mark.parametrize(
    "overrides",
    [
        {"nobody": {"latency_s": 1}},
        {"acme": {"latnecy_s": 1}},
        {"acme": {"error_rate": 2}},
        {"acme": {"term_months": 3}},
    ],
    ids=["unknown insurer", "unknown knob", "error rate above 1", "odd term"],
)
def test_bad_overrides_are_refused(overrides: dict[str, dict[str, Any]]) -> None:
    with pytest.raises(ValueError):
        SandboxMarket(overrides=overrides)


# --- lifecycle and provider entries ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_start_and_stop_twice_without_leaking_threads_or_ports() -> None:
    threads_before = set(threading.enumerate())
    base_port = free_port()
    market = SandboxMarket(single_insurer("harbor"), base_port=base_port)
    for _ in range(2):
        market.start()
        assert market.urls == {"harbor": f"http://127.0.0.1:{base_port}"}
        with loopback_session() as http:
            assert http.get(f"{market.urls['harbor']}/", timeout=10).status_code == 200
        market.stop()
        assert market.urls == {}
        assert set(threading.enumerate()) - threads_before == set()
    with pytest.raises(requests.ConnectionError), loopback_session() as http:
        http.get(f"http://127.0.0.1:{base_port}/", timeout=2)


def test_stop_wakes_requests_sleeping_out_their_latency() -> None:
    market = SandboxMarket(single_insurer("tortoise", latency_s=30.0)).start()
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(one_shot_quote_status(market.urls["tortoise"])))
    waiting.start()
    time.sleep(0.3)
    started = time.monotonic()
    market.stop()
    waiting.join(timeout=10)
    assert time.monotonic() - started < 5
    assert answers == [503]


def test_starting_a_running_market_is_an_error(market: SandboxMarket) -> None:
    with pytest.raises(RuntimeError):
        market.start()


def test_provider_entries_describe_the_running_market(market: SandboxMarket) -> None:
    entries = market.provider_entries()
    assert [entry["key"] for entry in entries] == [spec.key for spec in market.specs]
    auto = [entry for entry in entries if entry["products"] == ["auto"]]
    assert [entry["key"] for entry in auto] == [*INSURER_KEYS, "lighthouse"]
    for entry in auto[:-1]:
        assert set(entry) == {"key", "name", "adapter", "products", "house", "timeout_s", "commission", "url"}
        assert (entry["adapter"], entry["timeout_s"]) == ("quote_protocol", 3.0)
        assert entry["url"] == market.urls[entry["key"]]
    # The competitor without a quoting service is read from its published rate page.
    assert auto[-1]["adapter"] == "html_rate_table"
    assert auto[-1]["url"].startswith(market.urls["lighthouse"] + "/")
    assert [entry["key"] for entry in auto if entry["house"]] == ["harbor"]
    assert entries[0]["commission"] == "none — this is our own offer"


def test_providers_toml_reads_back_as_the_entries(market: SandboxMarket) -> None:
    assert tomllib.loads(market.providers_toml()) == {"provider": market.provider_entries()}


@pytest.mark.parametrize(
    "text", ['say "hi"', "back\\slash", "line\nbreak\ttab", "bell\x07", "del\x7f", "Tortoise & Co — 9%"]
)
def test_toml_strings_are_escaped(text: str) -> None:
    assert tomllib.loads(f"value = {toml_string(text)}") == {"value": text}


def test_a_re_quote_just_after_midnight_utc_is_still_a_re_quote(http: requests.Session) -> None:
    """`requote_markup_percent` knows a customer by their profile, not by the day they ask: the
    quote made at 23:30 UTC and the one at 00:30 the next day are the same customer's."""
    moments = iter([datetime(2026, 12, 5, 23, 30, tzinfo=UTC), datetime(2026, 12, 6, 0, 30, tzinfo=UTC)])
    specs = single_insurer("harbor", requote_markup_percent=20.0)
    with SandboxMarket(specs, clock=lambda: next(moments)) as running:
        first, second = (Decimal(the_quote(http, running.urls["harbor"], profile())["terms"]["premium"])
                         for _ in range(2))
    assert second == (first * Decimal("1.2")).quantize(Decimal("0.01"))
