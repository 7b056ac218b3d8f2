"""`make bench`: run every bench/bench_*.py module's run(); each prints `name: value unit` lines.

`python -m bench counting` runs only the modules whose name contains "counting".
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(selected: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    if not names:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        module.run()
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
