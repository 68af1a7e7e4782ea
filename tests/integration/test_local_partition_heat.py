"""The partition-heat meter bills writes per partition as DynamoDB does (callrecap_local/
partition_heat.py), on the real schema and the real segment writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap import contracts as c
from callrecap.adapters.dynamo.schema import create_table
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.domain.models import CallDetails, Segment, Speaker
from callrecap_local.partition_heat import PartitionHeat, metered

TABLE = "heat"


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_table(dynamodb, TABLE)
        yield dynamodb


def frozen() -> float:
    return 1_000.0  # every write in the same second


def test_put_update_and_failed_condition_are_billed_per_started_kb(client: Any) -> None:
    heat = PartitionHeat(clock=frozen)
    with metered(heat):
        client.put_item(
            TableName=TABLE, Item={c.PK: {"S": "CALL#a"}, c.SK: {"S": "x"}, "v": {"S": "a" * 1500}}
        )
        client.update_item(
            TableName=TABLE,
            Key={c.PK: {"S": "CALL#a"}, c.SK: {"S": "x"}},
            UpdateExpression="SET w = :w",
            ExpressionAttributeValues={":w": {"S": "b"}},
        )
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName=TABLE,
                Item={c.PK: {"S": "CALL#a"}, c.SK: {"S": "x"}},
                ConditionExpression="attribute_not_exists(pk)",
            )
    hottest = heat.hottest()
    assert hottest is not None
    assert (hottest.target, hottest.partition) == (TABLE, "CALL#a")
    assert hottest.units == 2 + 2 + 2  # 1.5 KB item: 2 units each, the refused write too
    client.put_item(TableName=TABLE, Item={c.PK: {"S": "CALL#b"}, c.SK: {"S": "x"}})
    assert heat.hottest(TABLE) == hottest  # uninstalled on exit: no longer metered


def seg(call: str, n: int) -> Segment:
    return Segment(call, f"s{n}", Speaker.AGENT, float(n), n + 0.5, f"words {n}", False)


def test_commits_of_many_calls_write_no_shared_partition_each_time(client: Any) -> None:
    heat = PartitionHeat(clock=frozen)
    moment = [datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)]
    store = DynamoTranscriptStore(TABLE, client=client, clock=lambda: moment[0], sleep=lambda _: None)
    calls = [f"call-{n}" for n in range(40)]
    with metered(heat):
        store.mark_started(CallDetails(calls[0]), "2026-01-01T10:00:00Z")
        for n in range(5):
            moment[0] = moment[0].replace(second=1 + n)
            store.put_segments([seg(call, n) for call in calls])
    table = heat.hottest(TABLE)
    live = heat.hottest(f"{TABLE}/{c.GSI_LIVE_CALLS}")
    by_day = heat.hottest(f"{TABLE}/{c.GSI_BY_DAY}")
    assert table is not None and live is not None and by_day is not None
    assert table.partition.startswith("CALL#")  # no shared table partition
    # One put per call to join, then at most one move (delete + put) in these 5 s, when the call's
    # own minute turns: not a write per commit (5 x 40), and spread over the shards.
    assert live.partition.startswith(c.LIVE_CALLS_PK_PREFIX)
    index_units = sum(u for (_, where, _), u in heat.units.items() if where.endswith(c.GSI_LIVE_CALLS))
    assert index_units <= 3 * len(calls)
    assert live.units < len(calls) / 2
    assert table.utilization < 0.05
    # byDay is keys-only and its keys never change: one put per call, whatever it says later.
    assert by_day.partition == c.day_pk("2026-01-01") and by_day.units == len(calls)
    reads = PartitionHeat(clock=frozen)
    with metered(reads):
        page = store.list_calls("2026-01-01", limit=50)
    assert len(page.items) == len(calls)
    # The keys-only index answers in one read unit (40 small keys, eventually consistent: 0.5),
    # then the records are read by key (BatchGetItem) from each call's own partition.
    index_read = reads.hottest(f"{TABLE}/{c.GSI_BY_DAY}", reads=True)
    assert index_read is not None and index_read.units == 0.5
    table_read = reads.hottest(TABLE, reads=True)
    assert table_read is not None and table_read.partition.startswith("CALL#") and table_read.units == 1


def test_reads_are_billed_per_started_4_kb_on_the_partition_they_read(client: Any) -> None:
    heat = PartitionHeat(clock=frozen)
    with metered(heat):
        for n in range(3):
            client.put_item(
                TableName=TABLE,
                Item={c.PK: {"S": "CALL#r"}, c.SK: {"S": f"s{n}"}, "v": {"S": "a" * 3000}},
            )
        client.get_item(TableName=TABLE, Key={c.PK: {"S": "CALL#r"}, c.SK: {"S": "s0"}}, ConsistentRead=True)
        keys = [{c.PK: {"S": "CALL#r"}, c.SK: {"S": f"s{n}"}} for n in range(3)]
        client.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})
        client.query(
            TableName=TABLE,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": c.PK},
            ExpressionAttributeValues={":pk": {"S": "CALL#r"}},
            ConsistentRead=True,
        )
        client.query(
            TableName=TABLE,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": c.PK},
            ExpressionAttributeValues={":pk": {"S": "CALL#r"}},
        )
    hottest = heat.hottest(reads=True)
    assert hottest is not None
    assert (hottest.target, hottest.partition, hottest.reads) == (TABLE, "CALL#r", True)
    # GetItem 1 + BatchGetItem 3 x 1 + a consistent Query of ~9 KB (3 units) + the same
    # eventually consistent (1.5 units)
    assert hottest.units == 1 + 3 + 3 + 1.5
    assert hottest.utilization == hottest.units / 3_000
    assert heat.hottest().reads is False  # type: ignore[union-attr]
