"""End of call -> final summary: how long after a call ends its final summary is stored.

The local stack with the deployed defaults: the longest settle `finalSummaryDelaySeconds` = 10 s,
the first look 2 s after the end, the final written once the call is quiet (docs/summarization.md,
"Settling"); the extractive provider, so the model's latency is excluded; the final-summary queue
drained as deployed (one run at a time locally, `llmMaxConcurrency` in AWS). Calls are started,
spoken and ended one after another, each END record timed until its COMPLETED final is in the
table. The ratio is against the 10 s settle time (what a fixed delay, the design before, costs
at least: 11.68 s p50 measured that way on 2026-12-01).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench.common import BenchResult, Size, Target, command, percentile
from callrecap_local.lca_events import lca_call_event, lca_segment

NAME = "final_latency"
CALLS = {Size.TINY: 2, Size.QUICK: 4, Size.FULL: 30}
SETTLE_SECONDS = 10
TARGET_P50_S = 5.0


def _segment(call_id: str, n: int) -> dict[str, Any]:
    text = f"I am calling about order number {1000 + n}, it has not arrived yet."
    return lca_segment(call_id, f"s{n}", 1.0 + 4 * n, 4.0 + 4 * n, text, agent=n % 2 == 0)


def run(size: Size) -> BenchResult:
    from callrecap_local.stack import LocalPipeline

    result = BenchResult(NAME, command(NAME, size))
    waits: list[float] = []
    with LocalPipeline(
        port=0, serve_http=False, sweeper_interval=0, final_summary_delay=SETTLE_SECONDS
    ) as stack:
        for _ in range(CALLS[size]):
            call_id = f"latency-{uuid.uuid4().hex[:8]}"
            stack.put_kinesis_record(lca_call_event("START", call_id), call_id)
            for n in range(4):
                stack.put_kinesis_record(_segment(call_id, n), call_id)
            ended = time.monotonic()
            stack.put_kinesis_record(lca_call_event("END", call_id), call_id)
            deadline = ended + 120
            while stack.outcome(call_id).summary_status != "COMPLETED":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{call_id}: no final summary within 120 s")
                time.sleep(0.05)
            waits.append(time.monotonic() - ended)
    p50, p95 = percentile(waits, 0.5), percentile(waits, 0.95)
    result.figures.update({"calls": len(waits), "p50_s": round(p50, 2), "p95_s": round(p95, 2)})
    result.figures["settle_s"] = SETTLE_SECONDS
    result.lines.append(
        f"END record -> COMPLETED final: p50 {p50:.2f} s, p95 {p95:.2f} s ({len(waits)} calls; extractive, "
        f"so no model latency), against the {SETTLE_SECONDS} s longest settle ({p50 / SETTLE_SECONDS:.2f}x)"
    )
    result.targets.append(Target(f"p50 <= {TARGET_P50_S:.0f} s", p50 <= TARGET_P50_S, f"{p50:.2f} s"))
    return result
