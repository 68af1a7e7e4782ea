"""The capacity rows: the measured profile scaled to N concurrent calls (one open page each), each
figure beside the quota or limit it meets, its utilisation, and what to raise past half of it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.capacity.limits import BEDROCK_QUOTA, LIMITS, Limit
from bench.capacity.profile import Profile

CALL_MINUTES = 6.0
END_PEAK_FACTOR = 2.0
"""Calls ending in the busiest minute, as a multiple of the average (shift changes, campaigns)."""
SUPERVISOR_RATIO = 15
"""One supervisor's call-list page per 15 agents, refreshed every 5 s (ui/js/config.js)."""
LIST_REFRESH_S = 5.0


@dataclass(frozen=True)
class Assumptions:
    call_minutes: float = CALL_MINUTES
    model_latency_s: float = 8.0
    """One model call's wait (a 2-3k-token prompt, a few hundred tokens out): billed summarizer time."""
    model_rpm: float = 2_000
    model_tpm: float = 4_000_000
    """The model's on-demand quotas: per model, Region and account (Service Quotas, 'On-demand
    InvokeModel requests/tokens per minute for <model>'); these defaults are an example to compare
    against, not a promise: new accounts often get less."""
    reconcile_s: float = 30.0  # ui/js/config.js liveReconcileMs
    poll_s: float = 0.5  # ui/js/config.js pollIntervalMs (the page without live updates)
    tickets_per_call: float = 2.0  # the page's first socket and one reconnect
    live_calls_shards: int = 32
    shard_skew: float = 1.5  # busiest of 32 hash shards vs the mean, at these call counts


DEFAULT_ASSUMPTIONS = Assumptions()


def _row(
    name: str, figure: float, limit: Limit | float, *, unit: str = "", raise_hint: str = "", source: str = ""
) -> dict[str, Any]:
    value = limit.value if isinstance(limit, Limit) else float(limit)
    utilization = 0.0 if math.isinf(value) else figure / value
    row = {
        "name": name,
        "figure": round(figure, 2),
        "unit": unit or (limit.unit if isinstance(limit, Limit) else ""),
        "limit": None if math.isinf(value) else round(value, 2),
        "utilization": round(utilization, 4),
        "source": source or (limit.source if isinstance(limit, Limit) else ""),
        "raise": "",
    }
    if utilization > 0.5:
        row["raise"] = raise_hint or (limit.raise_hint if isinstance(limit, Limit) else "raise the quota")
    return row


@dataclass(frozen=True)
class Load:
    """What N concurrent calls ask per second (or minute, for the model), from the profile."""

    calls: int
    ends_s: float
    peak_ends_s: float
    records_s: float
    bytes_s: float
    api_rps: float
    polling_rps: float
    stage_throttle: float
    connects_s: float
    pushes_s: float
    ingest_c: float
    api_c: float
    summarizer_c: float
    total_c: float
    live_index: float
    by_day_writes: float
    by_day_reads: float
    table_reads: float
    hottest_call_partition: float
    bus_entries_s: float
    queue_messages_s: float
    model_rpm: float
    model_tpm: float


def load_of(profile: Profile, calls: int, assume: Assumptions = DEFAULT_ASSUMPTIONS) -> Load:
    """The profile's per-call-minute counts as rates over `calls` concurrent calls, the functions'
    concurrency (Little's law: rate x time each invocation takes) and the pages' requests."""
    from callrecap.contracts import PAGE_REQUESTS_PER_SECOND

    call_s = assume.call_minutes * 60
    pages = calls

    def rate(value: float) -> float:  # a per-call-minute count, as a rate over all calls
        return calls * profile.per_minute(value) / 60

    def seconds_each(function: str, per: float) -> float:
        return profile.busy_seconds.get(function, 0.0) / max(1.0, per)

    ends_s = calls / call_s
    peak_ends_s = ends_s * END_PEAK_FACTOR
    records_s = rate(profile.kinesis_records)
    model_calls = profile.per_call(profile.model_calls)
    supervisors = calls / SUPERVISOR_RATIO
    api_rps = (
        pages * (1 / assume.reconcile_s + assume.tickets_per_call / call_s) + supervisors / LIST_REFRESH_S
    )
    connects_s = pages * assume.tickets_per_call / call_s
    ingest_c = records_s * seconds_each("ingest", profile.kinesis_records)
    api_c = api_rps * seconds_each("api", profile.invocations.get("api", 0))
    summarizer_overhead = seconds_each("summarizer", profile.invocations.get("summarizer", 1))
    summarizer_c = peak_ends_s * (model_calls * assume.model_latency_s + summarizer_overhead)
    live_c = connects_s * 0.05
    return Load(
        calls=calls,
        ends_s=ends_s,
        peak_ends_s=peak_ends_s,
        records_s=records_s,
        bytes_s=rate(profile.kinesis_bytes),
        api_rps=api_rps,
        polling_rps=pages / assume.poll_s + supervisors / LIST_REFRESH_S,
        stage_throttle=max(10.0, pages * PAGE_REQUESTS_PER_SECOND),
        connects_s=connects_s,
        pushes_s=rate(profile.watcher_lookups),
        ingest_c=ingest_c,
        api_c=api_c,
        summarizer_c=summarizer_c,
        total_c=ingest_c + api_c + summarizer_c + live_c + 2,  # + sweeper, lifecycle, CRM hook: a few
        live_index=rate(profile.write_units.get("liveCalls", 0.0))
        / assume.live_calls_shards
        * assume.shard_skew,
        by_day_writes=rate(profile.write_units.get("byDay", 0.0)),
        by_day_reads=supervisors / LIST_REFRESH_S * 1.0,  # one keys-only page of 50: 1 unit (eventual)
        table_reads=profile.per_minute(profile.read_units.get("table", 0.0)) / 60 + 3 / assume.reconcile_s,
        hottest_call_partition=profile.hottest_call_partition_units,
        bus_entries_s=ends_s * profile.per_call(profile.bus_entries),
        queue_messages_s=ends_s * profile.per_call(profile.queue_messages),
        model_rpm=peak_ends_s * 60 * model_calls,
        model_tpm=peak_ends_s * 60 * profile.per_call(profile.input_tokens + profile.output_tokens),
    )


def rows(load: Load, assume: Assumptions = DEFAULT_ASSUMPTIONS) -> list[dict[str, Any]]:
    """One row per figure, beside the limit it meets."""
    lim = LIMITS
    executions = {"unit": "executions"}
    return [
        _row("Kinesis: write records/s", load.records_s, lim["kinesis_records"]),
        _row("Kinesis: write bytes/s", load.bytes_s, lim["kinesis_bytes"]),
        _row("Lambda: ingest concurrency", load.ingest_c, lim["lambda_concurrency"], **executions),
        _row("Lambda: api concurrency", load.api_c, lim["lambda_concurrency"], **executions),
        _row(
            "Lambda: summarizer concurrency (end-of-call peak)",
            load.summarizer_c,
            lim["lambda_concurrency"],
            **executions,
        ),
        _row("Lambda: all functions' concurrency", load.total_c, lim["lambda_concurrency"], **executions),
        _row(
            "DynamoDB: hottest call partition (table) write units/s",
            load.hottest_call_partition,
            lim["partition_writes"],
        ),
        _row("DynamoDB: busiest liveCalls shard write units/s", load.live_index, lim["partition_writes"]),
        _row(
            "DynamoDB: byDay (today's partition) write units/s", load.by_day_writes, lim["partition_writes"]
        ),
        _row("DynamoDB: byDay (today's partition) read units/s", load.by_day_reads, lim["partition_reads"]),
        _row("DynamoDB: a watched call's partition read units/s", load.table_reads, lim["partition_reads"]),
        _row(
            "API Gateway: HTTP API requests/s (pages with live updates)",
            load.api_rps,
            lim["api_account"],
            raise_hint=(
                f"set expectedOpenPages={load.calls} (the stage throttle) and raise the API Gateway quota"
            ),
        ),
        _row(
            "API Gateway: HTTP API requests/s against the stage throttle (expectedOpenPages = calls)",
            load.api_rps,
            load.stage_throttle,
            unit="requests/s",
            source="contracts.PAGE_REQUESTS_PER_SECOND: 0.5 requests/s per open page (docs/deploy.md)",
            raise_hint=f"set expectedOpenPages={load.calls}",
        ),
        _row(
            "API Gateway: HTTP API requests/s if the pages polled (before live updates)",
            load.polling_rps,
            lim["api_account"],
        ),
        _row("API Gateway: WebSocket new connections/s", load.connects_s, lim["websocket_connects"]),
        _row(
            "API Gateway: WebSocket messages pushed/s (counted against the account quota)",
            load.pushes_s,
            lim["api_account"],
        ),
        _row("EventBridge: PutEvents entries/s", load.bus_entries_s, lim["put_events"]),
        _row("SQS: messages sent/s", load.queue_messages_s, lim["sqs"]),
        _row(
            "Model: requests/min at the end-of-call peak",
            load.model_rpm,
            assume.model_rpm,
            unit="requests/min",
            source=BEDROCK_QUOTA.format(what="requests"),
            raise_hint="raise the model's on-demand quota (or use a cross-Region inference profile)",
        ),
        _row(
            "Model: tokens/min at the end-of-call peak",
            load.model_tpm,
            assume.model_tpm,
            unit="tokens/min",
            source=BEDROCK_QUOTA.format(what="tokens"),
            raise_hint="request a Bedrock on-demand tokens-per-minute increase for the model",
        ),
    ]


def capacity(profile: Profile, calls: int, assume: Assumptions = DEFAULT_ASSUMPTIONS) -> dict[str, Any]:
    """The rows for `calls` concurrent calls (one open page each): see the package doc."""
    table = rows(load_of(profile, calls, assume), assume)
    partitions = [r for r in table if r["name"].startswith("DynamoDB")]
    return {
        "calls": calls,
        "hottestPartitionUtilization": round(max(r["utilization"] for r in partitions), 4),
        "rows": table,
    }
