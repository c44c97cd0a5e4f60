"""What the sandbox's lenders publish besides quotes — today's rates as an HTML page and as a CSV
rate sheet — and the settings with which Candor's html_rate_table and rate_sheet adapters read them."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from typing import TYPE_CHECKING, Any

from .lender_pricing import PUBLISHED_LOAN_AMOUNT

if TYPE_CHECKING:
    from .lenders import LenderSpec

LOAN_TYPE_NAMES = {"conventional": "Conventional", "fha": "FHA", "va": "VA", "jumbo": "Jumbo"}


def rate_page(spec: LenderSpec, rows: list[dict[str, Any]], today: date) -> str:
    """Today's rates as a lender's web page: a heading, some prose, the table, the small print."""
    name = html.escape(spec.name)
    body = "\n".join(
        "<tr>"
        f'<td class="loan-type">{LOAN_TYPE_NAMES[row["loan_type"]]}</td>'
        f'<td class="term">{row["term_years"]}</td>'
        f'<td class="rate-type">Fixed</td>'
        f'<td class="score-from">{row["score_from"]}</td>'
        f'<td class="score-to">{row["score_to"]}</td>'
        f'<td class="rate">{row["rate"]:.3f}%</td>'
        f'<td class="points">{row["points"]:.3f}</td>'
        f'<td class="apr">{row["apr"]}%</td>'
        f'<td class="fees">${row["lender_fees"]:,.2f}</td>'
        f'<td class="lock">{row["rate_lock_days"]}</td>'
        "</tr>"
        for row in rows
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Today's mortgage rates · {name}</title></head>
<body>
<header><h1>{name}</h1><nav><a href="/">Home</a> · <a href="/rates">Rates</a></nav></header>
<main>
<h2>Today's mortgage rates</h2>
<p>Rates for {today:%B} {today.day}, {today.year}. Call us or visit a branch to lock your rate.</p>
<table id="mortgage-rates">
<thead><tr><th>Loan</th><th>Term (years)</th><th>Rate type</th><th>Credit score from</th><th>Credit score to</th>
<th>Rate</th><th>Points</th><th>APR</th><th>Lender fees</th><th>Rate lock (days)</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="small-print">Rates assume a home you live in and a down payment of at least 20%. APRs are for a
${PUBLISHED_LOAN_AMOUNT:,.0f} loan and include points and lender fees.</p>
</main>
</body>
</html>
"""


def rate_sheet(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["loan_type", "term_years", "rate_type", "score_from", "score_to", "points", "rate",
                     "lender_fees", "rate_lock_days"])
    for row in rows:
        writer.writerow([row["loan_type"], row["term_years"], row["rate_type"], row["score_from"], row["score_to"],
                         f"{row['points']:.3f}", f"{row['rate']:.3f}", f"{row['lender_fees']:.2f}",
                         row["rate_lock_days"]])
    return out.getvalue()


# --- what Candor's adapters need to read the published rates ------------------------------------------------

_MATCH = [
    {"value": "loan_type", "equals": "loan_type"},
    {"value": "term_years", "equals": "term_years"},
    {"value": "rate_type", "equals": "rate_type"},
    {"value": "credit_score", "from": "score_from", "to": "score_to"},
    # Only the rows whose points the buyer is willing to pay: max_points at or above the row's.
    {"value": "max_points", "from": "points"},
]
_DERIVE = {"credit_score": {"prefix_of": "credit_score_band", "length": 3}}


def _terms(service_score: int, finance_guarantee: bool) -> dict[str, Any]:
    financed = {"upfront_fee_financed": True} if finance_guarantee else {}
    return {
        # A published rate is for the base loan; these lenders add an FHA or VA upfront charge to it.
        **financed,
        "loan_type": {"profile": "loan_type"},
        "term_years": {"profile": "term_years"},
        "rate_type": {"profile": "rate_type"},
        "note_rate": {"row": "rate"},
        "points": {"row": "points"},
        "lender_fees": {"row": "lender_fees"},
        "rate_lock_days": {"row": "rate_lock_days"},
        # A published table says nothing about service; the score is the independent survey's.
        "service_score": service_score,
    }


# The published columns both ways of publishing carry: the name (the rate sheet's header), the
# class of the rate page's cell, and how the adapter parses the text (None: as it is).
_PUBLISHED_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("loan_type", "loan-type", None),
    ("term_years", "term", "integer"),
    ("rate_type", "rate-type", None),
    ("score_from", "score-from", "integer"),
    ("score_to", "score-to", "integer"),
    ("rate", "rate", "percent"),
    ("points", "points", "decimal"),
    ("lender_fees", "fees", "money"),
    ("rate_lock_days", "lock", "integer"),
)


def _read_as(parse: str | None) -> dict[str, str]:
    return {} if parse is None else {"parse": parse}


def rate_page_settings(url: str, service_score: int, *, finance_guarantee: bool = True) -> dict[str, Any]:
    """The html_rate_table settings that read rate_page(): which table, which cells, which rows
    apply to a buyer and how a row becomes offer terms (the published APR is for another loan
    amount, so it is not read: Candor computes the buyer's own). `finance_guarantee`: the offers add an
    FHA or VA upfront charge to the loan (a product whose terms cannot say so passes False)."""
    return {
        "url": url,
        "table": "table#mortgage-rates",
        "rows": "tbody tr",
        "columns": {name: {"selector": f"td.{cell}", **_read_as(parse)} for name, cell, parse in _PUBLISHED_COLUMNS},
        "derive": _DERIVE,
        "match": _MATCH,
        "terms": _terms(service_score, finance_guarantee),
        "no_rate_reason": "its published rates do not cover this loan",
    }


def rate_sheet_settings(url: str, service_score: int, *, finance_guarantee: bool = True) -> dict[str, Any]:
    """The rate_sheet settings that read rate_sheet()."""
    return {
        "url": url,
        "format": "csv",
        "columns": {name: {"header": name, **_read_as(parse)} for name, _, parse in _PUBLISHED_COLUMNS},
        "derive": _DERIVE,
        "match": _MATCH,
        "terms": _terms(service_score, finance_guarantee),
        "no_rate_reason": "its rate sheet does not cover this loan",
    }
