"""Run every benchmark module in bench/ and print their results as one JSON object.

Each module `bench/bench_<key>.py` defines `KEY: str` and `run(*, quick: bool) -> dict` returning
its figures, the baseline measured in the same run, and their ratio. `--quick` uses small sizes
so that the whole suite finishes within a minute.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under 60 seconds")
    parser.add_argument("--only", action="append", default=[], help="run only these keys")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshe.test_settings")
    here = Path(__file__).parent
    results: dict[str, object] = {}
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if args.only and module.KEY not in args.only:
            continue
        results[module.KEY] = module.run(quick=args.quick)
    json.dump(results, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
