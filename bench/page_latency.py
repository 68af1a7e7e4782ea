"""Page latency: a segment entering Kinesis until it shows on the call's page (headless Chromium).

The local stack runs with its web page; Chromium (Debian's /usr/bin/chromium, driven by
Playwright) opens `#/calls/<id>` of a live call, then segments carrying a unique word are put on
the Kinesis stream one at a time and the time until the word is visible is recorded, with the
page's API requests counted (per page-hour). Twice in the same run: the baseline is the page
polling (a stack without the live-updates WebSocket API, as before it existed), then the page with
segments pushed over the WebSocket. Within each, the same segments' time until stored in DynamoDB
is measured too (what the pipeline costs before the page adds its share).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, BenchResult, Size, Target, command, percentile
from callrecap.clock import utc_now_iso
from callrecap_local.lca_events import lca_segment

NAME = "page_latency"
CHROMIUM = os.environ.get("CALLRECAP_CHROMIUM", "/usr/bin/chromium")
SEGMENTS = {Size.TINY: 3, Size.QUICK: 20, Size.FULL: 100}
TARGET_P95_S = 1.5
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
    text = f"I would like to check the order called {token} please"
    return lca_segment(call_id, f"lat-{index:04d}", start, start + 3.5, text, agent=index % 2 == 0)


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


def _measure(
    playwright: Any, size: Size, *, live_updates: bool, result: BenchResult, options: dict[str, Any]
) -> dict[str, Any]:
    """One stack, one page: odd segments time the page, even ones the store; the page's API
    requests are counted (every /api/ request: reads, tickets, summaries)."""
    from callrecap_local.stack import LocalPipeline

    rng = random.Random(7)
    page_s: list[float] = []
    store_s: list[float] = []
    requests: list[float] = []  # monotonic times of the page's API requests
    call_id = f"latency-{uuid.uuid4().hex[:8]}"
    with LocalPipeline(port=0, sweeper_interval=3600, live_updates=live_updates, **options) as stack:
        now = utc_now_iso()
        stack.put_kinesis_record({"EventType": "START", "CallId": call_id, "CreatedAt": now}, call_id)
        stack.put_kinesis_record(_segment(call_id, 0, "warmup"), call_id)
        _stored(stack, call_id, "lat-0000", time.monotonic() + 30)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda request: requests.append(time.monotonic()) if "/api/" in request.url else None,
            )
            poll_ms = os.environ.get(POLL_MS_ENV)
            if poll_ms is not None:
                result.lines.append(f"DIAGNOSTIC: page pollIntervalMs {int(poll_ms)} ({POLL_MS_ENV})")
                config = {"apiBase": "/api", "auth": None, "pollIntervalMs": int(poll_ms)}
                page.route("**/config.json", lambda route: route.fulfill(json=config))
            page.goto(f"{stack.url}#/calls/{call_id}")
            page.get_by_text("warmup").first.wait_for(timeout=30_000)
            if live_updates:  # measure with the socket open, as the page runs once it has opened
                deadline = time.monotonic() + 30
                while stack.live is not None and stack.live.connection_count() == 0:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the page never opened its live-updates socket")
                    time.sleep(0.05)
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
            per_hour = sum(1 for t in requests if t >= measuring_since) / measured_s * 3600
        finally:
            browser.close()
    return {"page": page_s, "store": store_s, "requests_per_page_hour": per_hour}


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    handlers = REPO_ROOT / "lambdas" / "callrecap" / "handlers"
    missing = [h for h in ("ingest", "api", "live_connect") if not (handlers / f"{h}.py").is_file()]
    if missing:
        result.skipped = f"needs handlers {', '.join(missing)} (not present yet)"
        return result
    if not Path(CHROMIUM).exists():
        result.skipped = f"no Chromium at {CHROMIUM}"
        return result
    from playwright.sync_api import sync_playwright

    window = os.environ.get(BATCH_WINDOW_ENV)
    options: dict[str, Any] = {} if window is None else {"kinesis_batch_window": float(window)}
    if window is not None:
        result.lines.append(f"DIAGNOSTIC: Kinesis batching window {float(window)} s ({BATCH_WINDOW_ENV})")
    with sync_playwright() as playwright:
        polled = _measure(playwright, size, live_updates=False, result=result, options=options)
        pushed = _measure(playwright, size, live_updates=True, result=result, options=options)
    for label, run_ in (("polling (baseline, no WebSocket API)", polled), ("live updates (pushed)", pushed)):
        p50, p95 = percentile(run_["page"], 0.5), percentile(run_["page"], 0.95)
        s50, s95 = percentile(run_["store"], 0.5), percentile(run_["store"], 0.95)
        result.lines.append(
            f"{label}: Kinesis -> on the page p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"(Kinesis -> stored p50 {s50 * 1000:.0f} ms, p95 {s95 * 1000:.0f} ms; {len(run_['page'])} "
            f"segments); {run_['requests_per_page_hour']:.0f} API requests per page-hour"
        )
    p95 = percentile(pushed["page"], 0.95)
    baseline_p95 = percentile(polled["page"], 0.95)
    per_hour, baseline_per_hour = pushed["requests_per_page_hour"], polled["requests_per_page_hour"]
    result.figures.update(
        {
            "segments": len(pushed["page"]),
            "page_p50_s": round(percentile(pushed["page"], 0.5), 3),
            "page_p95_s": round(p95, 3),
            "store_p95_s": round(percentile(pushed["store"], 0.95), 3),
            "requests_per_page_hour": round(per_hour),
            "polling_page_p95_s": round(baseline_p95, 3),
            "polling_requests_per_page_hour": round(baseline_per_hour),
        }
    )
    result.lines.append(
        f"pushed vs polled: p95 {p95 / max(baseline_p95, 1e-6):.2f}x, API requests "
        f"{per_hour / max(baseline_per_hour, 1e-6):.3f}x"
    )
    result.targets.append(Target(f"p95 <= {TARGET_P95_S} s", p95 <= TARGET_P95_S, f"{p95:.2f} s"))
    result.targets.append(
        Target(
            "API requests per page-hour at most a tenth of polling's",
            per_hour <= baseline_per_hour / 10,
            f"{per_hour:.0f} vs {baseline_per_hour:.0f}",
        )
    )
    return result
