"""`python -m bench [--tiny|--quick|--full] [--only NAME ...] [--json FILE]`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import BenchResult, Size, machine
from callrecap.clock import utc_now_iso

BENCHMARKS = (
    "ingest",
    "summarizer",
    "cold_start",
    "scale",
    "page_latency",
    "live_index",
    "capacity",
    "final_latency",
)


SLOW = ("scale", "page_latency")
"""Run under --full (or --only): each takes minutes (a hundred concurrent calls; two stacks and
Chromium), so the quick set (`make bench`) stays under five minutes."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--tiny", dest="size", action="store_const", const=Size.TINY, help="smoke sizes")
    sizes.add_argument("--quick", dest="size", action="store_const", const=Size.QUICK, help="make bench")
    sizes.add_argument("--full", dest="size", action="store_const", const=Size.FULL, help="every size")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    size: Size = args.size or Size.QUICK
    names = args.only or [n for n in BENCHMARKS if size is Size.FULL or n not in SLOW]

    started = time.monotonic()
    print(f"callrecap benchmarks ({size.value}) {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}")
    if not args.only and size is not Size.FULL:
        print(f"(under --full only: {', '.join(SLOW)})")
    results: list[BenchResult] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        t0 = time.monotonic()
        try:
            result = module.run(size)
        except Exception as error:  # a broken benchmark is reported, the others still run
            result = BenchResult(name, f".venv/bin/python -m bench --only {name}")
            result.skipped = f"failed: {type(error).__name__}: {error}"
        result.figures["seconds"] = round(time.monotonic() - t0, 1)
        results.append(result)
        print(result.render(), flush=True)
    print(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        payload = {"size": size.value, "machine": machine(), "at": utc_now_iso()}
        payload["results"] = [r.as_dict() for r in results]
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    missed = [t for r in results for t in r.targets if t.met is False]
    return 1 if missed and size is Size.TINY else 0


if __name__ == "__main__":
    sys.exit(main())
