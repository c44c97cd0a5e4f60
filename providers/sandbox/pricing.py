"""Rating plans: how each sandbox insurer turns an auto profile into an annual premium.

Every plan uses the same formula, but the curves inside differ in shape, so
the cheapest insurer genuinely depends on who is asking:

    annual = policy_fee + extras_cost
             + (liability + physical damage) * driver factor * exposure factor

All arithmetic is Decimal; the result is rounded to cents once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .household import Driver, Vehicle
from .profile import AutoProfile, ZipBand, age_on

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Curve:
    """A piecewise-linear factor over an integer input, flat beyond its first and last points."""

    points: tuple[tuple[int, Decimal], ...]

    def at(self, x: int) -> Decimal:
        first_x, first_y = self.points[0]
        if x <= first_x:
            return first_y
        for (x0, y0), (x1, y1) in zip(self.points, self.points[1:]):
            if x <= x1:
                return y0 + (y1 - y0) * Decimal(x - x0) / Decimal(x1 - x0)
        return self.points[-1][1]


def curve(*points: tuple[int, str]) -> Curve:
    xs = [x for x, _ in points]
    if xs != sorted(set(xs)):
        raise ValueError("curve points must have strictly increasing x")
    return Curve(tuple((x, Decimal(y)) for x, y in points))


def factors(urban: str, suburban: str, rural: str) -> tuple[tuple[ZipBand, Decimal], ...]:
    return (("urban", Decimal(urban)), ("suburban", Decimal(suburban)), ("rural", Decimal(rural)))


def use_factors(commute: str, pleasure: str, business: str) -> tuple[tuple[str, Decimal], ...]:
    return (("commute", Decimal(commute)), ("pleasure", Decimal(pleasure)), ("business", Decimal(business)))


# Relative cost of liability cover by limits, shared: limits are a product
# definition, the insurers differ in everything around them.
LIABILITY_LIMIT_FACTORS: dict[str, Decimal] = {
    "25/50/25": Decimal("0.78"),
    "50/100/50": Decimal("1.00"),
    "100/300/100": Decimal("1.22"),
    "250/500/250": Decimal("1.45"),
}
COMPREHENSIVE_DEDUCTIBLE_FACTORS: dict[int, Decimal] = {
    250: Decimal("1.20"),
    500: Decimal("1.00"),
    1000: Decimal("0.82"),
    2000: Decimal("0.68"),
}
COLLISION_DEDUCTIBLE_FACTORS: dict[int, Decimal] = {
    250: Decimal("1.25"),
    500: Decimal("1.00"),
    1000: Decimal("0.80"),
    2000: Decimal("0.62"),
}


@dataclass(frozen=True)
class RatingPlan:
    policy_fee: Decimal
    """Flat yearly charge, independent of risk."""
    liability_base: Decimal
    """Yearly liability premium at 50/100/50 for a reference risk."""
    comprehensive_rate: Decimal
    """Yearly comprehensive premium per dollar of vehicle value at a 500 deductible."""
    collision_rate: Decimal
    """Yearly collision premium per dollar of vehicle value at a 500 deductible."""
    driver_age: Curve
    years_licensed: Curve
    accidents: Curve
    violations: Curve
    annual_mileage: Curve
    vehicle_age: Curve
    """Applied to physical damage only: new cars cost more to repair."""
    zip_bands: tuple[tuple[ZipBand, Decimal], ...]
    vehicle_uses: tuple[tuple[str, Decimal], ...]
    lapse: Decimal
    """Factor for a driver without continuous prior cover."""
    extras_cost: Decimal = Decimal(0)
    """Yearly cost of the extras (rental, roadside, UM) this insurer bundles."""


# A second driver of the same car adds this share of their own risk to the riskiest one's.
OCCASIONAL_DRIVER_SHARE = Decimal("0.25")


def annual_premium(plan: RatingPlan, profile: AutoProfile, *, liability_limits: str, deductible: int,
                   extras_added: Decimal = Decimal(0), discount_factor: Decimal = Decimal(1)) -> Decimal:
    """The yearly premium for `profile` with the cover the insurer actually offers: the policy fee
    and extras once, then each car's liability and physical damage, rated for the riskiest driver
    who usually drives it (plus a share of each other one; the primary driver for a car nobody
    names), less the discounts (`discount_factor`, the product of one minus each rate)."""
    liability = plan.liability_base * LIABILITY_LIMIT_FACTORS[liability_limits]
    total = plan.policy_fee + plan.extras_cost + extras_added
    for number, vehicle in enumerate(profile.vehicles, 1):
        total += (liability + _physical_damage(plan, profile, vehicle, deductible)) * _vehicle_risk(plan, profile, number, vehicle)
    if discount_factor != 1:
        total *= discount_factor
    return within_plausible_range(total).quantize(CENT, rounding=ROUND_HALF_UP)


def _vehicle_risk(plan: RatingPlan, profile: AutoProfile, number: int, vehicle: Vehicle) -> Decimal:
    drivers = [driver for driver in profile.drivers if driver.vehicle == number] or [profile.drivers[0]]
    factors = sorted((_driver_factor(plan, profile, driver) for driver in drivers), reverse=True)
    driver_factor = factors[0] + OCCASIONAL_DRIVER_SHARE * sum(factors[1:]) if len(factors) > 1 else factors[0]
    return driver_factor * _exposure_factor(plan, profile, vehicle)


SOFT_FLOOR = Decimal(600)
SOFT_CEILING = Decimal(3000)
_CEILING_SCALE = Decimal(1000)


def within_plausible_range(premium: Decimal) -> Decimal:
    """Squeeze extreme premiums towards a believable band without flattening them.

    The same strictly increasing map for every insurer, so it never changes
    which insurer is cheaper: below the floor differences are halved, above
    the ceiling they grow logarithmically.
    """
    if premium < SOFT_FLOOR:
        return SOFT_FLOOR - (SOFT_FLOOR - premium) / 2
    if premium > SOFT_CEILING:
        return SOFT_CEILING + _CEILING_SCALE * (1 + (premium - SOFT_CEILING) / _CEILING_SCALE).ln()
    return premium


def term_premium(annual: Decimal, term_months: int) -> Decimal:
    return (annual * term_months / 12).quantize(CENT, rounding=ROUND_HALF_UP)


def _driver_factor(plan: RatingPlan, profile: AutoProfile, driver: Driver) -> Decimal:
    factor = (
        plan.driver_age.at(age_on(driver.birth_date, profile.quoted_on))
        * plan.years_licensed.at(driver.years_licensed)
        * plan.accidents.at(driver.at_fault_accidents_5y)
        * plan.violations.at(driver.violations_5y)
    )
    return factor if profile.continuous_cover else factor * plan.lapse


def _exposure_factor(plan: RatingPlan, profile: AutoProfile, vehicle: Vehicle) -> Decimal:
    return (
        plan.annual_mileage.at(vehicle.annual_mileage)
        * dict(plan.zip_bands)[profile.zip_band]
        * dict(plan.vehicle_uses)[vehicle.use]
    )


def _physical_damage(plan: RatingPlan, profile: AutoProfile, vehicle: Vehicle, deductible: int) -> Decimal:
    # Next year's model is on sale before the year starts; treat it as new.
    value_factor = vehicle.value * plan.vehicle_age.at(max(0, profile.quoted_on.year - vehicle.year))
    premium = Decimal(0)
    if profile.comprehensive:
        premium += value_factor * plan.comprehensive_rate * COMPREHENSIVE_DEDUCTIBLE_FACTORS[deductible]
    if profile.collision:
        premium += value_factor * plan.collision_rate * COLLISION_DEDUCTIBLE_FACTORS[deductible]
    return premium


# --- the plans ---------------------------------------------------------------

STANDARD_PLAN = RatingPlan(
    # A middle-of-the-market plan for specs that do not bring their own.
    policy_fee=Decimal(75),
    liability_base=Decimal(600),
    comprehensive_rate=Decimal("0.0058"),
    collision_rate=Decimal("0.0205"),
    driver_age=curve((16, "2.30"), (21, "1.80"), (25, "1.30"), (30, "1.05"), (45, "0.92"),
                     (65, "0.98"), (75, "1.25"), (90, "1.70")),
    years_licensed=curve((0, "1.30"), (3, "1.12"), (8, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.50"), (2, "2.05"), (3, "2.65"), (6, "3.90")),
    violations=curve((0, "1.00"), (1, "1.28"), (2, "1.60"), (4, "2.30")),
    annual_mileage=curve((0, "0.88"), (12000, "1.00"), (25000, "1.18"), (40000, "1.35")),
    vehicle_age=curve((0, "1.10"), (3, "1.00"), (10, "0.88"), (20, "0.84")),
    zip_bands=factors(urban="1.20", suburban="1.00", rural="0.92"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.92", business="1.30"),
    lapse=Decimal("1.30"),
    extras_cost=Decimal(30),
)

HARBOR_PLAN = RatingPlan(
    # The house: excellent for settled, clean, middle-aged drivers; steep everywhere else.
    policy_fee=Decimal(60),
    liability_base=Decimal(560),
    comprehensive_rate=Decimal("0.0055"),
    collision_rate=Decimal("0.0200"),
    driver_age=curve((16, "2.90"), (21, "2.20"), (25, "1.50"), (30, "1.05"), (35, "0.82"),
                     (45, "0.76"), (58, "0.82"), (66, "1.10"), (75, "1.55"), (90, "2.10")),
    years_licensed=curve((0, "1.45"), (3, "1.20"), (6, "1.05"), (10, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.55"), (2, "2.20"), (3, "2.90"), (6, "4.50")),
    violations=curve((0, "1.00"), (1, "1.30"), (2, "1.65"), (4, "2.40")),
    annual_mileage=curve((0, "0.85"), (7500, "0.92"), (12000, "1.00"), (20000, "1.15"), (40000, "1.40")),
    vehicle_age=curve((0, "1.10"), (3, "1.00"), (10, "0.90"), (20, "0.85")),
    zip_bands=factors(urban="1.25", suburban="1.00", rural="0.90"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.92", business="1.30"),
    lapse=Decimal("1.35"),
    extras_cost=Decimal(45),
)

ACME_PLAN = RatingPlan(
    # Cheap for young and new drivers, but an at-fault accident is brutal.
    policy_fee=Decimal(90),
    liability_base=Decimal(600),
    comprehensive_rate=Decimal("0.0060"),
    collision_rate=Decimal("0.0210"),
    driver_age=curve((16, "1.45"), (21, "1.25"), (25, "1.10"), (30, "1.00"), (50, "0.96"),
                     (70, "1.08"), (85, "1.40")),
    years_licensed=curve((0, "1.15"), (3, "1.06"), (6, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.90"), (2, "2.90"), (3, "3.90"), (6, "6.00")),
    violations=curve((0, "1.00"), (1, "1.25"), (2, "1.55"), (4, "2.20")),
    annual_mileage=curve((0, "0.90"), (12000, "1.00"), (25000, "1.12"), (40000, "1.25")),
    vehicle_age=curve((0, "1.12"), (3, "1.00"), (10, "0.88"), (20, "0.82")),
    zip_bands=factors(urban="1.20", suburban="1.00", rural="0.92"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.94", business="1.20"),
    lapse=Decimal("1.25"),
    extras_cost=Decimal(15),
)

BLUEBIRD_PLAN = RatingPlan(
    # Prices by the mile: very cheap for low-mileage drivers, dear for long commutes.
    policy_fee=Decimal(75),
    liability_base=Decimal(610),
    comprehensive_rate=Decimal("0.0058"),
    collision_rate=Decimal("0.0205"),
    driver_age=curve((16, "2.40"), (21, "1.90"), (25, "1.35"), (30, "1.05"), (40, "0.92"),
                     (60, "0.92"), (72, "1.15"), (85, "1.55")),
    years_licensed=curve((0, "1.30"), (3, "1.12"), (8, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.45"), (2, "1.95"), (3, "2.50"), (6, "3.80")),
    violations=curve((0, "1.00"), (1, "1.22"), (2, "1.50"), (4, "2.10")),
    annual_mileage=curve((0, "0.55"), (4000, "0.62"), (8000, "0.80"), (12000, "1.00"),
                         (16000, "1.22"), (22000, "1.50"), (40000, "2.00")),
    vehicle_age=curve((0, "1.10"), (3, "1.00"), (10, "0.88"), (20, "0.84")),
    zip_bands=factors(urban="1.22", suburban="1.00", rural="0.90"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.88", business="1.35"),
    lapse=Decimal("1.30"),
    extras_cost=Decimal(40),
)

SUMMIT_PLAN = RatingPlan(
    # A big base rate but gentle surcharges: dear for the ideal driver, competitive for risky ones.
    policy_fee=Decimal(420),
    liability_base=Decimal(640),
    comprehensive_rate=Decimal("0.0062"),
    collision_rate=Decimal("0.0215"),
    driver_age=curve((16, "1.90"), (21, "1.50"), (25, "1.15"), (30, "1.00"), (75, "1.00"), (90, "1.25")),
    years_licensed=curve((0, "1.12"), (3, "1.04"), (5, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.12"), (2, "1.26"), (3, "1.42"), (6, "1.90")),
    violations=curve((0, "1.00"), (1, "1.06"), (2, "1.13"), (4, "1.28")),
    annual_mileage=curve((0, "0.95"), (12000, "1.00"), (30000, "1.10")),
    vehicle_age=curve((0, "1.08"), (3, "1.00"), (10, "0.92"), (20, "0.90")),
    zip_bands=factors(urban="1.12", suburban="1.00", rural="0.95"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.95", business="1.10"),
    lapse=Decimal("1.10"),
    extras_cost=Decimal(70),
)

KEYSTONE_PLAN = RatingPlan(
    # Lean liability, dear physical damage: best for older cars and liability-only buyers.
    policy_fee=Decimal(40),
    liability_base=Decimal(520),
    comprehensive_rate=Decimal("0.0085"),
    collision_rate=Decimal("0.0300"),
    driver_age=curve((16, "2.60"), (21, "2.00"), (25, "1.40"), (30, "1.08"), (45, "0.95"),
                     (65, "1.00"), (75, "1.30"), (90, "1.80")),
    years_licensed=curve((0, "1.35"), (3, "1.15"), (8, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.50"), (2, "2.05"), (3, "2.70"), (6, "4.00")),
    violations=curve((0, "1.00"), (1, "1.35"), (2, "1.75"), (4, "2.50")),
    annual_mileage=curve((0, "0.92"), (12000, "1.00"), (25000, "1.15"), (40000, "1.30")),
    vehicle_age=curve((0, "1.25"), (3, "1.05"), (10, "0.80"), (20, "0.70")),
    zip_bands=factors(urban="1.18", suburban="1.00", rural="0.95"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.93", business="1.25"),
    lapse=Decimal("1.60"),
)

PIONEER_PLAN = RatingPlan(
    # Territory-driven: expensive in cities, the cheapest in the country.
    policy_fee=Decimal(55),
    liability_base=Decimal(590),
    comprehensive_rate=Decimal("0.0056"),
    collision_rate=Decimal("0.0200"),
    driver_age=curve((21, "1.70"), (25, "1.30"), (30, "1.05"), (40, "0.92"), (60, "0.95"),
                     (72, "1.20"), (85, "1.60")),
    years_licensed=curve((0, "1.30"), (3, "1.12"), (8, "1.00")),
    accidents=curve((0, "1.00"), (1, "1.40"), (2, "1.85")),
    violations=curve((0, "1.00"), (1, "1.28"), (2, "1.60"), (4, "2.30")),
    annual_mileage=curve((0, "0.88"), (12000, "1.00"), (25000, "1.18"), (40000, "1.35")),
    vehicle_age=curve((0, "1.10"), (3, "1.00"), (10, "0.88"), (20, "0.84")),
    zip_bands=factors(urban="1.55", suburban="1.05", rural="0.66"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.92", business="1.30"),
    lapse=Decimal("1.30"),
    extras_cost=Decimal(20),
)

TORTOISE_PLAN = RatingPlan(
    # Rewards loyalty and maturity: kind to seniors with continuous cover, hard on lapses and tickets.
    policy_fee=Decimal(80),
    liability_base=Decimal(590),
    comprehensive_rate=Decimal("0.0056"),
    collision_rate=Decimal("0.0205"),
    driver_age=curve((16, "2.50"), (21, "2.00"), (25, "1.50"), (30, "1.12"), (45, "0.95"),
                     (60, "0.82"), (70, "0.80"), (80, "0.95"), (90, "1.30")),
    years_licensed=curve((0, "1.40"), (3, "1.20"), (10, "1.00"), (30, "0.92")),
    accidents=curve((0, "1.00"), (1, "1.50"), (2, "2.05"), (3, "2.65"), (6, "3.90")),
    violations=curve((0, "1.00"), (1, "1.45"), (2, "1.95"), (4, "2.90")),
    annual_mileage=curve((0, "0.90"), (12000, "1.00"), (25000, "1.15"), (40000, "1.30")),
    vehicle_age=curve((0, "1.10"), (3, "1.00"), (10, "0.90"), (20, "0.86")),
    zip_bands=factors(urban="1.20", suburban="1.00", rural="0.92"),
    vehicle_uses=use_factors(commute="1.00", pleasure="0.90", business="1.30"),
    lapse=Decimal("1.70"),
    extras_cost=Decimal(35),
)
