"""`python -m bench [MODULE …]`: run every benchmark module's main() (or only the modules named,
e.g. `python -m bench ranking memory`) and print one table. A module that fails is reported in the
table (and makes the exit status 1) without stopping the others."""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

from bench import Figure, print_table


def main(argv: list[str] | None = None) -> int:
    chosen = set(sys.argv[1:] if argv is None else argv)
    available = [path.stem for path in sorted(Path(__file__).resolve().parent.glob("*.py"))
                 if not path.name.startswith("_")]
    unknown = chosen - set(available)
    if unknown:
        print(f"no such benchmark: {', '.join(sorted(unknown))} (there are: {', '.join(available)})", file=sys.stderr)
        return 2
    # Modules that read their own options (bench.audit) must not take the module names for theirs.
    sys.argv = sys.argv[:1]
    figures: list[Figure] = []
    failed = False
    for stem in available:
        if chosen and stem not in chosen:
            continue
        name = f"bench.{stem}"
        print(f"running {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(name)
            if not hasattr(module, "main"):  # bench/baseline_fanout.py is a site the benchmarks serve
                continue
            figures.extend(module.main() or ())
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            figures.append(Figure(name, f"failed: {type(error).__name__}", met=False))
            failed = True
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print_table(figures)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
