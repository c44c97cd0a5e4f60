"""Writes app/products/data/zip-states.txt.gz, the state of every US ZIP code, from the ZIP code
list of the pinned `zipcodes` package (requirements-dev.txt). The site reads that small file
(some 100 KB in memory) rather than the package itself, whose data costs a web worker 37 MB once
asked about one ZIP code and 200 MB once listed whole.

    python scripts/build_zip_states.py          # rewrite the file after upgrading zipcodes
    python scripts/build_zip_states.py --check  # exit 1 if the file differs from the package
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from pathlib import Path

import zipcodes

TABLE = Path(__file__).resolve().parents[1] / "app" / "products" / "data" / "zip-states.txt.gz"


def table_text() -> str:
    """One line per state or territory, sorted: its code, then its ZIP codes in order."""
    by_state: defaultdict[str, list[str]] = defaultdict(list)
    for place in zipcodes.list_all():
        by_state[place["state"]].append(place["zip_code"])
    header = f"# zipcodes {zipcodes.__version__}: state, then its ZIP codes\n"
    return header + "".join(f"{state} {' '.join(sorted(codes))}\n" for state, codes in sorted(by_state.items()))


def main(arguments: list[str]) -> int:
    text = table_text()
    if "--check" in arguments:
        current = gzip.decompress(TABLE.read_bytes()).decode("ascii") if TABLE.exists() else ""
        if current != text:
            print(f"{TABLE} differs from zipcodes {zipcodes.__version__}: run scripts/build_zip_states.py", file=sys.stderr)
            return 1
        return 0
    TABLE.write_bytes(gzip.compress(text.encode("ascii"), mtime=0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
