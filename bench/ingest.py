"""Ingest: segments per second and DynamoDB requests per 100 segments, handler vs naive baseline.

The ingest handler (handlers/ingest.py) is invoked in-process with Kinesis batch events (100
records, the event source mapping's default batch size) of LCA ADD_TRANSCRIPT_SEGMENT records,
against moto's server on loopback. DynamoDB requests are counted with a botocore `before-send`
hook (retries included). Baseline in the same run, on the same moto server: one PutItem per
segment, the naive writer. Two traffic shapes: one call per shard batch (records of a call
arrive together) and ten calls interleaved in every batch (a busy shard).
"""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

from bench.calls import synthetic_segments
from bench.common import REPO_ROOT, BenchResult, Size, Target, command
from bench.moto_env import MotoEnv, RequestCounter, moto_server
from callrecap import contracts
from callrecap.domain.models import Segment
from callrecap_local.lca_events import lca_segment

NAME = "ingest"
TARGET_REQUESTS_PER_100 = 5.0
BATCH = 100
SEGMENTS = {Size.TINY: 100, Size.QUICK: 1000, Size.FULL: 5000}


def lca_record(segment: Segment) -> dict[str, Any]:
    return lca_segment(
        segment.call_id,
        segment.segment_id,
        segment.start_time,
        segment.end_time,
        segment.text,
        agent=segment.speaker == "AGENT",
        created_at="2026-01-01T10:00:00.000Z",
    )


def kinesis_event(records: list[dict[str, Any]], stream_arn: str, offset: int) -> dict[str, Any]:
    from callrecap_local.lambda_events import KinesisRecord, kinesis_batch_event

    batch = [
        KinesisRecord(
            shard_id="shardId-000000000000",
            sequence_number=str(10**20 + offset + i),
            partition_key=record["CallId"],
            data=json.dumps(record).encode(),
            arrival=time.time(),
        )
        for i, record in enumerate(records)
    ]
    return kinesis_batch_event(batch, stream_arn=stream_arn)


def _segments(total: int, calls: int, tag: str) -> list[Segment]:
    per_call = total // calls
    streams = [synthetic_segments(f"{tag}-call-{c}", per_call / 12) for c in range(calls)]
    interleaved: list[Segment] = []
    for i in range(per_call):
        interleaved.extend(stream[i] for stream in streams if i < len(stream))
    return interleaved


def _through_handler(
    env: MotoEnv, segments: list[Segment], counter: RequestCounter
) -> tuple[float, int, int]:
    from callrecap_local.lambda_events import LambdaContext

    module = importlib.import_module("callrecap.handlers.ingest")
    context = LambdaContext("callrecap-ingest")
    records = [lca_record(s) for s in segments]
    failures = 0
    counter.reset()
    started = time.perf_counter()
    for offset in range(0, len(records), BATCH):
        event = kinesis_event(records[offset : offset + BATCH], env.resources.stream_arn, offset)
        response = module.handler(event, context)
        failures += len((response or {}).get("batchItemFailures", []))
    elapsed = time.perf_counter() - started
    return elapsed, counter.total, failures


def _baseline(env: MotoEnv, segments: list[Segment], counter: RequestCounter) -> tuple[float, int]:
    import boto3

    client = boto3.client("dynamodb")
    counter.reset()
    started = time.perf_counter()
    for s in segments:
        client.put_item(
            TableName=env.resources.table_name,
            Item={
                contracts.PK: {"S": contracts.call_pk("baseline-" + s.call_id)},
                contracts.SK: {"S": f"{contracts.SEGMENT_SK_PREFIX}{s.start_time:012.3f}#{s.segment_id}"},
                "text": {"S": s.text},
                "speaker": {"S": str(s.speaker)},
            },
        )
    return time.perf_counter() - started, counter.total


def _stored_segments(env: MotoEnv, call_ids: set[str]) -> int:
    client = env.client("dynamodb")
    total = 0
    for call_id in call_ids:
        paginator = client.get_paginator("query")
        for page in paginator.paginate(
            TableName=env.resources.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :seg)",
            ExpressionAttributeNames={"#pk": contracts.PK, "#sk": contracts.SK},
            ExpressionAttributeValues={
                ":pk": {"S": contracts.call_pk(call_id)},
                ":seg": {"S": contracts.SEGMENT_SK_PREFIX},
            },
            Select="COUNT",
        ):
            total += page["Count"]
    return total


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    if not (REPO_ROOT / "lambdas" / "callrecap" / "handlers" / "ingest.py").is_file():
        result.skipped = "handlers/ingest.py not present yet"
        return result
    importlib.import_module("callrecap.handlers.ingest").logger.setLevel("WARNING")
    total = SEGMENTS[size]
    shapes = {"1 call/batch": 1, "10 calls interleaved": 10}
    counter = RequestCounter().attach("dynamodb")
    try:
        with moto_server("bench-ingest-base") as env:  # each shape gets its own, empty table
            base_segments = _segments(total, 1, "base")
            base_s, base_requests = _baseline(env, base_segments, counter)
        base_rate = len(base_segments) / base_s
        result.figures["baseline_segments_per_s"] = round(base_rate, 1)
        result.figures["baseline_requests_per_100"] = round(base_requests / len(base_segments) * 100, 1)
        result.lines.append(
            f"baseline (1 PutItem/segment): {base_rate:.0f} segments/s, "
            f"{base_requests / len(base_segments) * 100:.0f} requests/100 segments"
        )
        for label, calls in shapes.items():
            with moto_server(f"bench-ingest-{calls}") as env:
                segments = _segments(total, calls, f"ingest{calls}")
                seconds, requests, failures = _through_handler(env, segments, counter)
                by_operation = dict(sorted(counter.counts.items()))
                stored = _stored_segments(env, {s.call_id for s in segments})
            rate = len(segments) / seconds
            per_100 = requests / len(segments) * 100
            key = f"calls{calls}"
            result.figures[f"{key}_segments_per_s"] = round(rate, 1)
            result.figures[f"{key}_requests_per_100"] = round(per_100, 2)
            result.figures[f"{key}_requests_by_operation"] = by_operation
            result.figures[f"{key}_stored"] = stored
            result.figures[f"{key}_failures"] = failures
            result.lines.append(
                f"handler, {label}: {len(segments)} segments, {rate:.0f} segments/s "
                f"({rate / base_rate:.2f}x baseline), {per_100:.1f} DynamoDB requests/100 segments "
                f"({per_100 / 100:.2f}x baseline) {by_operation}, stored {stored}, "
                f"batch item failures {failures}"
            )
            result.targets.append(
                Target(
                    f"<= {TARGET_REQUESTS_PER_100:.0f} requests/100 segments ({label})",
                    per_100 <= TARGET_REQUESTS_PER_100,
                    f"{per_100:.1f}",
                )
            )
            result.targets.append(
                Target(
                    f"every segment stored ({label})", stored == len(segments), f"{stored}/{len(segments)}"
                )
            )
    finally:
        counter.detach()
    result.lines.append(
        "segments/s on moto measure moto (one Python process, JSON over HTTP), not DynamoDB: "
        "read the request counts"
    )
    return result
