"""The refinance rules on typed values: each answers None when the answers fit, or what to change in
the words the homeowner reads. The profile form and profile_from_json (the JSON API) both ask them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.money import CENT, format_money
from app.products.mortgage.amortization import PERCENT_PER_MONTH

MIN_BALANCE = Decimal("10000")
MAX_LOAN = Decimal("5000000")
MIN_VALUE = Decimal("30000")
MAX_VALUE = Decimal("20000000")
LOWEST_RATE = Decimal("0.5")
HIGHEST_RATE = Decimal("20")
MAX_REMAINING_MONTHS = 480

REQUIRED = {
    "state": "Choose the state where the home is.",
    "zip_code": "Enter the 5-digit ZIP code of the home.",
    "property_value": "Enter what the home is worth in dollars, for example 450000.",
    "current_balance": "Enter what you still owe on your loan in dollars, for example 300000.",
    "current_rate": "Enter your current loan's interest rate, for example 7.25.",
    "remaining_months": "Enter how many monthly payments are left on your loan, for example 336.",
    "years_expected": "Enter how many years you expect to stay in the home, from 1 to 30.",
}
OUT_OF_RANGE = {
    "property_value": (f"Enter a value between {format_money(MIN_VALUE, whole=True)} and "
                       f"{format_money(MAX_VALUE, whole=True)}."),
    "current_balance": (f"Enter a balance between {format_money(MIN_BALANCE, whole=True)} and "
                        f"{format_money(MAX_LOAN, whole=True)}."),
    # No percent sign: WTForms formats its messages with %.
    "current_rate": f"Enter a rate between {LOWEST_RATE} and {HIGHEST_RATE} percent a year.",
    "remaining_months": f"Enter a number of payments from 1 to {MAX_REMAINING_MONTHS}.",
    "current_payment": "Enter your monthly payment in dollars, or leave it empty.",
    "cash_out": "Enter the cash you want to take out in dollars, or 0.",
    "years_expected": "Enter a whole number of years from 1 to 30.",
}
MALFORMED = {"zip_code": "A ZIP code is 5 digits, for example 80203."}


def new_loan_amount(balance: Decimal, cash_out: Decimal) -> Decimal:
    return (balance + cash_out).quantize(CENT)


def loan_problem(balance: Decimal, cash_out: Decimal, value: Decimal) -> str | None:
    """Said next to the cash-out field when the new loan would not fit the home's value."""
    loan = new_loan_amount(balance, cash_out)
    if loan > MAX_LOAN:
        return f"The new loan ({format_money(loan)}) would be more than the {format_money(MAX_LOAN, whole=True)} we compare."
    if loan > value:
        return (f"The new loan ({format_money(loan)}) would be more than the home is worth "
                f"({format_money(value)}); lenders will not refinance that.")
    return None


def first_interest(balance: Decimal, rate: Decimal) -> Decimal:
    return (balance * rate / PERCENT_PER_MONTH).quantize(CENT, rounding=ROUND_HALF_UP)


def payment_problem(payment: Decimal, balance: Decimal, rate: Decimal) -> str | None:
    """A monthly payment that does not cover a month's interest cannot be a loan's principal and interest."""
    interest = first_interest(balance, rate)
    if payment <= interest:
        return (f"A payment of {format_money(payment)} does not cover a month's interest "
                f"({format_money(interest)}) on your balance. Enter principal and interest only, or leave it empty.")
    if payment > balance + interest:
        return f"A payment of {format_money(payment)} is more than you owe. Enter principal and interest only."
    return None
