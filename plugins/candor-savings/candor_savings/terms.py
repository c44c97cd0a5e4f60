"""A bank's offer terms for a savings account, a money market account or a CD: the JSON Schema they
are sent in (Candor Quote Protocol v1, served at /api/v1/products) and `parse_terms`, which turns
them into a typed, frozen `SavingsTerms` with every amount and rate a Decimal.

Rates are percent a year ("4.10" is 4.10%); amounts are USD decimal strings. The bank's `stated_apy`
is what it advertises: Candor computes the APY itself from the other terms (apy.py) and flags a
stated figure beyond the regulation's tolerance, so nothing here trusts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from providers.json_schema import SchemaValidator

ACCOUNT_TYPES = ("savings", "money_market", "cd")
COMPOUNDING = ("daily", "monthly", "quarterly", "semiannually", "annually", "none")
CREDITING = ("monthly", "quarterly", "semiannually", "annually", "at_maturity")
TIERING_METHODS = ("whole_balance", "portion")
"""Regulation DD Appendix A, Part I.D: Method A pays the tier's rate on the whole balance
("whole_balance"); Method B pays each tier's rate only on the portion of the balance within it."""
EARLY_WITHDRAWAL = ("penalty", "not_allowed")
INSURERS = ("FDIC", "NCUA", "none")
ACCESS = ("any_time", "penalty", "locked")
MAX_TERM_MONTHS = 120
MAX_TIERS = 10

AccountType = Literal["savings", "money_market", "cd"]
Compounding = Literal["daily", "monthly", "quarterly", "semiannually", "annually", "none"]
Crediting = Literal["monthly", "quarterly", "semiannually", "annually", "at_maturity"]
TieringMethod = Literal["whole_balance", "portion"]
Access = Literal["any_time", "penalty", "locked"]

_AMOUNT = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
_RATE = r"^[0-9]{1,2}(\.[0-9]{1,4})?$"
_APY = r"^[0-9]{1,2}(\.[0-9]{1,3})?$"
_CERTIFICATE = r"^[0-9A-Za-z-]{1,12}$"

_TIER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["balance_from", "interest_rate"],
    "properties": {
        "balance_from": {"type": "string", "pattern": _AMOUNT,
                         "description": "The tier's rate applies to balances from this amount, USD."},
        "interest_rate": {"type": "string", "pattern": _RATE, "description": "Percent a year."},
        "stated_apy": {"type": ["string", "null"], "pattern": _APY,
                       "description": "The APY the bank states for this tier (for a range, its low end)."},
    },
}

TERMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/savings/terms.json",
    "title": "Savings account or CD offer terms",
    "description": (
        "One deposit account offer. Rates are percent a year, amounts USD. Candor computes the APY "
        "itself by Regulation DD (12 CFR 1030) Appendix A from these terms; stated_apy is the bank's "
        "own figure, shown beside Candor's and flagged when it differs by more than the regulation allows."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": [
        "product_name", "account_type", "interest_rate", "compounding", "crediting", "stated_apy",
        "minimum_opening_deposit", "monthly_fee", "insurer", "service_score",
    ],
    "properties": {
        "product_name": {"type": "string", "minLength": 1, "maxLength": 80},
        "account_type": {"type": "string", "enum": list(ACCOUNT_TYPES)},
        "term_months": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_TERM_MONTHS,
                        "description": "A CD's term; null for savings and money market accounts."},
        "interest_rate": {"type": "string", "pattern": _RATE,
                          "description": "Percent a year on balances below the first tier (all balances when untiered)."},
        "tiers": {"type": "array", "maxItems": MAX_TIERS, "items": _TIER_SCHEMA,
                  "description": "Higher balance tiers, in increasing balance_from; empty when untiered."},
        "tiering_method": {"type": ["string", "null"], "enum": [*TIERING_METHODS, None]},
        "compounding": {"type": "string", "enum": list(COMPOUNDING),
                        "description": "How often interest earns interest; none: simple interest."},
        "crediting": {"type": "string", "enum": list(CREDITING),
                      "description": "How often interest is added to the account (or paid out)."},
        "interest_paid_out": {"type": "boolean",
                              "description": "Interest is paid out by check or transfer when credited, not left to earn."},
        "stated_apy": {"type": "string", "pattern": _APY, "description": "The APY the bank states, percent."},
        "minimum_opening_deposit": {"type": "string", "pattern": _AMOUNT},
        "minimum_balance_for_apy": {"type": "string", "pattern": _AMOUNT,
                                    "description": "No interest is paid on a day the balance is below this; 0 when none."},
        "monthly_fee": {"type": "string", "pattern": _AMOUNT},
        "fee_waivers": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "minimum_balance": {"type": ["string", "null"], "pattern": _AMOUNT,
                                    "description": "No fee for a month the daily balance never falls below this."},
                "direct_deposit": {"type": "boolean", "description": "No fee with a direct deposit set up."},
            },
        },
        "early_withdrawal": {"type": ["string", "null"], "enum": [*EARLY_WITHDRAWAL, None],
                             "description": "A CD's money before maturity: with a penalty, or not at all."},
        "early_withdrawal_penalty_days": {"type": ["integer", "null"], "minimum": 0, "maximum": 1825,
                                          "description": "A CD's penalty, in days of simple interest on the amount withdrawn."},
        "promotional_rate": {"type": ["string", "null"], "pattern": _RATE,
                             "description": "The rate for the first promotional_months, on every balance."},
        "promotional_months": {"type": ["integer", "null"], "minimum": 1, "maximum": 60},
        "insurer": {"type": "string", "enum": list(INSURERS)},
        "certificate_number": {"type": ["string", "null"], "pattern": _CERTIFICATE,
                               "description": "The FDIC certificate or NCUA charter number; null when uninsured."},
        "service_score": {"type": "integer", "minimum": 0, "maximum": 1000,
                          "description": "Independent customer-satisfaction score, out of 1,000."},
    },
    "examples": [
        {
            "product_name": "Harbor Everyday Savings",
            "account_type": "savings",
            "term_months": None,
            "interest_rate": "4.00",
            "tiers": [{"balance_from": "25000.00", "interest_rate": "4.25", "stated_apy": "4.34"}],
            "tiering_method": "whole_balance",
            "compounding": "daily",
            "crediting": "monthly",
            "interest_paid_out": False,
            "stated_apy": "4.08",
            "minimum_opening_deposit": "100.00",
            "minimum_balance_for_apy": "0.00",
            "monthly_fee": "5.00",
            "fee_waivers": {"minimum_balance": "500.00", "direct_deposit": True},
            "early_withdrawal": None,
            "early_withdrawal_penalty_days": None,
            "promotional_rate": None,
            "promotional_months": None,
            "insurer": "FDIC",
            "certificate_number": "57123",
            "service_score": 842,
        }
    ],
}

_validator = SchemaValidator(TERMS_SCHEMA)


class InvalidSavingsTerms(ValueError):
    """Terms that do not fit the schema or contradict themselves; names the field, as the product
    line's InvalidTerms does (the line re-raises it as one)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field_name = field_name
        self.problem = problem


@dataclass(frozen=True)
class Tier:
    balance_from: Decimal
    interest_rate: Decimal
    stated_apy: Decimal | None = None


@dataclass(frozen=True)
class FeeWaivers:
    minimum_balance: Decimal | None = None
    direct_deposit: bool = False


@dataclass(frozen=True)
class SavingsTerms:
    product_name: str
    account_type: AccountType
    term_months: int | None
    interest_rate: Decimal
    compounding: Compounding
    crediting: Crediting
    stated_apy: Decimal
    minimum_opening_deposit: Decimal
    monthly_fee: Decimal
    insurer: str
    service_score: int
    tiers: tuple[Tier, ...] = ()
    tiering_method: TieringMethod | None = None
    interest_paid_out: bool = False
    minimum_balance_for_apy: Decimal = Decimal(0)
    fee_waivers: FeeWaivers = FeeWaivers()
    early_withdrawal: str | None = None
    early_withdrawal_penalty_days: int | None = None
    promotional_rate: Decimal | None = None
    promotional_months: int | None = None
    certificate_number: str | None = None

    @property
    def is_time_account(self) -> bool:
        return self.account_type == "cd"

    @property
    def insured(self) -> bool:
        return self.insurer != "none"

    @property
    def access(self) -> Access:
        """any_time: the money can be taken out whenever; penalty: before maturity, at a price;
        locked: not before maturity. A CD with a zero-day penalty is a no-penalty CD: any time."""
        if not self.is_time_account:
            return "any_time"
        if self.early_withdrawal == "not_allowed":
            return "locked"
        return "any_time" if self.early_withdrawal_penalty_days == 0 else "penalty"

    def rate_for_balance(self, balance: Decimal) -> Decimal:
        """The rate of the tier a balance falls in (the base rate below the first tier)."""
        rate = self.interest_rate
        for tier in self.tiers:
            if balance >= tier.balance_from:
                rate = tier.interest_rate
        return rate


def parse_terms(terms: Mapping[str, Any]) -> SavingsTerms:
    """Typed terms, or InvalidSavingsTerms naming the first field at fault."""
    problem = next(iter(sorted(_validator.iter_errors(terms), key=lambda error: list(error.path))), None)
    if problem is not None:
        field_name = ".".join(str(part) for part in problem.path)
        if not field_name and problem.validator == "required":
            field_name = str(problem.message).split("'")[1]
        raise InvalidSavingsTerms(field_name or "terms", problem.message)
    waivers = terms.get("fee_waivers") or {}
    parsed = SavingsTerms(
        product_name=" ".join(terms["product_name"].split()),
        account_type=terms["account_type"],
        term_months=terms.get("term_months"),
        interest_rate=Decimal(terms["interest_rate"]),
        compounding=terms["compounding"],
        crediting=terms["crediting"],
        stated_apy=Decimal(terms["stated_apy"]),
        minimum_opening_deposit=Decimal(terms["minimum_opening_deposit"]),
        monthly_fee=Decimal(terms["monthly_fee"]),
        insurer=terms["insurer"],
        service_score=terms["service_score"],
        tiers=tuple(Tier(Decimal(tier["balance_from"]), Decimal(tier["interest_rate"]), _decimal(tier.get("stated_apy")))
                    for tier in terms.get("tiers") or ()),
        tiering_method=terms.get("tiering_method"),
        interest_paid_out=terms.get("interest_paid_out", False),
        minimum_balance_for_apy=Decimal(terms.get("minimum_balance_for_apy") or "0"),
        fee_waivers=FeeWaivers(_decimal(waivers.get("minimum_balance")), waivers.get("direct_deposit", False)),
        early_withdrawal=terms.get("early_withdrawal"),
        early_withdrawal_penalty_days=terms.get("early_withdrawal_penalty_days"),
        promotional_rate=_decimal(terms.get("promotional_rate")),
        promotional_months=terms.get("promotional_months"),
        certificate_number=terms.get("certificate_number"),
    )
    _check_consistent(parsed)
    return parsed


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _check_consistent(terms: SavingsTerms) -> None:
    """What the schema cannot say: the rules that tie one field to another."""
    _check_time_account(terms)
    _check_tiers(terms)
    if (terms.promotional_rate is None) != (terms.promotional_months is None):
        raise InvalidSavingsTerms("promotional_months", "a promotional rate needs how many months it lasts, and only then")
    if terms.is_time_account and terms.promotional_months and terms.term_months \
            and terms.promotional_months >= terms.term_months:
        raise InvalidSavingsTerms("promotional_months", "a promotion as long as the CD's term is simply its rate")
    if terms.insured != (terms.certificate_number is not None):
        raise InvalidSavingsTerms("certificate_number", "an insured account names its FDIC certificate or NCUA charter "
                                  "number, and an uninsured one has none")
    if terms.crediting == "at_maturity" and not terms.is_time_account:
        raise InvalidSavingsTerms("crediting", "only a CD has a maturity to credit interest at")
    if terms.interest_paid_out and terms.compounding != "none":
        raise InvalidSavingsTerms("interest_paid_out", "interest paid out of the account cannot compound in it")


def _check_time_account(terms: SavingsTerms) -> None:
    if terms.is_time_account:
        if terms.term_months is None:
            raise InvalidSavingsTerms("term_months", "a CD needs its term in months")
        if terms.early_withdrawal is None:
            raise InvalidSavingsTerms("early_withdrawal", 'a CD says whether money can come out early ("penalty") or not')
        if (terms.early_withdrawal == "penalty") != (terms.early_withdrawal_penalty_days is not None):
            raise InvalidSavingsTerms("early_withdrawal_penalty_days",
                                      "a CD with an early-withdrawal penalty states it in days of interest, and only then")
        return
    for name in ("term_months", "early_withdrawal", "early_withdrawal_penalty_days"):
        if getattr(terms, name) is not None:
            raise InvalidSavingsTerms(name, f"only a CD has this; a {terms.account_type.replace('_', ' ')} account does not")


def _check_tiers(terms: SavingsTerms) -> None:
    if not terms.tiers:
        if terms.tiering_method is not None:
            raise InvalidSavingsTerms("tiering_method", "an untiered account has no tiering method")
        return
    if terms.tiering_method is None:
        raise InvalidSavingsTerms("tiering_method", 'tiers need their method: "whole_balance" or "portion"')
    previous = Decimal(0)
    for position, tier in enumerate(terms.tiers):
        if tier.balance_from <= previous:
            raise InvalidSavingsTerms(f"tiers.{position}.balance_from",
                                      "tiers start above zero, in strictly increasing balances")
        previous = tier.balance_from
