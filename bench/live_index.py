"""Live-calls index heat: the busiest index partition's writes per second, against the documented
1,000 write units per second a DynamoDB partition takes. moto has no partitions, so it is measured.

N concurrent calls each commit one final segment a second (the Kinesis batching window) through the
real segment writer on moto (in-process), with a simulated clock, for a few seconds around the turn
of a minute (when every call of the sharded design moves in its index partition at once). After
every simulated second the call records are scanned and every change of a call's index key counts
as two index writes (DynamoDB deletes the old index entry and puts the new one) on its partition.
Baseline, from the same records in the same run: the first design's key, one `LIVE` partition
sorted by `lastActivityAt`, which changes at every commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import BenchResult, Size, Target, command
from callrecap import contracts as c
from callrecap.contracts import CallAttr
from callrecap.domain.models import Segment, Speaker
from callrecap_local.partition_heat import PARTITION_WRITE_UNITS_PER_SECOND as PARTITION_WRITES_PER_SECOND

NAME = "live_index"
CALLS = {Size.TINY: 20, Size.QUICK: 300, Size.FULL: 1000}
SECONDS = {Size.TINY: 8, Size.QUICK: 10, Size.FULL: 10}
START = datetime(2026, 1, 1, 10, 0, 55, tzinfo=UTC)
"""Five simulated seconds before a minute turns: the sharded design's worst second is in the run."""
BATCH_CALLS = 100  # one ingest batch: 100 records


def _index_keys(client: Any, table: str) -> dict[str, tuple[tuple[str, str], tuple[str, str]]]:
    """callId -> (current index key, first design's index key)."""
    keys: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
    paginator = client.get_paginator("scan")
    projection = "#pk, #g2pk, #g2sk, #last"
    names = {
        "#pk": c.PK,
        "#g2pk": c.GSI_LIVE_CALLS_PK,
        "#g2sk": c.GSI_LIVE_CALLS_SK,
        "#last": CallAttr.LAST_ACTIVITY_AT.value,
    }
    for page in paginator.paginate(
        TableName=table, ProjectionExpression=projection, ExpressionAttributeNames=names
    ):
        for item in page["Items"]:
            if c.GSI_LIVE_CALLS_PK not in item:
                continue
            call_id = c.call_id_of_pk(item[c.PK]["S"])
            current = (item[c.GSI_LIVE_CALLS_PK]["S"], item[c.GSI_LIVE_CALLS_SK]["S"])
            first_design = ("LIVE", item[CallAttr.LAST_ACTIVITY_AT.value]["S"])
            keys[call_id] = (current, first_design)
    return keys


def _writes(
    before: dict[str, tuple[tuple[str, str], tuple[str, str]]],
    after: dict[str, tuple[tuple[str, str], tuple[str, str]]],
    which: int,
) -> Counter[str]:
    per_partition: Counter[str] = Counter()
    for call_id, keys in after.items():
        old = before.get(call_id)
        if old is None:
            per_partition[keys[which][0]] += 1  # joins the index: one put
        elif old[which] != keys[which]:
            per_partition[keys[which][0]] += 2  # moves: delete and put
    return per_partition


def run(size: Size) -> BenchResult:
    import boto3
    from moto import mock_aws

    from bench.moto_env import moto_transactions_copy_once
    from callrecap.adapters.dynamo.schema import create_table
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap_local.partition_heat import PartitionHeat, metered

    calls, seconds = CALLS[size], SECONDS[size]
    result = BenchResult(NAME, command(NAME, size))
    table = "bench-live-index"
    # Calls start staggered over the first second, as they would; the clock is simulated.
    now = [START]
    heat = PartitionHeat(clock=lambda: now[0].timestamp())
    with mock_aws(), moto_transactions_copy_once(), metered(heat):
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, table)
        store = DynamoTranscriptStore(table, client=client, clock=lambda: now[0], sleep=lambda _: None)
        call_ids = [f"call-{n:05}" for n in range(calls)]
        snapshot: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
        hottest = {0: 0, 1: 0}
        shards_seen: set[str] = set()
        start = now[0]
        for second in range(seconds):
            for first in range(0, calls, BATCH_CALLS):
                now[0] = start + timedelta(seconds=second, milliseconds=(first * 997) % 1000)
                batch = [
                    Segment(
                        call_id=call_id,
                        segment_id=f"s{second:04}",
                        speaker=Speaker.AGENT if second % 2 else Speaker.CUSTOMER,
                        start_time=float(second),
                        end_time=second + 0.9,
                        text=f"utterance {second}",
                        is_partial=False,
                    )
                    for call_id in call_ids[first : first + BATCH_CALLS]
                ]
                stored = store.put_segments(batch)
                if stored.failed:
                    raise RuntimeError(f"segments not stored: {len(stored.failed)}")
            keys = _index_keys(client, table)
            if second > 0:  # the first second is every call joining the index, in both designs
                for which in (0, 1):
                    busiest = max(_writes(snapshot, keys, which).values(), default=0)
                    hottest[which] = max(hottest[which], busiest)
            shards_seen |= {current[0] for current, _ in keys.values()}
            snapshot = keys
    sharded, single = hottest[0], hottest[1]
    result.figures.update(
        {
            "calls": calls,
            "simulated_seconds": seconds,
            "hottest_partition_writes_per_s": sharded,
            "baseline_hottest_partition_writes_per_s": single,
            "ratio_vs_baseline": round(sharded / single, 3) if single else None,
            "index_partitions_used": len(shards_seen),
        }
    )
    result.lines += [
        f"{calls} live calls, one commit a call a second, {seconds} simulated s (crossing a minute)",
        f"baseline (one LIVE partition, sort key lastActivityAt): hottest index partition {single} writes/s",
        f"sharded x{c.LIVE_CALLS_SHARDS}, sort key the minute: hottest {sharded} writes/s "
        f"({sharded / single:.3f} x baseline) over {len(shards_seen)} partitions",
        f"arithmetic at 1 commit/s a call: the baseline saturates a partition at "
        f"{PARTITION_WRITES_PER_SECOND // 2} calls; sharded, each call moving at its own second of "
        f"the minute, a shard takes 2 x calls / {60 * c.LIVE_CALLS_SHARDS} writes/s "
        f"({2 * 10_000 / (60 * c.LIVE_CALLS_SHARDS):.0f}/s at 10,000 calls)",
    ]
    # The meter bills every write (callrecap_local/partition_heat.py); the first second, every
    # call joining the index and starting its record, is left out as above.
    after = int(START.timestamp())
    metered_lines = []
    for target in heat.targets():
        peak = max(
            (units for (second, where, _), units in heat.units.items() if where == target and second > after),
            default=0.0,
        )
        name = target.split("/", 1)[1] if "/" in target else "table"
        result.figures[f"meter_{name}_busiest_units_per_s"] = peak
        metered_lines.append(f"{name} {peak:.0f}")
    result.lines.append("metered, busiest partition (write units/s): " + ", ".join(metered_lines))
    worst = max((v for k, v in result.figures.items() if k.startswith("meter_")), default=0.0)
    result.targets.append(
        Target(
            f"every partition of the table and its indexes at most 50 % of {PARTITION_WRITES_PER_SECOND}/s",
            worst <= PARTITION_WRITES_PER_SECOND / 2,
            f"busiest {worst:.0f} units/s at {calls} calls",
        )
    )
    result.targets.append(
        Target(
            f"hottest live-index partition under {PARTITION_WRITES_PER_SECOND} writes/s",
            sharded < PARTITION_WRITES_PER_SECOND,
            f"{sharded}/s at {calls} calls",
        )
    )
    return result
