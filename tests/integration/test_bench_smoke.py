"""Each benchmark imports and runs at its tiny size (figures are not asserted: no timings in tests)."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import BENCHMARKS
from bench.common import BenchResult, Size


@pytest.mark.parametrize("name", ["cold_start", "summarizer", "ingest"])
def test_benchmark_runs_at_tiny_size(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    result = module.run(Size.TINY)

    assert isinstance(result, BenchResult) and result.name == name
    assert result.command.endswith(f"--only {name}")
    if not result.skipped:
        assert result.lines
        rendered = result.render()
        assert "reproduce:" in rendered


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.run) and name == module.NAME


def test_scale_records_interleave_calls_and_end_every_call() -> None:
    from bench.scale import SEGMENTS_PER_CALL, _records

    records = _records(["a", "b"])
    kinds = [r["EventType"] for _, r in records]
    assert kinds.count("START") == 2 and kinds.count("END") == 2
    assert kinds.count("ADD_TRANSCRIPT_SEGMENT") == 2 * SEGMENTS_PER_CALL
    assert [c for c, _ in records[2:4]] == ["a", "b"]


def test_main_prints_every_requested_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    assert main(["--tiny", "--only", "summarizer"]) == 0
    out = capsys.readouterr().out
    assert "== summarizer" in out and "python -m bench --tiny --only summarizer" in out


def test_moto_transaction_speed_up_keeps_rollback_semantics() -> None:
    import boto3
    from moto import mock_aws
    from moto.dynamodb import models

    from bench.moto_env import moto_transactions_copy_once

    original = models.DynamoDBBackend.transact_write_items
    with mock_aws(), moto_transactions_copy_once():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"pk": {"S": "a"}},
                            "UpdateExpression": "SET n = :two",
                            "ConditionExpression": "n = :zero",
                            "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
                        }
                    },
                ]
            )
        items = client.scan(TableName="t")["Items"]
        assert items == [{"pk": {"S": "a"}, "n": {"N": "1"}}]  # nothing of the cancelled transaction
    assert models.DynamoDBBackend.transact_write_items is original  # moto put back
