"""Adapters for banks that only publish their deposit rates: on a web page (`deposit_rate_page`) or in
a rate sheet, a CSV or JSON file (`deposit_rate_sheet`).

A published deposit-rate table has a row per account — or, for a tiered account, a row per balance
tier. The first two stages are the built-in adapters' own, with every protection they have
(providers/html_rate_table.py: robots.txt, an honest User-Agent, the page cached, one fetch at a
time; providers/rate_sheet.py: a file or an address; both: providers/http.py's caps on size, time,
redirects and addresses). Their settings are the same too (docs/writing-an-adapter.md): `columns`
read each row and `terms` say which offer term each column gives; `account_terms` adds the terms
every account shares that a cell cannot hold (a table such as `fee_waivers`).

The third stage is this line's: rows with the same `product_name`, `account_type` and `term_months`
are one account. The row whose `balance_from` is empty or zero gives the account's terms; each
other row is a balance tier (its `balance_from`, `interest_rate` and `stated_apy`). The account is
then checked against the savings terms schema (terms.py) before it is offered: an account that does
not add up is reported as an unusable offer naming the field, and the bank's other accounts count.
A CD whose row gives no early-withdrawal rule takes "penalty" when it states penalty days and
"not_allowed" when it does not; a savings or money market row's empty CD columns are dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar

from candor_savings.terms import InvalidSavingsTerms, parse_terms
from providers.base import Adapter, AdapterContext, Offer, ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.errors import LayoutChanged, ProviderConfigError
from providers.html_rate_table import HtmlRateTableAdapter
from providers.rate_sheet import RateSheetAdapter

ACCOUNT_TERMS = "account_terms"
"""This adapter's own setting: terms every account shares that a row cannot give, tables included
(fee_waivers = { minimum_balance = "500.00", direct_deposit = true })."""
TIER_FROM = "balance_from"
ACCOUNT_FIELDS = ("product_name", "account_type", "term_months")
TIER_FIELDS = ("interest_rate", "stated_apy")
CD_FIELDS = ("term_months", "early_withdrawal", "early_withdrawal_penalty_days")
WORDED_TERMS = ("account_type", "compounding", "crediting", "tiering_method", "early_withdrawal")
SYNONYMS = {"certificate_of_deposit": "cd", "certificate": "cd", "share_certificate": "cd", "simple_interest": "none",
            "not_compounded": "none", "semi_annually": "semiannually", "yearly": "annually", "money_market_account": "money_market"}
MAX_ROWS = 100
"""Rows asked of the table adapter (its own limit, and ours unless the providers file sets
`max_offers`): a table with this many is refused, since the rows after them would be cut off."""
MAX_ACCOUNTS = 20


class _DepositRates(Adapter[Any, Any]):
    """Stages 1 and 2 are the built-in table adapter's (`table_adapter`); stage 3 makes accounts of its rows."""

    kind: ClassVar[str]
    table_adapter: ClassVar[type[Adapter[Any, Any]]]
    layout_message: ClassVar[str]

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        options = {"max_offers": MAX_ROWS, **config.options}
        self.account_terms = _account_terms(config, options.pop(ACCOUNT_TERMS, {}))
        # The table adapter checks every other setting, naming this provider; it touches no network.
        self.rows = self.table_adapter(replace(config, options=options))
        self.row_limit = int(options["max_offers"])

    @property
    def context(self) -> AdapterContext:
        return self.rows.context

    @context.setter
    def context(self, value: AdapterContext) -> None:
        self.rows.context = value

    def transform_query(self, query: QuoteQuery) -> Any:
        return self.rows.transform_query(query)

    def extract(self, request: Any, *, timeout_s: float) -> Any:
        return self.rows.extract(request, timeout_s=timeout_s)

    def transform_data(self, raw: Any, query: QuoteQuery) -> Sequence[Offer]:
        rows = [offer for offer in self.rows.transform_data(raw, query) if isinstance(offer, Quote)]
        if len(rows) >= self.row_limit:
            # The table adapter keeps the first rows up to its limit; a tier cut off would change an account.
            raise LayoutChanged(self.layout_message, detail=f"{len(rows)} or more rows, more than the "
                                                            f"{self.row_limit - 1} we read")
        return accounts_from_rows(rows, self.config.key, layout_message=self.layout_message,
                                  account_terms=self.account_terms)

    def close(self) -> None:
        self.rows.close()


class DepositRatePageAdapter(_DepositRates):
    kind = "deposit_rate_page"
    table_adapter = HtmlRateTableAdapter
    layout_message = "changed its rate page, so we could not read its rates"


class DepositRateSheetAdapter(_DepositRates):
    kind = "deposit_rate_sheet"
    table_adapter = RateSheetAdapter
    layout_message = "changed its rate sheet, so we could not read its rates"


def _account_terms(config: ProviderConfig, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or any(isinstance(item, float) for item in value.values()):
        raise ProviderConfigError(config.key, ACCOUNT_TERMS, "must be a table of terms every account shares, "
                                  'decimals written as text (e.g. "0.50")')
    return dict(value)


def accounts_from_rows(rows: Sequence[Quote], provider_key: str, *, layout_message: str,
                       account_terms: Mapping[str, Any] | None = None) -> list[Offer]:
    """One offer per account, its tiers gathered from its rows, in the order the table lists them."""
    accounts: dict[tuple[str, ...], list[Quote]] = {}
    for row in rows:
        key = tuple(json.dumps(row.terms.get(name), default=str) for name in ACCOUNT_FIELDS)
        accounts.setdefault(key, []).append(row)
    if len(accounts) > MAX_ACCOUNTS:
        raise LayoutChanged(layout_message, detail=f"{len(accounts)} accounts, more than the {MAX_ACCOUNTS} we read")
    return [_account(account_rows, provider_key, account_terms or {}) for account_rows in accounts.values()]


def _tier_floor(row: Quote) -> Decimal:
    value = row.terms.get(TIER_FROM)
    return Decimal(0) if value is None else Decimal(str(value))


def _account(rows: list[Quote], provider_key: str, account_terms: Mapping[str, Any]) -> Offer:
    name = str(rows[0].terms.get("product_name"))
    ordered = sorted(rows, key=_tier_floor)
    floors = [_tier_floor(row) for row in ordered]
    if floors[0] != 0 or len(set(floors)) != len(floors):
        return UnusableQuote(id=None, field=TIER_FROM, problem=f"{name!r} needs one row for balances from $0 and "
                                                                "one row per higher tier")
    terms = {**account_terms, **{key: value for key, value in ordered[0].terms.items() if key != TIER_FROM}}
    terms["tiers"] = [{TIER_FROM: format(floor, "f"), **{field: row.terms.get(field) for field in TIER_FIELDS}}
                      for floor, row in zip(floors[1:], ordered[1:])]
    if not terms["tiers"]:
        terms["tiering_method"] = None
    _read_words(terms)
    _settle_cd_fields(terms)
    digest = hashlib.sha256(json.dumps(terms, sort_keys=True, default=str).encode()).hexdigest()[:20]
    quote_id = f"{provider_key}-{digest}"
    try:
        parse_terms(terms)
    except InvalidSavingsTerms as error:
        return UnusableQuote(id=quote_id, field=error.field_name, problem=error.problem)
    first = ordered[0]
    return Quote(id=quote_id, product=first.product, currency=first.currency,
                 valid_until=min(row.valid_until for row in rows), terms=terms, url=first.url,
                 firmness=first.firmness)


def _read_words(terms: dict[str, Any]) -> None:
    """A page's words for the schema's: "Money market" is money_market, "Simple interest" is none."""
    for name in WORDED_TERMS:
        value = terms.get(name)
        if isinstance(value, str):
            word = "_".join(value.casefold().replace("-", " ").split())
            terms[name] = SYNONYMS.get(word, word)


def _settle_cd_fields(terms: dict[str, Any]) -> None:
    """A table's CD columns are empty on its savings rows, and its rows seldom say in words what a
    CD's penalty column already says."""
    if terms.get("account_type") != "cd":
        for name in CD_FIELDS:
            if terms.get(name, "absent") is None:
                del terms[name]
        return
    if terms.get("early_withdrawal") is None:
        terms["early_withdrawal"] = "not_allowed" if terms.get("early_withdrawal_penalty_days") is None else "penalty"
