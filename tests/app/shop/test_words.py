"""What the shopper reads: plurals right, one full stop per sentence, each product line's own words,
and a date hint that matches the date input."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from app.formatting import plural, sentence
from tests.factories import auto_form, mortgage_form

# Two full stops in a row that are neither part of a number (1..2) nor of an ellipsis (...).
DOUBLED_FULL_STOP = re.compile(r"(?<![.\d])\.\s*\.(?![.\d])")


def text_of(page: str) -> str:
    soup = BeautifulSoup(page, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


def results(client: FlaskClient, product: str, form: dict[str, str]) -> str:
    response = client.post(f"/compare/{product}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def shopper_pages(client: FlaskClient) -> dict[str, str]:
    # Pioneer declines 3 accidents and Keystone declines to charge no points: both give a reason
    # that ends with its own full stop.
    auto = results(client, "auto", auto_form(at_fault_accidents_5y=3, liability_limits="250/500/250"))
    mortgage = results(client, "mortgage", mortgage_form(max_points="0", max_monthly_payment="100"))
    paths = ["/", "/compare/auto", "/compare/mortgage", "/methodology/auto", "/methodology/mortgage",
             auto, f"{auto}/receipt", f"{auto}/change", mortgage, f"{mortgage}/receipt", f"{mortgage}/change"]
    pages = {path: client.get(path).get_data(as_text=True) for path in paths}
    posted = {"auto form with errors": auto_form(zip_code="", vehicle_year="1800"),
              "progress": {**auto_form(at_fault_accidents_5y=3), "progress": "1"}}
    for name, form in posted.items():
        pages[name] = client.post("/compare/auto", data=form).get_data(as_text=True)
    return pages


def test_no_shopper_page_has_a_doubled_full_stop(client: FlaskClient) -> None:
    pages = shopper_pages(client)
    assert "declined to quote" in text_of(pages[next(path for path in pages if path.startswith("/results/"))])
    for path, page in pages.items():
        text = text_of(page)
        doubled = [text[max(0, m.start() - 80):m.end()] for m in DOUBLED_FULL_STOP.finditer(text)]
        assert not doubled, f"{path}: {doubled}"


def test_the_scan_catches_a_doubled_full_stop_but_not_numbers_or_ellipses() -> None:
    assert DOUBLED_FULL_STOP.search("Pioneer declined to quote: too many accidents..")
    assert DOUBLED_FULL_STOP.search("It was declined. .")
    assert not DOUBLED_FULL_STOP.search("Scores 1..5, asking… and waiting... then 3.5. Next.")


def test_the_profile_summary_counts_one_of_each_in_the_singular(client: FlaskClient) -> None:
    location = results(client, "auto", auto_form(at_fault_accidents_5y=1, violations_5y=1, years_licensed=1,
                                                 driver_birth_date="2005-01-01"))
    text = text_of(client.get(location).get_data(as_text=True))
    assert "licensed 1 year;" in text
    assert "1 at-fault accident, 1 violation" in text
    two = text_of(client.get(results(client, "auto", auto_form(at_fault_accidents_5y=2, violations_5y=0))).get_data(as_text=True))
    assert "2 at-fault accidents, 0 violations" in two


@pytest.mark.parametrize(("number", "word", "plural_form", "expected"), [
    (1, "accident", None, "1 accident"),
    (0, "accident", None, "0 accidents"),
    (2, "entry", None, "2 entries"),
    (2, "day", None, "2 days"),
    (12000, "mile", None, "12,000 miles"),
    (2, "person", "people", "2 people"),
    (Decimal("1"), "point", None, "1 point"),
    (Decimal("0.5"), "point", None, "0.5 points"),
])
def test_plural(number: Any, word: str, plural_form: str | None, expected: str) -> None:
    assert plural(number, word, plural_form) == expected


def test_sentence_ends_with_exactly_one_full_stop() -> None:
    assert sentence("declined to quote: too many accidents.") == "declined to quote: too many accidents."
    assert sentence("did not answer in time") == "did not answer in time."
    assert sentence("Really? ") == "Really?"


def test_each_product_line_speaks_its_own_words(client: FlaskClient) -> None:
    auto = text_of(client.get(results(client, "auto", auto_form())).get_data(as_text=True))
    assert re.search(r"We asked \d+ insurers\. \d+ quotes meet everything you asked for", auto)
    page = client.get(results(client, "mortgage", mortgage_form(max_points="0", max_monthly_payment="100")))
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    panel = " ".join(soup.select_one("[data-no-offers]").parent.get_text(" ").split())
    assert panel.startswith("No loan offer meets everything you asked for")
    assert "which lenders did not make an offer and which loan offers did not fit" in panel
    assert "more points" in panel
    for insurance_word in ("quote", "cover", "insurer"):
        assert insurance_word not in panel.lower()
    assert re.search(r"We asked \d+ lenders\. 0 loan offers meet", text_of(str(soup)))


def test_the_date_of_birth_is_a_date_input_whose_hint_matches_it(client: FlaskClient) -> None:
    page = client.get("/compare/auto").get_data(as_text=True)
    field = BeautifulSoup(page, "html.parser").find(id="driver_birth_date")
    assert field["type"] == "date"
    hint = BeautifulSoup(page, "html.parser").find(id="driver_birth_date-hint").get_text()
    assert "pick it from the calendar" in hint and "1988-04-12" not in hint
    empty = client.post("/compare/auto", data=auto_form(driver_birth_date="")).get_data(as_text=True)
    message = BeautifulSoup(empty, "html.parser").find(id="driver_birth_date-error").get_text()
    # A date input shows month, day and year in the shopper's own order: no year-first example.
    assert "the month, the day and the year" in message and "1988-04-12" not in message
    typed = client.post("/compare/auto", data=auto_form(driver_birth_date="April 12")).get_data(as_text=True)
    assert "as year-month-day, for example 1988-04-12" in typed  # only a plain text box lets anyone type this
