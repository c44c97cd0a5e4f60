"""What the sandbox's banks publish besides quotes — their rates as an HTML table and as a CSV rate
sheet — and the settings with which the deposit_rate_page and deposit_rate_sheet adapters read them.

Both list a row per account and, for a tiered account, one more row per balance tier, in the words a
bank's page uses ("Money market", "Daily", "4.00%", "$1,000.00", "—" for nothing)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

TYPE_WORDS = {"savings": "Savings", "money_market": "Money market", "cd": "CD"}
FREQUENCY_WORDS = {"daily": "Daily", "monthly": "Monthly", "quarterly": "Quarterly", "semiannually": "Semiannually",
                   "annually": "Annually", "none": "Simple interest", "at_maturity": "At maturity"}
NOTHING = "—"

# (offer term, column heading, how the adapter parses the cell, optional)
COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("product_name", "Account", "text", False),
    ("account_type", "Type", "text", False),
    ("term_months", "Term (months)", "integer", True),
    ("balance_from", "Balance from", "money", True),
    ("interest_rate", "Interest rate", "percent", False),
    ("stated_apy", "APY", "percent", False),
    ("minimum_opening_deposit", "Minimum to open", "money", False),
    ("monthly_fee", "Monthly fee", "money", False),
    ("compounding", "Compounded", "text", False),
    ("crediting", "Credited", "text", False),
    ("interest_paid_out", "Interest paid out", "boolean", False),
    ("early_withdrawal_penalty_days", "Early withdrawal penalty (days)", "integer", True),
)


def _money(value: str | None) -> str:
    return NOTHING if value is None else f"${Decimal(value):,.2f}"


def published_rows(accounts: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The table's cells, as the bank writes them: a row per account, then one per higher tier."""
    rows = []
    for terms in accounts:
        if terms.get("promotional_rate") is not None:
            raise ValueError(f"{terms['product_name']}: a one-row table cannot publish a promotional rate")
        tiers = [{"balance_from": None, "interest_rate": terms["interest_rate"], "stated_apy": terms["stated_apy"]},
                 *terms["tiers"]]
        for tier in tiers:
            rows.append([
                terms["product_name"], TYPE_WORDS[terms["account_type"]],
                NOTHING if terms["term_months"] is None else str(terms["term_months"]),
                _money(tier["balance_from"]), f"{tier['interest_rate']}%", f"{tier['stated_apy']}%",
                _money(terms["minimum_opening_deposit"]), _money(terms["monthly_fee"]),
                FREQUENCY_WORDS[terms["compounding"]], FREQUENCY_WORDS[terms["crediting"]],
                "Yes" if terms["interest_paid_out"] else "No",
                NOTHING if terms["early_withdrawal_penalty_days"] is None else str(terms["early_withdrawal_penalty_days"]),
            ])
    return rows


def rate_page(name: str, accounts: Sequence[dict[str, Any]], today: date) -> str:
    """The bank's rates page: a heading, some prose, the table, the small print."""
    title = html.escape(name)
    head = "".join(f"<th scope=\"col\">{html.escape(heading)}</th>" for _, heading, _, _ in COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                     for row in published_rows(accounts))
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Savings and CD rates · {title}</title></head>
<body>
<header><h1>{title}</h1><nav><a href="/">Home</a> · <a href="/rates">Rates</a></nav></header>
<main>
<h2>Savings, money market and CD rates</h2>
<p>Rates effective {today:%B} {today.day}, {today.year}. Rates may change after the account is opened.</p>
<table id="deposit-rates">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="small-print">A penalty may be imposed for early withdrawal from a CD. Fees could reduce earnings.</p>
</main>
</body>
</html>
"""


def rate_sheet(accounts: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading for _, heading, _, _ in COLUMNS])
    writer.writerows(published_rows(accounts))
    return out.getvalue()


def _columns() -> dict[str, Any]:
    return {field: {"header": heading, "parse": parse, **({"optional": True} if optional else {})}
            for field, heading, parse, optional in COLUMNS}


def _shared(account_terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "columns": _columns(),
        "terms": {field: {"row": field} for field, _, _, _ in COLUMNS},
        "account_terms": account_terms,
    }


def rate_page_settings(url: str, account_terms: dict[str, Any]) -> dict[str, Any]:
    """The deposit_rate_page settings that read rate_page(); `account_terms` are what the page says
    in prose (the insurer, the fee waivers) or what no page says (the independent service score)."""
    return {"url": url, "table": "table#deposit-rates", "rows": "tbody tr", **_shared(account_terms),
            "no_rate_reason": "its published rates list no account"}


def rate_sheet_settings(url: str, account_terms: dict[str, Any]) -> dict[str, Any]:
    return {"url": url, "format": "csv", **_shared(account_terms), "no_rate_reason": "its rate sheet lists no account"}
