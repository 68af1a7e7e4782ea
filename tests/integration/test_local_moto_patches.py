"""The TransactWriteItems speed-up keeps moto's semantics: same table state as unpatched moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb import models

from callrecap_local import moto_patches
from callrecap_local.moto_patches import transact_items_snapshot

TABLE = "t"


def _create(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    client.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "2"}, "n": {"N": "5"}})
    client.put_item(TableName=TABLE, Item={"pk": {"S": "b"}, "sk": {"S": "1"}, "tags": {"SS": ["x"]}})


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _ops(condition_on_last: str) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": TABLE, "Item": {**_key("c", "1"), "v": {"S": "new"}}}},  # new hash
        {"Put": {"TableName": TABLE, "Item": {**_key("a", "3"), "v": {"S": "new"}}}},  # new range
        {
            "Update": {
                "TableName": TABLE,
                "Key": _key("b", "1"),
                "UpdateExpression": "ADD tags :t SET m = :m",
                "ExpressionAttributeValues": {":t": {"SS": ["y"]}, ":m": {"N": "7"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": _key("a", "2")}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": _key("a", "1"),
                "UpdateExpression": "SET n = :two",
                "ConditionExpression": condition_on_last,
                "ExpressionAttributeValues": {":two": {"N": "2"}, ":one": {"N": "1"}},
            }
        },
    ]


def _state() -> tuple[Any, int]:
    """moto's own view of the table: every (hash, range) -> item attributes, and stream length."""
    table = models.dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE]
    items = {
        (str(h.value), str(r.value)): item.to_json()["Attributes"]
        for h, bucket in table.items.items()
        for r, item in bucket.items()
    }
    buckets = sorted(str(h.value) for h in table.items)
    return (items, buckets), len(table.stream_shard.items)


def _run(scenario: Callable[[Any], None], *, patched: bool) -> tuple[Any, int]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _create(client)
        if patched:
            with transact_items_snapshot() as applied:
                assert applied
                scenario(client)
        else:
            scenario(client)
        return _state()


def _cancelled(client: Any) -> None:
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=_ops("n = :two"))  # the last item's condition fails


def _succeeds(client: Any) -> None:
    client.transact_write_items(TransactItems=_ops("n = :one"))


def _invalid(client: Any) -> None:
    ops = _ops("n = :one")
    ops.append(
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": _key("c", "1"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
    )
    with pytest.raises(client.exceptions.ClientError):  # two operations on one item: rolled back
        client.transact_write_items(TransactItems=ops)


def test_a_cancelled_transaction_leaves_every_item_exactly_as_before() -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _create(client)
        before = _state()
    assert _run(_cancelled, patched=True) == before
    assert _run(_cancelled, patched=False) == before


def test_a_successful_transaction_writes_every_item() -> None:
    state = _run(_succeeds, patched=True)
    assert state == _run(_succeeds, patched=False)
    (items, _), stream_length = state
    assert items[("c", "1")]["v"] == {"S": "new"} and items[("a", "3")]["v"] == {"S": "new"}
    assert items[("b", "1")]["m"] == {"N": "7"} and set(items[("b", "1")]["tags"]["SS"]) == {"x", "y"}
    assert ("a", "2") not in items and items[("a", "1")]["n"] == {"N": "2"}
    assert stream_length == 3 + 5


@pytest.mark.parametrize("scenario", [_cancelled, _succeeds, _invalid])
def test_same_state_as_unpatched_moto(scenario: Callable[[Any], None]) -> None:
    assert _run(scenario, patched=True) == _run(scenario, patched=False)


def test_moto_is_put_back_and_nesting_shares_one_patch() -> None:
    original = models.DynamoDBBackend.transact_write_items
    with transact_items_snapshot(), transact_items_snapshot():
        assert models.DynamoDBBackend.transact_write_items is not original
    assert models.DynamoDBBackend.transact_write_items is original


def test_another_moto_version_is_not_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "moto_version", lambda: "9.9.9")
    original = models.DynamoDBBackend.transact_write_items
    with pytest.warns(RuntimeWarning, match="not the pinned"), transact_items_snapshot() as applied:
        assert applied is False
        assert models.DynamoDBBackend.transact_write_items is original


def _queries(client: Any) -> None:
    client.transact_write_items(TransactItems=_ops("n = :one"))
    for sk in ("0", "2", "5", "4"):
        client.put_item(TableName=TABLE, Item=_key("a", sk))


def _query_results() -> list[Any]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    results = []
    for pk, extra in [("a", {}), ("a", {"ScanIndexForward": False}), ("zz", {}), ("b", {"Limit": 1})]:
        results.append(
            client.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": pk}},
                **extra,
            )
        )
    results.append(
        client.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p AND sk > :s",
            ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "1"}},
        )
    )
    return [(r["Items"], r.get("LastEvaluatedKey")) for r in results]


def test_a_query_on_one_key_returns_what_unpatched_moto_returns() -> None:
    results = {}
    for patched in (True, False):
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            _create(client)
            _queries(client)
            if patched:
                with transact_items_snapshot():
                    results[patched] = _query_results()
            else:
                results[patched] = _query_results()
    assert results[True] == results[False]
    assert [i["sk"]["S"] for i in results[True][0][0]] == ["0", "1", "2", "3", "4", "5"]


def _read_all(client: Any, stream: str, limit: int) -> list[tuple[str, bytes]]:
    shard = client.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    seen: list[tuple[str, bytes]] = []
    for _ in range(50):
        response = client.get_records(ShardIterator=iterator, Limit=limit)
        seen.extend((r["SequenceNumber"], r["Data"]) for r in response["Records"])
        iterator = response["NextShardIterator"]
        if not response["Records"]:
            break
    return seen


def _kinesis_reads(patched: bool) -> list[tuple[str, bytes]]:
    with mock_aws():
        client = boto3.client("kinesis", region_name="us-east-1")
        client.create_stream(StreamName="s", ShardCount=1)
        for n in range(23):
            client.put_record(StreamName="s", Data=f"record {n}".encode(), PartitionKey="k")
        if patched:
            with transact_items_snapshot():
                return _read_all(client, "s", limit=5)
        return _read_all(client, "s", limit=5)


def test_kinesis_reads_are_the_same_as_unpatched_moto() -> None:
    expected = _kinesis_reads(patched=False)
    assert len(expected) == 23
    assert _kinesis_reads(patched=True) == expected
