"""Scale: N concurrent simulated calls through the local stack; nothing may be lost.

Every call is START, a few segments and END, written to the local stack's Kinesis stream
interleaved across calls (as a busy contact center would), then the run waits until every call
has a final summary. Counted: segments lost (sent minus stored finals), summaries missing (calls
without a COMPLETED final summary), wall time, and peak memory (max RSS of the process: moto's
server, the pollers and the handlers, all in one process as `callrecap serve` runs them).

Each size runs in a fresh interpreter (`python -m bench.scale --calls N`) so its peak memory is
its own. Baseline in the same run: wall time per call of the smallest size, so the larger sizes
read as "x times the per-call cost" (1.0 = perfectly linear).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from bench.calls import synthetic_segments
from bench.common import REPO_ROOT, BenchResult, Size, Target, command, subprocess_env
from callrecap.clock import utc_now_iso
from callrecap_local.lca_events import lca_segment

NAME = "scale"
CALLS = {Size.TINY: (3,), Size.QUICK: (100,), Size.FULL: (100, 500, 1000)}
SEGMENTS_PER_CALL = 10
REQUIRED = ("ingest", "lifecycle", "summarizer")


def _records(call_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    now = utc_now_iso()
    per_call = {c: synthetic_segments(c, SEGMENTS_PER_CALL / 12) for c in call_ids}
    records: list[tuple[str, dict[str, Any]]] = [
        (c, {"EventType": "START", "CallId": c, "CustomerPhoneNumber": "+15550100", "CreatedAt": now})
        for c in call_ids
    ]
    for i in range(SEGMENTS_PER_CALL):
        for call_id, segments in per_call.items():
            s = segments[i]
            records.append(
                (
                    call_id,
                    lca_segment(
                        call_id,
                        s.segment_id,
                        s.start_time,
                        s.end_time,
                        s.text,
                        agent=i % 2 == 0,
                        created_at=now,
                    ),
                )
            )
    records += [(c, {"EventType": "END", "CallId": c, "CreatedAt": now}) for c in call_ids]
    return records


def measure(calls: int, timeout: float) -> dict[str, Any]:
    """Run one size in this process (called in a fresh interpreter by `run`)."""
    from callrecap_local.stack import LocalPipeline

    call_ids = [f"scale-{calls}-{i:05d}" for i in range(calls)]
    records = _records(call_ids)
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=3600) as stack:
        kinesis = stack.client("kinesis")
        assert stack.resources is not None
        started = time.monotonic()
        for offset in range(0, len(records), 500):
            chunk = records[offset : offset + 500]
            response = kinesis.put_records(
                StreamName=stack.resources.stream_name,
                Records=[{"Data": json.dumps(r).encode(), "PartitionKey": c} for c, r in chunk],
            )
            if response.get("FailedRecordCount"):
                raise RuntimeError(f"Kinesis refused {response['FailedRecordCount']} records")
        pending = set(call_ids)
        outcomes: dict[str, Any] = {}
        deadline = started + timeout
        while pending and time.monotonic() < deadline:
            for call_id in list(pending):
                outcome = stack.outcome(call_id)
                outcomes[call_id] = outcome
                if outcome.summary_status in ("COMPLETED", "FAILED"):
                    pending.discard(call_id)
            if pending:
                time.sleep(2.0)  # each round reads every pending call: keep it off the pipeline's CPU
        wall = time.monotonic() - started
        for call_id in pending:
            outcomes[call_id] = stack.outcome(call_id)
    stored = sum(min(o.segments, SEGMENTS_PER_CALL) for o in outcomes.values())
    return {
        "calls": calls,
        "segments_sent": calls * SEGMENTS_PER_CALL,
        "segments_lost": calls * SEGMENTS_PER_CALL - stored,
        "summaries_missing": sum(1 for o in outcomes.values() if o.summary_status != "COMPLETED"),
        "timed_out": len(pending),
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    handlers = REPO_ROOT / "lambdas" / "callrecap" / "handlers"
    missing = [h for h in REQUIRED if not (handlers / f"{h}.py").is_file()]
    if missing or not (REPO_ROOT / "local" / "callrecap_local" / "stack.py").is_file():
        result.skipped = f"needs handlers {', '.join(missing)} (not present yet)"
        return result
    per_call_base: float | None = None
    for calls in CALLS[size]:
        timeout = 120 + calls * 1.0
        completed = subprocess.run(
            [sys.executable, "-m", "bench.scale", "--calls", str(calls), "--timeout", str(timeout)],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            cwd=REPO_ROOT,
            timeout=timeout + 120,
            check=False,
        )
        if completed.returncode != 0:
            tail = (completed.stderr.strip().splitlines() or ["?"])[-1]
            result.lines.append(f"{calls} calls: FAILED to run ({tail})")
            result.targets.append(Target(f"{calls} calls: nothing lost", False, tail))
            continue
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
        per_call = figures["wall_s"] / calls
        per_call_base = per_call_base or per_call
        result.figures[f"calls{calls}"] = figures
        result.lines.append(
            f"{calls} calls x {SEGMENTS_PER_CALL} segments: wall {figures['wall_s']:.1f} s "
            f"({per_call * 1000:.0f} ms/call = {per_call / per_call_base:.2f}x the smallest size's), "
            f"segments lost {figures['segments_lost']}, summaries missing {figures['summaries_missing']}, "
            f"peak RSS {figures['peak_rss_mib']:.0f} MiB"
        )
        ok = figures["segments_lost"] == 0 and figures["summaries_missing"] == 0
        detail = f"lost {figures['segments_lost']}, missing {figures['summaries_missing']}"
        result.targets.append(Target(f"{calls} calls: 0 segments lost, 0 summaries missing", ok, detail))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    print(json.dumps(measure(args.calls, args.timeout)))


if __name__ == "__main__":
    main()
