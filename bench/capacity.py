"""Capacity and cost model: what N concurrent calls ask of an AWS account, and what they cost.

Measured, then extrapolated (docs/capacity.md):

1. **Profile** (measured on the local stack): every recorded call in samples/ is replayed through
   the real handlers, wired as deployed (live updates on), with the AWS limits enforced. Counted
   per call and per call-minute: Kinesis records and bytes, AWS requests by function and operation
   (botocore, in the handlers' own threads only), Lambda invocations and billed time, DynamoDB
   write and read units per table/index (the partition-heat meter, transactions at 2x), bus
   entries, queue messages, pushes a watching page would get (one per watcher lookup), log bytes,
   and the model's tokens (the prompt the engine renders for each call, output as long as the
   summary it stores).
2. **Capacity** for N concurrent calls of 6 minutes (the samples' speech rate), one open page per
   call: each row is a figure, the quota or limit it meets (with the page that states it), its
   utilisation and what a deployment of that size must raise. The JSON of one N:
   `python -m bench.capacity --calls N --json`.
3. **Cost** per 1,000 five-minute calls from the same profile and public on-demand prices
   (us-east-1), beside the same figures for LCA's documented shape (an AppSync mutation and a
   DynamoDB write per segment, partials included, one model call per summary section).

Local durations are moto's, not DynamoDB's (pessimistic for the Lambda rows); the summarizer's
model wait is an input (`--model-latency-s`), as are the model's quotas, which differ per model and
account (Service Quotas).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, BenchResult, Size, Target

NAME = "capacity"
SAMPLES = REPO_ROOT / "samples"
CALL_MINUTES = 6.0
COST_CALL_MINUTES = 5.0
REPLAY_SPEED = 40.0
CALL_SIZES = (100, 1_000, 10_000)
END_PEAK_FACTOR = 2.0
"""Calls ending in the busiest minute, as a multiple of the average (shift changes, campaigns)."""
SUPERVISOR_RATIO = 15
"""One supervisor's call-list page per 15 agents, refreshed every 5 s (ui/js/config.js)."""
LIST_REFRESH_S = 5.0
BEDROCK_QUOTA = "Bedrock: 'On-demand InvokeModel {what} per minute for <model>' (Service Quotas; assumed)"


# --------------------------------------------------------------------------- limits (with sources)


@dataclass(frozen=True)
class Limit:
    value: float
    unit: str
    source: str
    raise_hint: str


LIMITS: dict[str, Limit] = {
    "kinesis_records": Limit(
        4_000,
        "records/s",
        "Kinesis on-demand: new streams accept 4,000 records/s (4 MB/s) of writes, "
        "then scale to twice the previous peak "
        "(docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html)",
        "pre-warm the on-demand stream (or switch it to provisioned shards) before go-live",
    ),
    "kinesis_bytes": Limit(
        4 * 1024 * 1024,
        "B/s",
        "Kinesis on-demand initial write capacity 4 MB/s (same page)",
        "pre-warm the on-demand stream before go-live",
    ),
    "lambda_concurrency": Limit(
        1_000,
        "executions",
        "Lambda concurrent executions per account and Region, default 1,000 "
        "(docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)",
        "request a Lambda concurrency increase (Service Quotas)",
    ),
    "partition_writes": Limit(
        1_000,
        "WCU/s",
        "DynamoDB: about 1,000 write units a second per partition, tables and GSIs "
        "(docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html)",
        "redesign the key: no quota raises it",
    ),
    "partition_reads": Limit(
        3_000,
        "RCU/s",
        "DynamoDB: about 3,000 read units a second per partition (same page)",
        "redesign the key: no quota raises it",
    ),
    "api_account": Limit(
        10_000,
        "requests/s",
        "API Gateway: 10,000 requests/s per account and Region for HTTP, REST and "
        "WebSocket APIs together (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)",
        "request an API Gateway throttle quota increase",
    ),
    "websocket_connects": Limit(
        500,
        "connections/s",
        "API Gateway WebSocket: 500 new connections per second per account and Region (same page)",
        "request an increase of 'New connections per second'",
    ),
    "put_events": Limit(
        10_000,
        "entries/s",
        "EventBridge PutEvents: 10,000 transactions/s in us-east-1, us-west-2 and "
        "eu-west-1, lower elsewhere (docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html)",
        "request a PutEvents quota increase in smaller Regions",
    ),
    "sqs": Limit(
        math.inf,
        "messages/s",
        "SQS standard queues: nearly unlimited transactions per second "
        "(docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html)",
        "none",
    ),
}


# --------------------------------------------------------------------------- the measured profile


@dataclass
class Profile:
    """What the sample calls asked of AWS, per call and per call-minute (see the module doc)."""

    calls: int = 0
    call_minutes: float = 0.0
    kinesis_records: int = 0
    kinesis_bytes: int = 0
    kinesis_billed_kb: int = 0  # each record rounded up to 1 KB (on-demand ingest)
    requests: dict[str, int] = field(default_factory=dict)  # "function service.operation" -> count
    invocations: dict[str, int] = field(default_factory=dict)
    busy_seconds: dict[str, float] = field(default_factory=dict)
    write_units: dict[str, float] = field(default_factory=dict)  # table or table/index -> units
    read_units: dict[str, float] = field(default_factory=dict)
    hottest_call_partition_units: float = 0.0  # the busiest call partition's write units in a second
    bus_entries: int = 0
    queue_messages: int = 0
    watcher_lookups: int = 0  # = pushes with one page per call
    log_bytes: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    segments_final: int = 0
    segments_partial: int = 0
    summary_sections: int = 0

    def per_call(self, value: float) -> float:
        return value / max(1, self.calls)

    def per_minute(self, value: float) -> float:
        return value / max(1e-9, self.call_minutes)

    def request_count(self, function: str, operation: str) -> int:
        return sum(
            n
            for key, n in self.requests.items()
            if key.startswith(f"{function} ") and key.endswith(operation)
        )


class _CountingStdout(io.TextIOBase):
    """Counts what the handlers print (Powertools JSON logs and EMF metrics: CloudWatch Logs)."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


@contextmanager
def _counted_requests(counts: dict[str, int], extra: dict[str, int]) -> Iterator[None]:
    """Count botocore API calls made on a function's invoke thread, as `<function> <svc>.<op>`."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    lock = threading.Lock()

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        thread = threading.current_thread().name
        if thread.endswith("-invoke"):
            function = thread.removesuffix("-invoke").rsplit("-", 1)[-1]
            service = self.meta.service_model.service_name
            with lock:
                counts[f"{function} {service}.{operation_name}"] = (
                    counts.get(f"{function} {service}.{operation_name}", 0) + 1
                )
                if operation_name == "PutEvents":
                    entries = api_params.get("Entries", [])
                    extra["bus_entries"] += len(entries)
                    # CallEnded waits in the final-summary queue (a rule target in AWS as here).
                    extra["queue_messages"] += sum(1 for e in entries if e.get("DetailType") == "CallEnded")
                if operation_name in ("SendMessage", "SendMessageBatch"):
                    extra["queue_messages"] += len(api_params.get("Entries", [])) or 1
                if service == "dynamodb" and operation_name == "Query":
                    names = json.dumps(api_params.get("ExpressionAttributeValues", {}))
                    if '"WATCH#' in names:
                        extra["watcher_lookups"] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def _model_tokens(stack: Any, call_id: str) -> tuple[int, int, int]:
    """Input tokens of the prompt the engine renders for the stored transcript, output tokens of
    the stored final summary's sections (chars/4, the engine's own estimate), model calls."""
    from callrecap.domain.summaries.chunking import estimate_tokens

    outcome = stack.outcome(call_id)
    table = stack.table()
    items = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :seg)",
        ExpressionAttributeValues={":pk": f"CALL#{call_id}", ":seg": "SEG#"},
    )["Items"]
    transcript = "\n".join(
        f"{i.get('speaker', '')}: {i.get('text', '')}" for i in items if not i.get("isPartial")
    )
    prompt_overhead = sum(estimate_tokens(p.read_text()) for p in (REPO_ROOT / "prompts").glob("*.j2")) // 3
    sections = json.dumps(outcome.sections, default=str)
    return estimate_tokens(transcript) + prompt_overhead, estimate_tokens(sections), 1


def measure_profile(speed: float = REPLAY_SPEED, limit: int | None = None) -> Profile:
    """Replay the samples through the local stack and count (see the module doc)."""
    from callrecap.contracts import GSI_LIVE_CALLS
    from callrecap_local.environment import ProcessEnvironment
    from callrecap_local.recording import load_recording
    from callrecap_local.stack import LocalPipeline

    recordings = [load_recording(p) for p in sorted(SAMPLES.glob("*.jsonl"))][:limit]
    profile = Profile(calls=len(recordings))
    extra = {"bus_entries": 0, "queue_messages": 0, "watcher_lookups": 0}
    stdout = _CountingStdout()
    saved = sys.stdout
    sys.stdout = stdout  # type: ignore[assignment]
    # As deployed: INFO logs and EMF metrics on (they are what CloudWatch Logs ingests).
    logging_on = {"POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "false"}
    environment = ProcessEnvironment()
    environment.set(logging_on)
    try:
        with (
            LocalPipeline(port=0, sweeper_interval=3600, settings_env=logging_on) as stack,
            _counted_requests(profile.requests, extra),
        ):
            for recording in recordings:
                profile.call_minutes += recording.duration / 60
                for event in recording.events:
                    if event.source == "kinesis":
                        size = len(json.dumps(event.payload).encode())
                        profile.kinesis_records += 1
                        profile.kinesis_bytes += size
                        profile.kinesis_billed_kb += math.ceil(size / 1024)
                        if (
                            isinstance(event.payload, dict)
                            and event.payload.get("EventType") == "ADD_TRANSCRIPT_SEGMENT"
                        ):
                            if event.payload.get("IsPartial"):
                                profile.segments_partial += 1
                            else:
                                profile.segments_final += 1
            replays = [stack.replay(r, speed=speed, fresh_id=True) for r in recordings]
            for replay in replays:
                status, outcome = stack.wait_for(replay.recording.call_id, timeout=300)
                if status != "COMPLETED":
                    raise RuntimeError(f"{replay.recording.path.name}: final summary {status}")
                tokens_in, tokens_out, calls = _model_tokens(stack, replay.recording.call_id)
                profile.input_tokens += tokens_in
                profile.output_tokens += tokens_out
                profile.model_calls += calls
                profile.summary_sections += len(outcome.sections)
            time.sleep(1.0)  # the CRM hook's delivery and the last pushes
            measure_api(stack, [r.recording.call_id for r in replays], profile)
            totals: dict[str, float] = defaultdict(float)
            reads: dict[str, float] = defaultdict(float)
            per_second: dict[tuple[int, str], float] = defaultdict(float)
            table_name = stack.resources.table_name if stack.resources else ""
            for (second, target, partition), units in list(stack.heat.units.items()):
                totals[target] += units
                if target == table_name and partition.startswith("CALL#"):
                    per_second[(second, partition)] += units
            for (_, target, _), units in list(stack.heat.read.items()):
                reads[target] += units
            rename = {table_name: "table", f"{table_name}/{GSI_LIVE_CALLS}": "liveCalls"}
            profile.write_units = {
                rename.get(t, t.rsplit("/", 1)[-1]): round(u, 1) for t, u in totals.items()
            }
            profile.read_units = {rename.get(t, t.rsplit("/", 1)[-1]): round(u, 1) for t, u in reads.items()}
            # Replayed `speed` times faster: a real second holds 1/speed of a replayed one.
            profile.hottest_call_partition_units = round(max(per_second.values(), default=0.0) / speed, 2)
    finally:
        sys.stdout = saved
        environment.restore()
    profile.bus_entries = extra["bus_entries"]
    profile.queue_messages = extra["queue_messages"]
    profile.watcher_lookups = extra["watcher_lookups"]
    profile.log_bytes = stdout.bytes
    return profile


def measure_api(stack: Any, call_ids: list[str], profile: Profile, reads_per_call: int = 10) -> None:
    """A page's requests against the stored calls: reads since a cursor and a ticket, to time the
    api function (the replays make none)."""
    import urllib.request

    for call_id in call_ids:
        for _ in range(reads_per_call):
            with urllib.request.urlopen(f"{stack.api_url}/calls/{call_id}", timeout=30) as reply:
                reply.read()
    for function, local in stack.functions.items():
        profile.invocations[function.value] = local.invocations
        profile.busy_seconds[function.value] = round(local.busy_seconds, 3)


# --------------------------------------------------------------------------- capacity rows


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


def capacity(profile: Profile, calls: int, assume: Assumptions = Assumptions()) -> dict[str, Any]:
    """The rows for `calls` concurrent calls (one open page each): see the module doc."""
    call_s = assume.call_minutes * 60
    pages = calls

    def rate(value: float) -> float:  # a per-call-minute count, as a rate over all calls
        return calls * profile.per_minute(value) / 60

    ends_s = calls / call_s
    peak_ends_s = ends_s * END_PEAK_FACTOR
    records_s = rate(profile.kinesis_records)
    bytes_s = rate(profile.kinesis_bytes)
    seconds_per_record = profile.busy_seconds.get("ingest", 0.0) / max(1, profile.kinesis_records)
    api_seconds = profile.busy_seconds.get("api", 0.0) / max(1, profile.invocations.get("api", 0))
    summarizer_overhead = profile.busy_seconds.get("summarizer", 0.0) / max(
        1, profile.invocations.get("summarizer", 1)
    )
    model_calls = profile.per_call(profile.model_calls)
    tokens = profile.per_call(profile.input_tokens + profile.output_tokens)
    supervisors = calls / SUPERVISOR_RATIO
    api_rps = (
        pages * (1 / assume.reconcile_s + assume.tickets_per_call / call_s) + supervisors / LIST_REFRESH_S
    )
    polling_rps = pages / assume.poll_s + supervisors / LIST_REFRESH_S
    from callrecap.contracts import PAGE_REQUESTS_PER_SECOND

    stage_throttle = max(10.0, pages * PAGE_REQUESTS_PER_SECOND)
    connects_s = pages * assume.tickets_per_call / call_s
    pushes_s = rate(profile.watcher_lookups)

    ingest_c = records_s * seconds_per_record
    api_c = api_rps * api_seconds
    summarizer_c = peak_ends_s * (model_calls * assume.model_latency_s + summarizer_overhead)
    live_c = connects_s * 0.05
    total_c = ingest_c + api_c + summarizer_c + live_c + 2  # + sweeper, lifecycle, CRM hook: a few
    live_index = (
        rate(profile.write_units.get("liveCalls", 0.0)) / assume.live_calls_shards * assume.shard_skew
    )
    by_day_writes = rate(profile.write_units.get("byDay", 0.0))
    by_day_reads = supervisors / LIST_REFRESH_S * 1.0  # one keys-only page of 50: 1 unit (eventual)
    table_reads = profile.per_minute(profile.read_units.get("table", 0.0)) / 60 + 3 / assume.reconcile_s

    lim = LIMITS
    rows = [
        _row("Kinesis: write records/s", records_s, lim["kinesis_records"]),
        _row("Kinesis: write bytes/s", bytes_s, lim["kinesis_bytes"]),
        _row("Lambda: ingest concurrency", ingest_c, lim["lambda_concurrency"], unit="executions"),
        _row("Lambda: api concurrency", api_c, lim["lambda_concurrency"], unit="executions"),
        _row(
            "Lambda: summarizer concurrency (end-of-call peak)",
            summarizer_c,
            lim["lambda_concurrency"],
            unit="executions",
        ),
        _row("Lambda: all functions' concurrency", total_c, lim["lambda_concurrency"], unit="executions"),
        _row(
            "DynamoDB: hottest call partition (table) write units/s",
            profile.hottest_call_partition_units,
            lim["partition_writes"],
        ),
        _row("DynamoDB: busiest liveCalls shard write units/s", live_index, lim["partition_writes"]),
        _row("DynamoDB: byDay (today's partition) write units/s", by_day_writes, lim["partition_writes"]),
        _row("DynamoDB: byDay (today's partition) read units/s", by_day_reads, lim["partition_reads"]),
        _row("DynamoDB: a watched call's partition read units/s", table_reads, lim["partition_reads"]),
        _row(
            "API Gateway: HTTP API requests/s (pages with live updates)",
            api_rps,
            lim["api_account"],
            raise_hint=f"set expectedOpenPages={pages} (the stage throttle) and raise the API Gateway quota",
        ),
        _row(
            "API Gateway: HTTP API requests/s against the stage throttle (expectedOpenPages = calls)",
            api_rps,
            stage_throttle,
            unit="requests/s",
            source="contracts.PAGE_REQUESTS_PER_SECOND: 0.5 requests/s per open page (docs/deploy.md)",
            raise_hint=f"set expectedOpenPages={pages}",
        ),
        _row(
            "API Gateway: HTTP API requests/s if the pages polled (before live updates)",
            polling_rps,
            lim["api_account"],
        ),
        _row("API Gateway: WebSocket new connections/s", connects_s, lim["websocket_connects"]),
        _row(
            "API Gateway: WebSocket messages pushed/s (counted against the account quota)",
            pushes_s,
            lim["api_account"],
        ),
        _row(
            "EventBridge: PutEvents entries/s",
            ends_s * profile.per_call(profile.bus_entries),
            lim["put_events"],
        ),
        _row("SQS: messages sent/s", ends_s * profile.per_call(profile.queue_messages), lim["sqs"]),
        _row(
            "Model: requests/min at the end-of-call peak",
            peak_ends_s * 60 * model_calls,
            assume.model_rpm,
            unit="requests/min",
            source=BEDROCK_QUOTA.format(what="requests"),
            raise_hint="raise the model's on-demand quota (or use a cross-Region inference profile)",
        ),
        _row(
            "Model: tokens/min at the end-of-call peak",
            peak_ends_s * 60 * tokens,
            assume.model_tpm,
            unit="tokens/min",
            source=BEDROCK_QUOTA.format(what="tokens"),
            raise_hint="request a Bedrock on-demand tokens-per-minute increase for the model",
        ),
    ]
    partitions = [r for r in rows if r["name"].startswith("DynamoDB")]
    return {
        "calls": calls,
        "hottestPartitionUtilization": round(max(r["utilization"] for r in partitions), 4),
        "rows": rows,
    }


# --------------------------------------------------------------------------- cost


PRICES_USD = {
    # Public on-demand list prices, us-east-1, read 2026-12-01 from the service pricing pages
    # (aws.amazon.com/<service>/pricing); first tier where tiered. Excluded: Transcribe, the
    # Voice Connector, the model (reported separately), free tiers.
    "dynamodb_write_unit": 0.625 / 1e6,  # on-demand WRU (since the November 2024 reduction)
    "dynamodb_read_unit": 0.125 / 1e6,
    "dynamodb_gb_month": 0.25,
    "lambda_request": 0.20 / 1e6,
    "lambda_arm_gb_second": 0.0000133334,
    "kinesis_on_demand_gb_in": 0.08,
    "kinesis_on_demand_gb_out": 0.04,
    "kinesis_on_demand_stream_hour": 0.04,
    "eventbridge_event": 1.00 / 1e6,  # custom events, per 64 KB chunk
    "sqs_request": 0.40 / 1e6,
    "http_api_request": 1.00 / 1e6,
    "websocket_message": 1.00 / 1e6,  # per 32 KB
    "websocket_connection_minute": 0.25 / 1e6,
    "appsync_operation": 4.00 / 1e6,  # GraphQL query/mutation (LCA)
    "appsync_realtime_update": 2.00 / 1e6,
    "appsync_connection_minute": 0.08 / 1e6,
    "kms_request": 0.03 / 1e4,
    "logs_gb_ingested": 0.50,
}


def _gb(nbytes: float) -> float:
    return nbytes / 1024**3


def cost(
    profile: Profile, assume: Assumptions = Assumptions(), model: str = "amazon.nova-lite-v1:0"
) -> dict[str, Any]:
    """USD per 1,000 five-minute calls: this pipeline and the LCA-shaped baseline (module doc)."""
    from callrecap.contracts import FUNCTION_MEMORY_MB, Function
    from callrecap.domain.summaries.cost import PriceTable

    price = PRICES_USD
    minutes = 1000 * COST_CALL_MINUTES
    calls = 1000.0

    def scaled(value: float) -> float:  # a measured count, for 1,000 five-minute calls
        return profile.per_minute(value) * minutes

    page_reads = calls * COST_CALL_MINUTES * 60 / assume.reconcile_s
    tickets = calls * assume.tickets_per_call
    lambda_seconds_gb = sum(
        scaled(seconds) * FUNCTION_MEMORY_MB[Function(name)] / 1024
        for name, seconds in profile.busy_seconds.items()
        if name != "api"
    )
    api_gb_s = (
        (page_reads + tickets)
        * profile.busy_seconds.get("api", 0)
        / max(1, profile.invocations.get("api", 1))
    )
    api_gb_s *= FUNCTION_MEMORY_MB[Function.API] / 1024
    model_wait_gb_s = calls * profile.per_call(profile.model_calls) * assume.model_latency_s
    model_wait_gb_s *= FUNCTION_MEMORY_MB[Function.SUMMARIZER] / 1024
    invocations = scaled(sum(n for k, n in profile.invocations.items() if k != "api")) + page_reads + tickets
    kinesis_gb = _gb(scaled(profile.kinesis_billed_kb) * 1024)
    write_units = scaled(sum(profile.write_units.values()))
    read_units = scaled(sum(profile.read_units.values())) + page_reads * 3
    stored_gb = _gb(scaled(profile.kinesis_bytes) * 2)  # items about twice the record (indexes, record)
    ours = {
        "DynamoDB writes": write_units * price["dynamodb_write_unit"],
        "DynamoDB reads": read_units * price["dynamodb_read_unit"],
        "DynamoDB storage (90 days)": stored_gb * 3 * price["dynamodb_gb_month"],
        "Lambda requests": invocations * price["lambda_request"],
        "Lambda duration (arm64)": (lambda_seconds_gb + api_gb_s + model_wait_gb_s)
        * price["lambda_arm_gb_second"],
        "Kinesis data in + out": kinesis_gb
        * (price["kinesis_on_demand_gb_in"] + price["kinesis_on_demand_gb_out"]),
        "EventBridge events": calls * profile.per_call(profile.bus_entries) * price["eventbridge_event"],
        "SQS requests": calls * profile.per_call(profile.queue_messages) * 3 * price["sqs_request"],
        "API Gateway HTTP requests": (page_reads + tickets) * price["http_api_request"],
        "API Gateway WebSocket messages + minutes": scaled(profile.watcher_lookups)
        * price["websocket_message"]
        + calls * COST_CALL_MINUTES * price["websocket_connection_minute"],
        "KMS (tickets)": tickets * 2 * price["kms_request"],
        "CloudWatch Logs ingestion": _gb(scaled(profile.log_bytes)) * price["logs_gb_ingested"],
    }
    segments = scaled(profile.segments_final + profile.segments_partial)
    lca = {
        # The same records through LCA's shape: a mutation, a ~1 KB item write and a real-time
        # update to the watching page per segment (partials included), the same Lambda and stream.
        "DynamoDB writes": segments * price["dynamodb_write_unit"],
        "DynamoDB reads": 0.0,
        "DynamoDB storage (90 days)": ours["DynamoDB storage (90 days)"],
        "Lambda requests": ours["Lambda requests"] - (page_reads + tickets) * price["lambda_request"],
        "Lambda duration (arm64)": (
            lambda_seconds_gb + model_wait_gb_s * profile.per_call(profile.summary_sections)
        )
        * price["lambda_arm_gb_second"],
        "Kinesis data in + out": ours["Kinesis data in + out"],
        "AppSync mutations": segments * price["appsync_operation"],
        "AppSync real-time updates + minutes": segments * price["appsync_realtime_update"]
        + calls * COST_CALL_MINUTES * price["appsync_connection_minute"],
        "CloudWatch Logs ingestion": ours["CloudWatch Logs ingestion"],
    }
    prices = PriceTable()
    tokens_in = profile.per_call(profile.input_tokens)
    tokens_out = profile.per_call(profile.output_tokens)
    sections = max(1.0, profile.per_call(profile.summary_sections))
    average_minutes = max(1e-9, profile.per_call(profile.call_minutes))
    per_call_usd = prices.estimate_usd("bedrock", model, int(tokens_in), int(tokens_out))
    model_ours = per_call_usd * calls * COST_CALL_MINUTES / average_minutes  # tokens grow with length
    model_lca = model_ours * sections  # one call per section, each reading the whole transcript
    total_ours, total_lca = sum(ours.values()), sum(lca.values())
    return {
        "per": "1,000 five-minute calls",
        "ours": {k: round(v, 4) for k, v in ours.items()},
        "lca": {k: round(v, 4) for k, v in lca.items()},
        "totalUsd": round(total_ours, 4),
        "lcaTotalUsd": round(total_lca, 4),
        "ratio": round(total_ours / max(total_lca, 1e-12), 3),
        "modelUsd": round(model_ours, 4),
        "lcaModelUsd": round(model_lca, 4),
        "model": model,
        "fixedMonthlyUsd": {
            "Kinesis on-demand stream-hours": round(730 * price["kinesis_on_demand_stream_hour"], 2)
        },
    }


# --------------------------------------------------------------------------- entry points


def profile_for(size: Size) -> Profile:
    from callrecap_local.stack import LocalPipeline  # noqa: F401 (import errors surface here)

    return _profile(limit=2 if size is Size.TINY else None)


def _profile(limit: int | None = None) -> Profile:
    profile = measure_profile(limit=limit)
    return profile


def run(size: Size) -> BenchResult:
    from bench.common import command

    result = BenchResult(NAME, command(NAME, size))
    result.lines.append("one N as JSON: .venv/bin/python -m bench.capacity --calls N --json")
    profile = profile_for(size)
    result.lines.append(
        f"profile: {profile.calls} sample calls, {profile.call_minutes:.1f} call-minutes replayed; "
        "per call-minute "
        f"{profile.per_minute(profile.kinesis_records):.1f} Kinesis records, "
        f"{profile.per_minute(sum(profile.write_units.values())):.1f} write units, "
        f"{profile.per_minute(sum(profile.read_units.values())):.1f} read units, "
        f"{profile.per_minute(profile.watcher_lookups):.1f} pushes; per call "
        f"{profile.per_call(profile.bus_entries):.1f} bus events, "
        f"{profile.per_call(profile.input_tokens):.0f} "
        f"+ {profile.per_call(profile.output_tokens):.0f} model tokens"
    )
    worst: dict[int, float] = {}
    for calls in CALL_SIZES:
        model = capacity(profile, calls)
        worst[calls] = model["hottestPartitionUtilization"]
        result.lines.append(
            f"{calls:,} concurrent calls (hottest partition {model['hottestPartitionUtilization']:.1%}):"
        )
        for row in model["rows"]:
            limit = "no limit" if row["limit"] is None else f"{row['limit']:,.0f}"
            flag = f"  RAISE: {row['raise']}" if row["raise"] else ""
            result.lines.append(
                f"  {row['name']}: {row['figure']:,.2f} of {limit} {row['unit']} "
                f"({row['utilization']:.1%}){flag}"
            )
        result.figures[f"hottest_partition_utilization_{calls}"] = model["hottestPartitionUtilization"]
    money = cost(profile)
    result.figures.update(
        {
            "cost_usd_per_1000_calls": money["totalUsd"],
            "lca_cost_usd_per_1000_calls": money["lcaTotalUsd"],
            "cost_ratio_vs_lca": money["ratio"],
            "model_usd_per_1000_calls": money["modelUsd"],
            "lca_model_usd_per_1000_calls": money["lcaModelUsd"],
        }
    )
    result.lines.append(
        f"infrastructure cost per {money['per']}: ${money['totalUsd']:.4f} vs LCA-shaped "
        f"${money['lcaTotalUsd']:.4f} ({money['ratio']:.2f}x); model ({money['model']}) "
        f"${money['modelUsd']:.4f} vs ${money['lcaModelUsd']:.4f} (one call per section); fixed: "
        f"${money['fixedMonthlyUsd']['Kinesis on-demand stream-hours']}/month for the stream"
    )
    for name, usd in money["ours"].items():
        result.lines.append(f"  {name}: ${usd:.4f}   (LCA-shaped: ${money['lca'].get(name, 0.0):.4f})")
    for name in money["lca"]:
        if name not in money["ours"]:
            result.lines.append(f"  {name}: $0.0000   (LCA-shaped: ${money['lca'][name]:.4f})")
    result.targets.append(
        Target(
            "10,000 calls: hottest partition <= 50 % (table and every index)",
            worst[10_000] <= 0.5,
            f"{worst[10_000]:.1%}",
        )
    )
    result.targets.append(
        Target(
            "infrastructure cost below the LCA-shaped baseline", money["ratio"] < 1, f"{money['ratio']:.2f}x"
        )
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--calls", type=int, action="append", help="concurrent calls (repeatable; default 100, 1000, 10000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per --calls (JSON lines)")
    parser.add_argument("--profile", type=Path, help="reuse a profile saved with --save-profile")
    parser.add_argument("--save-profile", type=Path, help="write the measured profile as JSON")
    parser.add_argument("--model-latency-s", type=float, default=Assumptions.model_latency_s)
    parser.add_argument("--model-rpm", type=float, default=Assumptions.model_rpm)
    parser.add_argument("--model-tpm", type=float, default=Assumptions.model_tpm)
    args = parser.parse_args(argv)
    if args.profile:
        profile = Profile(**json.loads(args.profile.read_text()))
    else:
        saved = sys.stdout
        sys.stdout = sys.stderr  # only the JSON on stdout
        try:
            profile = _profile()
        finally:
            sys.stdout = saved
    if args.save_profile:
        args.save_profile.write_text(json.dumps(asdict(profile), indent=2) + "\n")
    assume = Assumptions(
        model_latency_s=args.model_latency_s, model_rpm=args.model_rpm, model_tpm=args.model_tpm
    )
    for calls in args.calls or list(CALL_SIZES):
        model = capacity(profile, calls, assume)
        if args.json:
            print(json.dumps(model))
        else:
            print(f"{calls:,} concurrent calls: hottest partition {model['hottestPartitionUtilization']:.1%}")
            for row in model["rows"]:
                print(
                    f"  {row['name']}: {row['figure']:,.2f} {row['unit']} "
                    f"({row['utilization']:.1%}) {row['raise']}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
