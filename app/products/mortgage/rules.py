"""The mortgage rules that tie a profile's amounts and choices together, on typed values: each
answers None when the answers fit, or what to change in words the shopper reads. The profile
form and profile_from_json (the JSON API) both ask these, so a rule is written once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.money import CENT, format_money

# The smallest down payment each loan type allows, as a share of the price (FHA's 3.5% is for a
# credit score of 580 or more; conventional loans go down to 3%; VA needs none; jumbo lenders
# generally ask for 10% or more).
MIN_DOWN_PAYMENT = {
    "conventional": Decimal("0.03"),
    "fha": Decimal("0.035"),
    "va": Decimal("0"),
    "jumbo": Decimal("0.10"),
}
LOAN_TYPE_NAMES = {"conventional": "a conventional", "fha": "an FHA", "va": "a VA", "jumbo": "a jumbo"}
MIN_LOAN = Decimal("25000")
MAX_LOAN = Decimal("5000000")
NO_AMOUNT = "Enter your down payment, or the loan amount you need."


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def dollars(amount: Decimal) -> str:
    return format_money(amount, whole=amount == amount.to_integral_value())


def down_payment_problem(down: Decimal, price: Decimal) -> str | None:
    if down >= price:
        return "Your down payment covers the whole price, so you would not need a loan."
    return None


def loan_amount_problem(loan: Decimal, down: Decimal | None, price: Decimal) -> str | None:
    if loan > price:
        return f"The loan cannot be more than the price of the home ({dollars(price)})."
    if down is not None and down + loan != price:
        return (f"Your down payment and loan amount add up to {dollars(down + loan)}, not the price of "
                f"{dollars(price)}. Change one of them, or leave one empty.")
    return None


def occupancy_problem(loan_type: str, occupancy: str) -> str | None:
    if loan_type in ("fha", "va") and occupancy != "primary":
        return ("FHA and VA loans are only for a home you will live in. For a second home or a rental, "
                "choose a conventional or jumbo loan.")
    return None


def years_expected_problem(years: int, term: int) -> str | None:
    if years > term:
        return f"A {term}-year loan is paid off by then; enter at most {term} years."
    return None


def computed_loan_amount(price: Decimal, down: Decimal | None, loan: Decimal | None) -> Decimal:
    """The loan asked for, or the price less the down payment when only that was given."""
    if loan is not None:
        return loan.quantize(CENT)
    assert down is not None
    return (price - down).quantize(CENT)


def loan_size_problem(price: Decimal, loan: Decimal, loan_type: str) -> str | None:
    """What is wrong with the loan that price and down payment make, once each amount is valid."""
    if loan < MIN_LOAN:
        return f"Lenders quote loans of at least {dollars(MIN_LOAN)}; this loan would be {dollars(loan)}."
    if loan > MAX_LOAN:
        return f"We compare loans of up to {dollars(MAX_LOAN)}; this loan would be {dollars(loan)}."
    minimum_share = MIN_DOWN_PAYMENT[loan_type]
    minimum = (price * minimum_share).quantize(CENT, rounding=ROUND_HALF_UP)
    if price - loan < minimum:
        share = f"{minimum_share * 100:.1f}".rstrip("0").rstrip(".")
        return (f"{_capitalised(LOAN_TYPE_NAMES[loan_type])} loan needs a down payment of at "
                f"least {share}% ({dollars(minimum)} on this home).")
    return None


# What the form and the JSON API say when an answer is missing, or outside its range.
REQUIRED = {
    "state": "Choose the state where the home is.",
    "zip_code": "Enter the 5-digit ZIP code of the home.",
    "property_value": "Enter the price of the home in dollars, for example 500000.",
    "years_expected": "Enter how many years you expect to keep the loan (a whole number).",
}
OUT_OF_RANGE = {
    "property_value": "The price must be between $30,000 and $20,000,000.",
    "down_payment": "The down payment cannot be negative.",
    "loan_amount": "The loan amount cannot be negative.",
    "years_expected": "Enter between 1 and 30 years.",
    "max_monthly_payment": "Enter an amount between $100 and $100,000 a month, or leave it empty.",
}
MALFORMED = {"zip_code": "A ZIP code is 5 digits, for example 80203."}
