"""Where the APOR tables live: the copies `flask apor import FILE` wrote into the instance folder
(CANDOR_APOR_DIR, default instance/apor/), else the ones shipped with Candor in this package's
data/. Each file is parsed once and read again only when it changes."""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from app.config import INSTANCE_PATH
from app.products.mortgage.apor import KINDS, AporFileError, AporTable, comparison_day, parse_table, reference_for
from app.products.mortgage.schemas import FIXED_YEARS, TERMS_YEARS

FILE_NAMES = {"fixed": "YieldTableFixed.txt", "adjustable": "YieldTableAdjustable.txt"}
SHIPPED = Path(__file__).resolve().parent / "data"
SOURCE = "FFIEC average prime offer rates"
SIMULATED_SOURCE = "the sandbox market's simulated average prime offer rates"
SIMULATED_MARK = ".sandbox"
TERMS = {"fixed": tuple(TERMS_YEARS), "adjustable": tuple(sorted(set(FIXED_YEARS.values())))}

_cache: dict[Path, tuple[tuple[int, int], AporTable | None]] = {}
_lock = threading.Lock()


def imported_folder() -> Path:
    """Where `flask apor import` writes, and where tables are looked for first."""
    return Path(os.environ.get("CANDOR_APOR_DIR") or INSTANCE_PATH / "apor")


def table_path(kind: str) -> Path | None:
    """The file the `kind` table is read from: the imported one, else the shipped one, else None."""
    for folder in (imported_folder(), SHIPPED):
        path = folder / FILE_NAMES[kind]
        if path.is_file():
            return path
    return None


def load_table(kind: str) -> AporTable | None:
    """The current `kind` table, or None when there is none or it no longer reads (a file changed
    by hand); `flask apor import` refuses a bad file, so that is never silent at import."""
    path = table_path(kind)
    if path is None:
        return None
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        table: AporTable | None = parse_table(path.read_text(encoding="utf-8"), kind)
    except (AporFileError, UnicodeDecodeError):
        table = None
    with _lock:
        _cache[path] = (stamp, table)
    return table


def is_simulated(kind: str) -> bool:
    """Whether the imported `kind` table is the sandbox market's (the demo's), not the FFIEC's."""
    return (imported_folder() / (FILE_NAMES[kind] + SIMULATED_MARK)).is_file()


def current_reference(now: datetime) -> dict[str, Any]:
    """The APOR part of a mortgage comparison's reference data at `now` (apor.reference_for)."""
    tables = {kind: load_table(kind) for kind in KINDS}
    simulated = any(is_simulated(kind) for kind in KINDS)
    return reference_for(tables, comparison_day(now), TERMS, SIMULATED_SOURCE if simulated else SOURCE)


def import_table(text: str, kind: str, *, simulated: bool = False) -> AporTable:
    """Checks an APOR file and, when it reads, writes it as the `kind` table (atomically: a
    comparison reading meanwhile sees the old table or the new, never half of one). `simulated`:
    the sandbox market's table, marked so that pages say so and a real import replaces it."""
    table = parse_table(text, kind)
    folder = imported_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FILE_NAMES[kind]
    partial = target.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    mark = folder / (FILE_NAMES[kind] + SIMULATED_MARK)
    if simulated:
        mark.touch()
    else:
        mark.unlink(missing_ok=True)
    return table
