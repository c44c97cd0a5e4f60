"""Reading a Vehicle Identification Number as 49 CFR Part 565 defines it: 17 characters, no I, O
or Q; position 9 a check digit over the others (§ 565.15(c)); position 10 the model year in a
30-year cycle, which position 7 settles for cars, MPVs and light trucks from 2010 on (a letter
there means 2010-2039, a digit 1980-2009: § 565.15(b)); positions 1-3 the World Manufacturer
Identifier (with positions 12-14 for a maker of fewer than 1,000 vehicles a year, whose WMI ends
in 9). The make comes from the WMI list in data/wmi.tsv.gz (NHTSA vPIC); what a VIN cannot tell
from that alone (the model, the trim) is said so, never guessed."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WMI_FILE = Path(__file__).resolve().parent / "data" / "wmi.tsv.gz"
VIN_LENGTH = 17
ALLOWED = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
# § 565.15(c): the value of each letter, and the weight of each position.
TRANSLITERATION = {**{str(digit): digit for digit in range(10)},
                   **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
                   **dict(zip("STUVWXYZ", range(2, 10)))}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Position 10: the model-year codes of one 30-year cycle (no I, O, Q, U, Z or 0), from 1980 (or 2010).
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


@dataclass(frozen=True)
class DecodedVin:
    vin: str
    model_year: int
    makes: tuple[str, ...]
    """The makes the WMI is registered for (empty: the WMI is not in our list)."""

    def summary(self) -> str:
        make = " or ".join(self.makes) if self.makes else "a maker not in our list"
        return (f"The VIN says model year {self.model_year} and {make}; "
                "it does not tell the model or trim, so enter those yourself.")


def normalise(text: str) -> str:
    return "".join(text.split()).upper()


def check_digit(vin: str) -> str:
    total = sum(TRANSLITERATION[char] * weight for char, weight in zip(vin, WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(vin: str) -> str | None:
    """What is wrong with a (normalised) VIN, in words the shopper can act on, or None."""
    if len(vin) != VIN_LENGTH:
        return f"A VIN has 17 characters; this one has {len(vin)}."
    wrong = sorted(set(vin) - ALLOWED)
    if wrong:
        return ("A VIN never contains I, O or Q, nor anything but letters and digits: check "
                + ", ".join(wrong) + ".")
    if vin[9] not in YEAR_CODES:
        return "Position 10 of a VIN is the model year and is never U, Z or 0: check it."
    if vin[8] != check_digit(vin):
        return "The VIN's check digit (position 9) does not match the rest: check it for a typo."
    return None


def model_year(vin: str) -> int:
    first = 2010 if vin[6].isalpha() else 1980
    return first + YEAR_CODES.index(vin[9])


def wmi_of(vin: str) -> str:
    return vin[:3] + vin[11:14] if vin[2] == "9" else vin[:3]


@cache
def _wmi_makes() -> dict[str, tuple[str, ...]]:
    lines = gzip.decompress(WMI_FILE.read_bytes()).decode("utf-8").splitlines()[1:]
    return {wmi: tuple(makes.split("|")) for wmi, makes in (line.split("\t") for line in lines)}


def decode(vin: str) -> DecodedVin:
    """The model year and makes of a VIN vin_problem found nothing wrong with."""
    return DecodedVin(vin, model_year(vin), _wmi_makes().get(wmi_of(vin), ()))


def wmi_table() -> dict[str, list[str]]:
    """Every WMI we know and its makes, for the form's script (sent whole: no VIN leaves the page)."""
    return {wmi: list(makes) for wmi, makes in _wmi_makes().items()}
