"""`make demo`: replay the sample calls fast through the local stack and print their summaries.

Runs the same stack as `callrecap serve` (moto on loopback, the real handlers, the offline
extractive summarizer), so it needs no AWS account and no network.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from callrecap_local.console import handler_output_to_stderr
from callrecap_local.replay_run import describe, load_all, replay_and_wait
from callrecap_local.stack import LocalPipeline

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
DEMO_SECONDS = 15.0
"""Target wall time of the longest sample's playback."""


def main(samples_dir: Path = SAMPLES_DIR) -> int:
    paths = sorted(samples_dir.glob("*.jsonl"))
    if not paths:
        print(f"demo: no recorded calls in {samples_dir}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    recordings = load_all(paths)
    speed = max(1.0, max(r.duration for r in recordings) / DEMO_SECONDS)
    print(
        f"Replaying {len(recordings)} sample calls at {speed:.0f}x through the local stack...\n", flush=True
    )
    with handler_output_to_stderr() as out, LocalPipeline(serve_http=False) as stack:
        results = replay_and_wait(stack, recordings, speed=speed, timeout=120.0)
    for result in results:
        print(describe(result) + "\n", file=out)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"{len(failed)} call(s) did not complete: {', '.join(r.path.name for r in failed)}", file=out)
    print("See them live in the web page: run `make serve` and open http://127.0.0.1:8000/", file=out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
