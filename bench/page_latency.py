"""Page latency: a segment entering Kinesis until it shows on the call's page (headless Chromium).

The local stack runs with its web page; Chromium (Debian's /usr/bin/chromium, driven by
Playwright) opens `#/calls/<id>` of a live call, then segments carrying a unique word are put on
the Kinesis stream one at a time and the time until the word is visible is recorded.
Baseline in the same run: the same segment's time until it is stored in DynamoDB (what the
pipeline costs before the page's polling adds its share). The page's transcript polls per second
are counted too: what the latency costs in API requests.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, BenchResult, Size, Target, command, percentile

NAME = "page_latency"
CHROMIUM = os.environ.get("CALLRECAP_CHROMIUM", "/usr/bin/chromium")
SEGMENTS = {Size.TINY: 3, Size.QUICK: 20, Size.FULL: 100}
TARGET_P95_S = 2.0
BATCH_WINDOW_ENV = "CALLRECAP_BENCH_BATCH_WINDOW_S"
"""Diagnostic only: the local Kinesis poller's batching window (default: infra's 1 s), to see
how much of Kinesis -> stored is the window. Results with it set are not the benchmark's."""
POLL_MS_ENV = "CALLRECAP_BENCH_POLL_MS"
"""Diagnostic only: the page's pollIntervalMs (config.json answered by the bench), e.g. 1000 to
compare with the old interval in the same conditions."""
SHOWN = "token => document.body.textContent.includes(token)"
"""Checked on every animation frame. (A Playwright locator wait retries at 100 ms, then 500 ms
steps, which quantised the page times to about half a second and overstated them.)"""


def _segment(call_id: str, index: int, token: str) -> dict[str, Any]:
    start = 5.0 + index * 4.0
    return {
        "EventType": "ADD_TRANSCRIPT_SEGMENT",
        "CallId": call_id,
        "Channel": "CALLER" if index % 2 else "AGENT",
        "SegmentId": f"lat-{index:04d}",
        "StartTime": start,
        "EndTime": start + 3.5,
        "Transcript": f"I would like to check the order called {token} please",
        "IsPartial": False,
        "CreatedAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _stored(stack: Any, call_id: str, segment_id: str, deadline: float) -> bool:
    """Poll (every 50 ms, one GetItem-sized query) until the segment's item exists."""
    from callrecap import contracts

    client = stack.client("dynamodb")
    assert stack.resources is not None
    while time.monotonic() < deadline:
        found = client.query(
            TableName=stack.resources.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :sk)",
            ExpressionAttributeNames={"#pk": contracts.PK, "#sk": contracts.SK},
            ExpressionAttributeValues={
                ":pk": {"S": contracts.call_pk(call_id)},
                ":sk": {"S": f"{contracts.SEGMENT_SK_PREFIX}{segment_id}"},
            },
            Select="COUNT",
        )
        if found["Count"]:
            return True
        time.sleep(0.05)
    return False


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    handlers = REPO_ROOT / "lambdas" / "callrecap" / "handlers"
    missing = [h for h in ("ingest", "api") if not (handlers / f"{h}.py").is_file()]
    if missing:
        result.skipped = f"needs handlers {', '.join(missing)} (not present yet)"
        return result
    if not Path(CHROMIUM).exists():
        result.skipped = f"no Chromium at {CHROMIUM}"
        return result
    from playwright.sync_api import sync_playwright

    from callrecap_local.stack import LocalPipeline

    rng = random.Random(7)
    page_s: list[float] = []
    store_s: list[float] = []
    polls: list[float] = []  # monotonic times of the page's GET /calls/{id} requests
    call_id = f"latency-{uuid.uuid4().hex[:8]}"
    window = os.environ.get(BATCH_WINDOW_ENV)
    options: dict[str, Any] = {} if window is None else {"kinesis_batch_window": float(window)}
    if window is not None:
        result.lines.append(f"DIAGNOSTIC: Kinesis batching window {float(window)} s ({BATCH_WINDOW_ENV})")
    with LocalPipeline(port=0, sweeper_interval=3600, **options) as stack, sync_playwright() as playwright:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        stack.put_kinesis_record({"EventType": "START", "CallId": call_id, "CreatedAt": now}, call_id)
        stack.put_kinesis_record(_segment(call_id, 0, "warmup"), call_id)
        _stored(stack, call_id, "lat-0000", time.monotonic() + 30)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            transcript_path = f"/calls/{call_id}?"
            page.on(
                "request",
                lambda request: polls.append(time.monotonic()) if transcript_path in request.url else None,
            )
            poll_ms = os.environ.get(POLL_MS_ENV)
            if poll_ms is not None:
                result.lines.append(f"DIAGNOSTIC: page pollIntervalMs {int(poll_ms)} ({POLL_MS_ENV})")
                config = {"apiBase": "/api", "auth": None, "pollIntervalMs": int(poll_ms)}
                page.route("**/config.json", lambda route: route.fulfill(json=config))
            page.goto(f"{stack.url}#/calls/{call_id}")
            page.get_by_text("warmup").first.wait_for(timeout=30_000)
            measuring_since = time.monotonic()
            # Odd segments time the page, even ones the store, so neither measurement's polling
            # delays the other's.
            for i in range(1, 2 * SEGMENTS[size] + 1):
                token = f"zx{uuid.uuid4().hex[:10]}"
                segment = _segment(call_id, i, token)
                started = time.monotonic()
                stack.put_kinesis_record(segment, call_id)
                if i % 2:
                    page.wait_for_function(SHOWN, arg=token, polling="raf", timeout=30_000)
                    page_s.append(time.monotonic() - started)
                elif _stored(stack, call_id, segment["SegmentId"], started + 30):
                    store_s.append(time.monotonic() - started)
                time.sleep(rng.uniform(0.1, 0.6))  # do not phase-lock with the page's polling
            measured_s = time.monotonic() - measuring_since
            polls_per_s = sum(1 for t in polls if t >= measuring_since) / measured_s
        finally:
            browser.close()
    p50, p95 = percentile(page_s, 0.5), percentile(page_s, 0.95)
    s50, s95 = percentile(store_s, 0.5), percentile(store_s, 0.95)
    result.figures.update({"segments": len(page_s), "page_p50_s": round(p50, 3), "page_p95_s": round(p95, 3)})
    result.figures.update({"store_p50_s": round(s50, 3), "store_p95_s": round(s95, 3)})
    result.lines.append(f"Kinesis -> stored (baseline): p50 {s50 * 1000:.0f} ms, p95 {s95 * 1000:.0f} ms")
    result.figures.update({"page_polls_per_s": round(polls_per_s, 2)})
    result.lines.append(
        f"stored -> on the page (difference of the percentiles): p50 {(p50 - s50) * 1000:.0f} ms, "
        f"p95 {(p95 - s95) * 1000:.0f} ms; "
        f"the page made {polls_per_s:.2f} transcript requests a second"
    )
    result.lines.append(
        f"Kinesis -> on the page: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
        f"({len(page_s)} segments; p95 = {p95 / max(s95, 1e-6):.1f}x the store p95)"
    )
    result.targets.append(Target(f"p95 < {TARGET_P95_S:.0f} s", p95 < TARGET_P95_S, f"{p95:.2f} s"))
    return result
